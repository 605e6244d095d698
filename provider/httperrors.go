package provider

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/vhod-id/vhod/internal/clientaddr"
	"github.com/vhod-id/vhod/provider/respond"
)

// errors fixes up op's error answers. On browser routes (browser true) every error
// becomes our page: a sentence in the person's language, the detail in the log. On
// every route an error caused by the database not answering becomes 503, so that
// clients and load balancers know to retry; other answers pass unchanged.
func (p *Provider) errors(next http.Handler, browser bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, st := withRequestState(r, p.issuerCtx)
		req := &st.holder
		defer func() { p.storage.crypto.release(req.pendingTokens) }()
		req.rawToken = tokenOfRequest(r)
		req.ip, req.userAgent = clientaddr.Of(r), r.UserAgent()
		// On browser routes redirects are held back too: op answers a failed auth
		// request by redirecting to the client, and during an outage the person
		// should read our 503 page instead.
		ec := &st.capture
		*ec = errorCapture{ResponseWriter: w, from: http.StatusBadRequest}
		if browser {
			ec.from = http.StatusMultipleChoices
		}
		next.ServeHTTP(ec, r)
		if ec.status == 0 {
			return
		}
		status := ec.status
		if req.unavailable.Load() || (status >= 500 && p.databaseDown(r.Context())) {
			status = http.StatusServiceUnavailable
		}
		switch {
		case status < 400:
			w.WriteHeader(status)
			_, _ = w.Write(ec.body.Bytes())
		case browser:
			clearContentHeaders(w)
			p.cfg.ErrorPage(w, r, PageError{Status: status, Detail: ec.body.String()})
		case status == http.StatusServiceUnavailable:
			clearContentHeaders(w)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error":"temporarily_unavailable","error_description":"the database is not answering; try again shortly"}`))
		default:
			w.WriteHeader(status)
			_, _ = w.Write(ec.body.Bytes())
		}
	})
}

// tokenOfRequest is the token that introspection, revocation and userinfo are about.
func tokenOfRequest(r *http.Request) string {
	switch r.URL.Path {
	case "/oauth/introspect", "/revoke":
		if r.ParseForm() == nil {
			return r.PostForm.Get("token")
		}
	case "/userinfo":
		if t, ok := respond.CutScheme(r.Header.Get("Authorization"), "Bearer"); ok { // RFC 6750 section 2.1, any case
			return t
		}
		if r.ParseForm() == nil {
			return r.PostForm.Get("access_token")
		}
	}
	return ""
}

// databaseDown asks the database directly, briefly; only error answers pay for it.
func (p *Provider) databaseDown(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	return p.storage.store.Ping(ctx) != nil
}

func clearContentHeaders(w http.ResponseWriter) {
	for _, h := range []string{"Content-Type", "X-Content-Type-Options", "Content-Length"} {
		w.Header().Del(h)
	}
}

// errorCapture holds back answers with a status of at least from.
type errorCapture struct {
	http.ResponseWriter
	from   int
	status int
	body   bytes.Buffer
}

func (e *errorCapture) WriteHeader(code int) {
	if code >= e.from {
		e.status = code
		return
	}
	e.ResponseWriter.WriteHeader(code)
}

func (e *errorCapture) Write(b []byte) (int, error) {
	if e.status != 0 {
		if e.body.Len() < 64<<10 {
			e.body.Write(b)
		}
		return len(b), nil
	}
	return e.ResponseWriter.Write(b)
}
