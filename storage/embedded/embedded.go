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
	uri    string
	dir    string
	cancel context.CancelFunc
	done   chan struct{}
}

// Options configure Start.
type Options struct {
	// Dir holds the SQLite files; it is created when missing.
	Dir string
	// Listen is the TCP address; empty means a free loopback port.
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
	listen := opts.Listen
	if listen == "" {
		listen = "127.0.0.1:0"
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
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Handler:   "sqlite",
		SQLiteURL: (&url.URL{Scheme: "file", Path: dir + "/"}).String(),
		Logger:    logger,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{dir: dir, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = f.Run(runCtx)
	}()
	go s.tuneLoop(runCtx, 2*time.Second)
	// MongoDBURI needs the listener running; it blocks until the port is bound.
	s.uri = f.MongoDBURI()
	if err := waitReachable(ctx, s.uri); err != nil {
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
}

func waitReachable(ctx context.Context, uri string) error {
	u, err := url.Parse(uri)
	if err != nil {
		return fmt.Errorf("embedded store: %w", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", u.Host)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return errors.Join(errors.New("embedded store did not start listening"), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
