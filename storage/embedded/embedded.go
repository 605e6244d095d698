// Package embedded runs FerretDB's embeddable MongoDB-compatible server on SQLite files,
// so that Vhod needs no database server for development, tests and small installations.
// Vhod talks to it through the ordinary MongoDB driver over loopback: one storage code path.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Server is a running embedded database server.
type Server struct {
	uri string
	dir string
	// sockDir holds the Unix socket when there is no TCP listener.
	sockDir string
	cancel  context.CancelFunc
	done    chan struct{}
}

// Options configure Start.
type Options struct {
	// Dir holds the SQLite files; it is created when missing.
	Dir string
	// Listen is a TCP address for other processes (`vhod db`); empty means a
	// Unix socket in a directory only this user may enter. The server has no
	// authentication: on a loopback port any local user could read and change
	// the accounts; the socket also spares each query the TCP stack.
	Listen string
	// Logger receives the server's own log; nil discards it.
	Logger *slog.Logger
}

// Start runs the server until Close is called.
func Start(ctx context.Context, opts Options) (*Server, error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded store: create %s: %w", dir, err)
	}
	listener, network, addr := ferretdb.ListenerConfig{TCP: opts.Listen}, "tcp", ""
	var sockDir string
	if opts.Listen == "" {
		// A short path of its own (a socket path may hold ~100 bytes; the data
		// directory may be longer), created 0700.
		if sockDir, err = os.MkdirTemp("", "vhod-db-"); err != nil {
			return nil, fmt.Errorf("embedded store: socket directory: %w", err)
		}
		addr = filepath.Join(sockDir, "mongodb.sock")
		listener, network = ferretdb.ListenerConfig{Unix: addr}, "unix"
		if len(addr) >= maxSocketPath { // a long TMPDIR: loopback, as before
			removeSockDir(sockDir)
			sockDir, addr = "", ""
			listener, network = ferretdb.ListenerConfig{TCP: "127.0.0.1:0"}, "tcp"
		}
	}
	logger := opts.Logger
	if logger == nil {
		// DiscardHandler, not a text handler on io.Discard: FerretDB calls
		// Logger.With on every query, and a text handler formats those
		// attributes even when nothing is written (2.5 % of the server's CPU
		// in sso-code-flow).
		logger = slog.New(slog.DiscardHandler)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  listener,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL(dir),
		Logger:    logger,
	})
	if err != nil {
		removeSockDir(sockDir)
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{dir: dir, sockDir: sockDir, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = f.Run(runCtx)
	}()
	go s.tuneLoop(runCtx, 2*time.Second)
	// MongoDBURI needs the listener running; it blocks until the port is bound.
	s.uri = f.MongoDBURI()
	if network == "tcp" {
		u, err := url.Parse(s.uri)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("embedded store: %w", err)
		}
		addr = u.Host
	}
	if err := waitReachable(ctx, network, addr); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// URI is the mongodb:// address of the server.
func (s *Server) URI() string { return s.uri }

// Close stops the server and waits until its files are closed.
func (s *Server) Close() {
	s.cancel()
	<-s.done
	removeSockDir(s.sockDir)
}

// maxSocketPath is below the smallest sun_path of the systems Go supports (104 bytes).
const maxSocketPath = 100

func removeSockDir(dir string) {
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
}

func waitReachable(ctx context.Context, network, addr string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, network, addr)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return errors.Join(errors.New("embedded store did not start listening"), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sqliteURL is FerretDB's SQLite address for dir, with temp_store(memory):
// SQLite keeps the statement journal of every insert (the pages a statement
// changed, to undo it alone) in memory only up to 64 KiB, then in a temporary
// file it creates for it. A group-committed batch of inserts passed that, and
// creating and writing those files was 7 % of the server's CPU in
// sso-code-flow. The journal is never needed after the statement, nor after a
// crash: durability is the WAL's, and FerretDB's defaults for it stay
// (journal_mode(wal), synchronous not set: SQLite's FULL; see the test).
func sqliteURL(dir string) string {
	return (&url.URL{Scheme: "file", Path: dir + "/", RawQuery: url.Values{"_pragma": {"temp_store(memory)"}}.Encode()}).String()
}
