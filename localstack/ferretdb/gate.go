package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"

	"go.mongodb.org/mongo-driver/x/mongo/driver/wiremessage"
)

// buildField is the field the gate adds to buildInfo replies: the launcher's build, so a starter
// can tell an outdated launcher from a current one (localstack/embedded.ts).
const buildField = "omsGateBuild"

// Gate fronts FerretDB on the MongoDB wire so that every single-document write is atomic for
// every client, as on MongoDB: it proxies each client connection to FerretDB and holds the write
// locks of the document (or collection) a write may touch until FerretDB has answered it. Reads
// and everything else pass through untouched.
type Gate struct {
	dial   func(ctx context.Context) (net.Conn, error)
	build  string
	sqlite bool
	locks  *locks
	log    *slog.Logger
	// inflight caps the requests FerretDB works on at once, over every connection. FerretDB 1.24
	// on PostgreSQL stalls for good once more requests are in flight than about half its
	// PostgreSQL pool (seen here: a full MongoDB driver pool of 50 against it hung every
	// connection, pings included, with the PostgreSQL connections idle). Waiting here instead
	// costs nothing a 2-core machine could have used.
	inflight chan struct{}
}

// defaultMaxInflight is well under half of FerretDB's PostgreSQL pool.
const defaultMaxInflight = 8

func newGate(dial func(ctx context.Context) (net.Conn, error), build string, sqlite bool, log *slog.Logger) *Gate {
	return &Gate{dial: dial, build: build, sqlite: sqlite, locks: newLocks(), log: log, inflight: make(chan struct{}, defaultMaxInflight)}
}

// Serve accepts connections on l until ctx is done, then closes l and every open connection.
func (g *Gate) Serve(ctx context.Context, l net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	for {
		client, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.proxy(ctx, client)
		}()
	}
}

func (g *Gate) proxy(ctx context.Context, client net.Conn) {
	server, err := g.dial(ctx)
	if err != nil {
		g.log.Error("gate: cannot reach FerretDB", "error", err)
		client.Close()
		return
	}
	s := &session{gate: g, client: client, server: server, pending: map[int32]*pending{}, closed: make(chan struct{})}
	stop := context.AfterFunc(ctx, s.close)
	defer stop()
	done := make(chan struct{})
	go func() {
		s.end(s.forwardReplies())
		close(done)
	}()
	s.end(s.forwardRequests())
	<-done
}

// session is one client connection and its own connection to FerretDB. Drivers send one request
// at a time per connection (bar exhaust replies, which flow server to client only), so a gated
// write simply waits for its reply before the next request is read.
type session struct {
	gate           *Gate
	client, server net.Conn

	mu      sync.Mutex
	pending map[int32]*pending // by request id: requests whose reply needs handling

	closeOnce sync.Once
	closed    chan struct{}
}

// pending is what to do with the reply to one request.
type pending struct {
	drop    bool                // the client sent moreToCome and expects no reply
	rewrite func([]byte) []byte // buildInfo: add the launcher's build
	done    chan struct{}       // closed when the reply arrives: the gated write is over
	slot    bool                // holds one of the gate's in-flight slots until the reply arrives
}

func (s *session) forwardRequests() error {
	r := bufio.NewReaderSize(s.client, 64<<10)
	for {
		msg, err := readMessage(r)
		if err != nil {
			return err
		}
		if err := s.forward(msg); err != nil {
			return err
		}
	}
}

func (s *session) forward(msg *message) error {
	// OP_QUERY carries only the handshake (FerretDB answers nothing else over it) and FerretDB
	// refuses OP_COMPRESSED (it never offers compression), so neither can carry a write.
	if msg.opcode != wiremessage.OpMsg {
		return s.send(msg.raw)
	}
	m, err := parseOpMsg(msg.raw)
	if err != nil {
		// What we cannot read we cannot gate; FerretDB would drop such a connection too.
		return err
	}
	name := m.command()
	p := &pending{drop: m.flags&wiremessage.MoreToCome != 0}
	if name == "buildInfo" || name == "buildinfo" {
		p.rewrite = func(reply []byte) []byte { return withField(reply, buildField, s.gate.build) }
	}
	acc, gated := classify(m, s.gate.sqlite)
	if !gated {
		// FerretDB 1.24 answers every request, moreToCome or not (a dropped reply still frees the slot).
		if err := s.takeSlot(p); err != nil {
			return err
		}
		s.expect(msg.requestID, p)
		return s.send(msg.raw)
	}
	raw := msg.raw
	if p.drop {
		raw = withoutMoreToCome(raw) // the reply is how we know the write is over
	}
	p.done = make(chan struct{})
	release := s.gate.locks.acquire(acc)
	defer release()
	// The lock first, then the slot: a slot is only ever held by a request FerretDB is working on.
	if err := s.takeSlot(p); err != nil {
		return err
	}
	s.expect(msg.requestID, p)
	if err := s.send(raw); err != nil {
		return err
	}
	select {
	case <-p.done:
		return nil
	case <-s.closed:
		return net.ErrClosed
	}
}

func (s *session) forwardReplies() error {
	r := bufio.NewReaderSize(s.server, 64<<10)
	for {
		msg, err := readMessage(r)
		if err != nil {
			return err
		}
		raw := msg.raw
		if p := s.take(msg.responseTo); p != nil {
			s.giveSlot(p)
			// The write is over once FerretDB has answered, whether or not the client is still there.
			if p.done != nil {
				close(p.done)
			}
			if p.drop {
				continue
			}
			if p.rewrite != nil {
				raw = p.rewrite(raw)
			}
		}
		if _, err := s.client.Write(raw); err != nil {
			return err
		}
	}
}

func (s *session) send(raw []byte) error {
	_, err := s.server.Write(raw)
	return err
}

// takeSlot waits for one of the gate's in-flight slots (or the end of the session).
func (s *session) takeSlot(p *pending) error {
	select {
	case s.gate.inflight <- struct{}{}:
		s.mu.Lock()
		p.slot = true
		s.mu.Unlock()
		return nil
	case <-s.closed:
		return net.ErrClosed
	}
}

func (s *session) giveSlot(p *pending) {
	s.mu.Lock()
	held := p.slot
	p.slot = false
	s.mu.Unlock()
	if held {
		<-s.gate.inflight
	}
}

func (s *session) expect(requestID int32, p *pending) {
	s.mu.Lock()
	s.pending[requestID] = p
	s.mu.Unlock()
}

func (s *session) take(responseTo int32) *pending {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pending[responseTo]
	delete(s.pending, responseTo)
	return p
}

// end closes the session when either direction stops (a client that hangs up, FerretDB gone).
func (s *session) end(err error) {
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		s.gate.log.Debug("gate: connection closed", "error", err)
	}
	s.close()
}

func (s *session) close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.client.Close()
		s.server.Close()
		// Requests that will never be answered give their slots back.
		s.mu.Lock()
		unanswered := make([]*pending, 0, len(s.pending))
		for id, p := range s.pending {
			unanswered = append(unanswered, p)
			delete(s.pending, id)
		}
		s.mu.Unlock()
		for _, p := range unanswered {
			s.giveSlot(p)
		}
	})
}
