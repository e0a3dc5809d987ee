// Command ferretdb runs FerretDB 1.24 through its embeddable package, behind a write gate.
//
// A plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that
// panics at start (the release's generated build/version/version.txt is not in the module);
// the embeddable package needs no such file and keeps telemetry off.
//
// FerretDB 1.x does not apply a conditional update atomically (it reads, then writes), which
// MongoDB promises for every single-document write. So FerretDB listens on a unix socket of its
// own and the public address is the gate (gate.go), which runs such writes one at a time per
// document for every client of every process (docs/adr/0005).
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	addr := flag.String("listen-addr", "127.0.0.1:27017", "address to listen on")
	handler := flag.String("handler", "sqlite", "backend: sqlite or postgresql")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite directory URL (sqlite backend)")
	postgresURL := flag.String("postgresql-url", "postgres://127.0.0.1:5432/ferretdb", "PostgreSQL URL (postgresql backend)")
	gcPercent := flag.Int("gc-percent", 400, "Go GC target (GOGC) unless the GOGC variable sets one")
	flag.Parse()
	// FerretDB allocates for every document it converts, and the garbage collector was a large
	// share of its CPU on the order path: a local stack can spend memory (a heap up to five times
	// the live one instead of two) to collect a quarter as often.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(*gcPercent)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, &ferretdb.Config{Handler: *handler, SQLiteURL: *sqliteURL, PostgreSQLURL: *postgresURL}); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr string, config *ferretdb.Config) error {
	build, err := executableHash()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	socket, cleanup, err := startFerretDB(ctx, config)
	if err != nil {
		return err
	}
	defer cleanup()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	var d net.Dialer
	dial := func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "unix", socket) }
	gate := newGate(dial, build, config.Handler == "sqlite", slog.Default())
	fmt.Printf("ferretdb listening on %s (%s, writes gated; build %s)\n", addr, config.Handler, build[:12])
	return gate.Serve(ctx, l)
}

// startFerretDB runs FerretDB on a unix socket in a private directory, so no client can reach
// it past the gate, and returns the socket's path and what stops FerretDB and removes it.
func startFerretDB(ctx context.Context, config *ferretdb.Config) (string, func(), error) {
	dir, err := os.MkdirTemp("", "ferretdb-gate-")
	if err != nil {
		return "", nil, err
	}
	socket := filepath.Join(dir, "ferretdb.sock")
	config.Listener = ferretdb.ListenerConfig{Unix: socket}
	f, err := ferretdb.New(config) // listens on the socket before it returns
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	return socket, func() {
		cancel()
		<-done
		os.RemoveAll(dir)
	}, nil
}

// executableHash names this build: the same sources build the same binary, and any change
// gives another hash, which embedded.ts compares with the binary on disk.
func executableHash() (string, error) {
	path, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
