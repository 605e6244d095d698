package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/vhod-id/vhod/storage/embedded"
)

// runDB runs the embedded store on its own, as a MongoDB-compatible server, so that
// several Vhod instances can share it in development and tests as they share a
// replica set in production. It has no authentication, so it listens on loopback only.
func runDB(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("db", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "./data", "where the SQLite files live (in DIR/db)")
	listen := fs.String("listen", "127.0.0.1:27017", "loopback address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", *listen, err)
	}
	if !isLoopbackHost(host) {
		return fmt.Errorf("--listen %q: the embedded store has no authentication; it listens on loopback addresses only", *listen)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	release, err := lockDataDir(*dataDir)
	if err != nil {
		return err
	}
	defer release()
	srv, err := embedded.Start(ctx, embedded.Options{Dir: *dataDir + "/db", Listen: *listen, Logger: log.With("component", "ferretdb")})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "embedded store serving at %s (database.uri); Ctrl-C stops it\n", srv.URI())
	<-ctx.Done()
	srv.Close()
	return nil
}
