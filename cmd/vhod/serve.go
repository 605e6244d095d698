package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/storage/mongo"
)

// serve runs Vhod until SIGINT or SIGTERM, then lets in-flight requests finish.
func serve(cfg *Config, log *slog.Logger, extra func(a *app) func(*mux.Router), ready func(a *app)) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := openApp(ctx, cfg, log, mongo.Options{})
	if err != nil {
		return err
	}
	defer a.close()
	var mount func(*mux.Router)
	if extra != nil {
		mount = extra(a)
	}
	h, err := a.handler(mount)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	bg, cancelBG := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBG()
	go a.maintain(bg, cfg.Maintenance.Interval)
	go a.watchAnchors(bg, anchorReload)
	outboxDone := a.runOutbox(bg)
	var admin *http.Server
	switch {
	case cfg.Metrics.Listen != "":
		// Listening before serving: a taken address stops the start-up
		// instead of leaving Vhod running without its metrics.
		aln, err := net.Listen("tcp", cfg.Metrics.Listen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("metrics.listen: %w", err)
		}
		admin = &http.Server{Handler: a.metrics.adminMux(), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := admin.Serve(aln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("admin listener", "err", err)
			}
		}()
		log.Info("metrics and pprof on the admin listener", "listen", aln.Addr().String())
	case cfg.dev:
		log.Info("metrics on the main listener (vhod dev); pprof needs metrics.listen")
	default:
		log.Info("metrics and pprof are off: set metrics.listen to a private address to serve them")
	}

	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	var mtls *http.Server
	if cfg.CertAuth.TLSListen != "" {
		if mtls, err = startMTLS(cfg, a.verifier.Anchors, h, srv, errc); err != nil {
			return err
		}
		log.Info("certificate sign-in listener", "listen", cfg.CertAuth.TLSListen, "url", cfg.CertAuth.TLSURL)
	}
	log.Info("vhod is serving", "issuer", cfg.Issuer, "listen", ln.Addr().String())
	if ready != nil {
		ready(a)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if admin != nil {
		_ = admin.Shutdown(shutdownCtx)
	}
	if mtls != nil {
		_ = mtls.Shutdown(shutdownCtx)
	}
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	if a.prov != nil { // logout tokens still being delivered (with their retries)
		done := make(chan struct{})
		go func() { a.prov.WaitLogouts(); close(done) }()
		select {
		case <-done:
		case <-shutdownCtx.Done():
		}
	}
	cancelBG() // the outbox sender takes no new messages and finishes those under way
	select {
	case <-outboxDone:
	case <-shutdownCtx.Done():
		log.Warn("shutdown: messages still being delivered; they are sent again after the restart")
	}
	log.Info("stopped")
	return nil
}

// startMTLS opens the listener that asks browsers for a client certificate; it
// serves the same routes as the main one, with the main server's timeouts.
func startMTLS(cfg *Config, anchors func() []certauth.Anchor, h http.Handler, main *http.Server, errc chan<- error) (*http.Server, error) {
	tc, err := cfg.CertAuth.tlsConfig(anchors)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.CertAuth.TLSListen)
	if err != nil {
		return nil, fmt.Errorf("certauth.tls_listen: %w", err)
	}
	srv := &http.Server{Handler: h, TLSConfig: tc, ReadHeaderTimeout: main.ReadHeaderTimeout, ReadTimeout: main.ReadTimeout,
		WriteTimeout: main.WriteTimeout, IdleTimeout: main.IdleTimeout, MaxHeaderBytes: main.MaxHeaderBytes, ErrorLog: main.ErrorLog}
	go func() { errc <- srv.Serve(tls.NewListener(ln, tc)) }()
	return srv, nil
}
