package provider

import (
	"bytes"
	"context"
	"errors"
	"net/http"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/storage"
)

// TerminateSessionFromRequest implements op.CanTerminateSessionFromRequest: logout
// ends this browser's SSO session and revokes the tokens issued in it.
func (s *Storage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	return req.RedirectURI, s.endBrowserSession(ctx)
}

// TerminateSession implements op.Storage.
func (s *Storage) TerminateSession(ctx context.Context, _, _ string) error {
	return s.endBrowserSession(ctx)
}

func (s *Storage) endBrowserSession(ctx context.Context) error {
	id := s.cfg.Browser.SessionID(ctx)
	if id == "" {
		return nil
	}
	sess, err := s.store.SessionByID(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return serverError(err)
	}
	if err := s.store.DeleteSession(ctx, id); err != nil {
		return serverError(err)
	}
	if err := s.store.RevokeSessionTokens(ctx, sess.SID); err != nil {
		return serverError(err)
	}
	return nil
}

func (p *Provider) clearSessionCookie(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.cfg.Browser.ClearSession(w)
		next.ServeHTTP(w, r)
	})
}

// htmlErrors turns op's plain-text and JSON error answers on browser routes into
// our error page: the person gets a sentence in their language, the log the detail.
func (p *Provider) htmlErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ec := &errorCapture{ResponseWriter: w}
		next.ServeHTTP(ec, r)
		if ec.status == 0 {
			return
		}
		for _, h := range []string{"Content-Type", "X-Content-Type-Options", "Content-Length"} {
			w.Header().Del(h)
		}
		p.cfg.ErrorPage(w, r, ec.status, ec.body.String())
	})
}

type errorCapture struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (e *errorCapture) WriteHeader(code int) {
	if code >= 400 {
		e.status = code
		return
	}
	e.ResponseWriter.WriteHeader(code)
}

func (e *errorCapture) Write(b []byte) (int, error) {
	if e.status != 0 {
		if e.body.Len() < 2048 {
			e.body.Write(b)
		}
		return len(b), nil
	}
	return e.ResponseWriter.Write(b)
}
