package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/jackc/pgx/v5"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	"go.mongodb.org/mongo-driver/mongo/writeconcern"
)

// The race tests run against the gate over an embedded FerretDB on PostgreSQL (a database of
// their own, dropped afterwards). With -ungated they run against FerretDB directly, where they
// are expected to fail: that is the bug the gate exists for.
var ungated = flag.Bool("ungated", false, "race FerretDB directly, without the gate (the tests should fail)")

const testBuild = "test-build"

var (
	gateURI, directURI string
	testGate           *Gate
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runWithStack(m))
}

func runWithStack(m *testing.M) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pgURL, drop, err := createDatabase(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "these tests need PostgreSQL (trust auth) at %s: %v\n", postgresBase(), err)
		return 1
	}
	defer drop()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	socket, stop, err := startFerretDB(ctx, &ferretdb.Config{Handler: "postgresql", PostgreSQLURL: pgURL, Logger: quiet})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stop()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var d net.Dialer
	testGate = newGate(func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "unix", socket) }, testBuild, false, slog.Default())
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = testGate.Serve(ctx, l)
	}()
	defer func() { cancel(); <-served }()
	gateURI = "mongodb://" + l.Addr().String() + "/"
	directURI = "mongodb://" + url.PathEscape(socket) + "/"
	return m.Run()
}

func postgresBase() string {
	if u := os.Getenv("GATE_TEST_POSTGRESQL_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres"
}

// createDatabase makes a PostgreSQL database for this run and returns its URL and what drops it.
func createDatabase(ctx context.Context) (string, func(), error) {
	admin, err := pgx.Connect(ctx, postgresBase())
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("ferretdb_gate_test_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		return "", nil, err
	}
	u, _ := url.Parse(postgresBase())
	u.Path = "/" + name
	// FerretDB opens up to 50 PostgreSQL connections by default and the server (100 at most) is
	// shared. An operation can hold two at once, so the clients below stay well under this.
	u.RawQuery = "pool_max_conns=20"
	return u.String(), func() {
		_, _ = admin.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)")
		admin.Close(context.Background())
	}, nil
}

// collections returns one collection handle per client: several clients, each with its own pool
// of three connections, so the racers use many connections as several processes would (no more:
// FerretDB's PostgreSQL pool, above, must hold two per operation in flight or FerretDB stalls).
func collections(t *testing.T, clients int, opts ...*options.ClientOptions) []*mongo.Collection {
	t.Helper()
	uri := gateURI
	if *ungated {
		uri = directURI
	}
	name := fmt.Sprintf("race_%s_%d", t.Name(), time.Now().UnixNano())
	out := make([]*mongo.Collection, clients)
	for i := range out {
		o := append([]*options.ClientOptions{options.Client().ApplyURI(uri).SetRetryWrites(false).SetMaxPoolSize(3)}, opts...)
		c, err := mongo.Connect(context.Background(), o...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
		out[i] = c.Database("gate_test").Collection(name)
	}
	return out
}

// race runs n racers at once (released together once every one is ready) and counts the winners.
func race(t *testing.T, cols []*mongo.Collection, n int, try func(col *mongo.Collection, i int) (bool, error)) int {
	t.Helper()
	warm(t, cols, n)
	var wins atomic.Int32
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			won, err := try(cols[i%len(cols)], i)
			if err != nil {
				errs <- err
			}
			if won {
				wins.Add(1)
			}
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return int(wins.Load())
}

// warm opens the connections the racers will use, so they start together instead of one
// handshake after another.
func warm(t *testing.T, cols []*mongo.Collection, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = cols[i%len(cols)].Database().RunCommand(context.Background(), bson.D{{"ping", 1}}).Err()
		}()
	}
	wg.Wait()
}

func mustInsert(t *testing.T, col *mongo.Collection, docs ...any) {
	t.Helper()
	if _, err := col.InsertMany(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
}

func field(t *testing.T, col *mongo.Collection, id any, name string) int64 {
	t.Helper()
	var doc bson.M
	if err := col.FindOne(context.Background(), bson.D{{"_id", id}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	switch v := doc[name].(type) {
	case int32:
		return int64(v)
	case int64:
		return v
	case float64:
		return int64(v)
	}
	t.Fatalf("%s of %v is %T", name, id, doc[name])
	return 0
}

// noLocksLeft checks that every lock was given back once the racers are done.
func noLocksLeft(t *testing.T) {
	t.Helper()
	if s, d := testGate.locks.scopes.size(), testGate.locks.docs.size(); s != 0 || d != 0 {
		t.Fatalf("locks still held after the race: %d scopes, %d documents", s, d)
	}
}

func TestVersionGuardHasOneWinner(t *testing.T) {
	cols := collections(t, 3)
	mustInsert(t, cols[0], bson.D{{"_id", "v"}, {"version", 1}})
	const rounds, racers = 10, 20
	for round := 1; round <= rounds; round++ {
		wins := race(t, cols, racers, func(col *mongo.Collection, i int) (bool, error) {
			err := col.FindOneAndUpdate(context.Background(),
				bson.D{{"_id", "v"}, {"version", round}},
				bson.D{{"$inc", bson.D{{"version", 1}}}, {"$push", bson.D{{"winners", i}}}}).Err()
			if err == mongo.ErrNoDocuments {
				return false, nil
			}
			return err == nil, err
		})
		if wins != 1 {
			t.Errorf("round %d: %d of %d racing findOneAndUpdate({_id, version: %d}) won; want exactly 1", round, wins, racers, round)
		}
	}
	if v := field(t, cols[0], "v", "version"); v != rounds+1 {
		t.Errorf("version = %d after %d rounds; want %d", v, rounds, rounds+1)
	}
	noLocksLeft(t)
}

func TestGuardedDecrementStopsAtZero(t *testing.T) {
	cols := collections(t, 3)
	mustInsert(t, cols[0], bson.D{{"_id", "sku"}, {"available", 10}})
	wins := race(t, cols, 50, func(col *mongo.Collection, _ int) (bool, error) {
		res, err := col.UpdateOne(context.Background(), bson.D{{"_id", "sku"}, {"available", bson.D{{"$gte", 1}}}}, bson.D{{"$inc", bson.D{{"available", -1}}}})
		return err == nil && res.ModifiedCount == 1, err
	})
	if wins != 10 {
		t.Errorf("%d of 50 racing decrements of a stock of 10 went through; want 10", wins)
	}
	if v := field(t, cols[0], "sku", "available"); v != 0 {
		t.Errorf("available = %d; want 0", v)
	}
	noLocksLeft(t)
}

// A write naming the _id and one finding the same document by another field must exclude each
// other too, although only one of them says which document it is.
func TestWritesByIDAndByFilterExcludeEachOther(t *testing.T) {
	cols := collections(t, 3)
	mustInsert(t, cols[0], bson.D{{"_id", "row"}, {"sku", "S"}, {"available", 10}}, bson.D{{"_id", "other"}, {"sku", "T"}, {"available", 10}})
	wins := race(t, cols, 50, func(col *mongo.Collection, i int) (bool, error) {
		dec := bson.D{{"$inc", bson.D{{"available", -1}}}}
		if i%2 == 0 {
			res, err := col.UpdateOne(context.Background(), bson.D{{"_id", "row"}, {"available", bson.D{{"$gte", 1}}}}, dec)
			return err == nil && res.ModifiedCount == 1, err
		}
		err := col.FindOneAndUpdate(context.Background(), bson.D{{"sku", "S"}, {"available", bson.D{{"$gte", 1}}}}, dec).Err()
		if err == mongo.ErrNoDocuments {
			return false, nil
		}
		return err == nil, err
	})
	if wins != 10 {
		t.Errorf("%d of 50 racing decrements (by _id and by sku) of a stock of 10 went through; want 10", wins)
	}
	if v := field(t, cols[0], "row", "available"); v != 0 {
		t.Errorf("available = %d; want 0", v)
	}
	if v := field(t, cols[0], "other", "available"); v != 10 {
		t.Errorf("the other row's available = %d; want 10 (untouched)", v)
	}
	noLocksLeft(t)
}

// updateMany and updates by _id racing on the same documents: no increment may be lost.
func TestManyAndOneLoseNoUpdate(t *testing.T) {
	cols := collections(t, 3)
	ids := []string{"a", "b", "c", "d", "e"}
	for _, id := range ids {
		mustInsert(t, cols[0], bson.D{{"_id", id}, {"group", "g"}, {"n", 0}})
	}
	const many, one = 20, 40
	race(t, cols, many+one, func(col *mongo.Collection, i int) (bool, error) {
		inc := bson.D{{"$inc", bson.D{{"n", 1}}}}
		if i < many {
			_, err := col.UpdateMany(context.Background(), bson.D{{"group", "g"}}, inc)
			return true, err
		}
		_, err := col.UpdateOne(context.Background(), bson.D{{"_id", ids[i%len(ids)]}}, inc)
		return true, err
	})
	for _, id := range ids {
		if n := field(t, cols[0], id, "n"); n != many+one/int64(len(ids)) {
			t.Errorf("%s: n = %d; want %d (%d updateMany + %d by _id)", id, n, many+one/int64(len(ids)), many, one/len(ids))
		}
	}
	noLocksLeft(t)
}

// Unacknowledged writes (w:0) are sent with moreToCome: the client reads no reply, so the
// reply FerretDB sends anyway must not reach it, and the write must still hold its lock until
// it is done.
func TestUnacknowledgedWrites(t *testing.T) {
	cols := collections(t, 1, options.Client().SetMaxPoolSize(1).SetWriteConcern(writeconcern.Unacknowledged()))
	acked := collections(t, 1)[0].Database().Collection(cols[0].Name())
	mustInsert(t, acked, bson.D{{"_id", "w0"}, {"n", 0}})
	for i := 0; i < 100; i++ {
		_, err := cols[0].UpdateOne(context.Background(), bson.D{{"_id", "w0"}}, bson.D{{"$inc", bson.D{{"n", 1}}}})
		if !errors.Is(err, mongo.ErrUnacknowledgedWrite) { // the driver's way of saying "sent, no reply asked"
			t.Fatalf("unacknowledged update %d: %v", i, err)
		}
	}
	// The same single connection then serves a command that does read its reply.
	var doc bson.M
	if err := cols[0].FindOne(context.Background(), bson.D{{"_id", "w0"}}).Decode(&doc); err != nil {
		t.Fatalf("a find after unacknowledged writes on the same connection: %v", err)
	}
	if n := field(t, acked, "w0", "n"); n != 100 {
		t.Errorf("n = %d after 100 unacknowledged increments; want 100", n)
	}
	noLocksLeft(t)
}

func TestBuildInfoNamesTheBuild(t *testing.T) {
	cols := collections(t, 1)
	var info bson.M
	if err := cols[0].Database().Client().Database("admin").RunCommand(context.Background(), bson.D{{"buildInfo", 1}}).Decode(&info); err != nil {
		t.Fatal(err)
	}
	if info[buildField] != testBuild || info["ferretdbVersion"] == nil {
		t.Fatalf("buildInfo = %v; want %s %q beside FerretDB's own fields", info, buildField, testBuild)
	}
}

// BenchmarkUpdateByID measures one client's sequential single-document updates by _id, straight
// to FerretDB and through the gate (go test -run '^$' -bench UpdateByID -benchtime 2000x).
func BenchmarkUpdateByID(b *testing.B) {
	for _, target := range []struct{ name, uri string }{{"direct", directURI}, {"gate", gateURI}} {
		b.Run(target.name, func(b *testing.B) {
			c, err := mongo.Connect(context.Background(), options.Client().ApplyURI(target.uri).SetRetryWrites(false))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Disconnect(context.Background())
			col := c.Database("gate_test").Collection("bench_" + target.name)
			if _, err := col.ReplaceOne(context.Background(), bson.D{{"_id", "x"}}, bson.D{{"n", 0}}, options.Replace().SetUpsert(true)); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := col.UpdateOne(context.Background(), bson.D{{"_id", "x"}, {"n", i}}, bson.D{{"$inc", bson.D{{"n", 1}}}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
