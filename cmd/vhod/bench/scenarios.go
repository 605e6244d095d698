package bench

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vhod-id/vhod/internal/rptest"
)

// env is what every worker shares: the endpoints and the transport.
type env struct {
	cfg    Config
	next   atomic.Int64 // the next of Users to sign in
	client *http.Client
	tr     http.RoundTripper
	disco  struct {
		Authorization string `json:"authorization_endpoint"`
		Token         string `json:"token_endpoint"`
		Userinfo      string `json:"userinfo_endpoint"`
		Introspection string `json:"introspection_endpoint"`
		JWKS          string `json:"jwks_uri"`
	}
}

func discover(ctx context.Context, cfg Config, c *http.Client) (*env, error) {
	e := &env{cfg: cfg, client: c, tr: c.Transport}
	body, err := e.get(ctx, strings.TrimSuffix(cfg.Issuer, "/")+"/.well-known/openid-configuration")
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	if err := json.Unmarshal(body, &e.disco); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	return e, nil
}

func (e *env) newWorker(ctx context.Context) (worker, error) {
	needUser := func() error {
		if e.cfg.User == "" || e.cfg.Password == "" || e.cfg.RedirectURI == "" {
			return fmt.Errorf("scenario %s needs --user, --password and --redirect-uri", e.cfg.Scenario)
		}
		return nil
	}
	switch e.cfg.Scenario {
	case "discovery":
		return stepFunc(func(ctx context.Context) error {
			_, err := e.get(ctx, strings.TrimSuffix(e.cfg.Issuer, "/")+"/.well-known/openid-configuration")
			return err
		}), nil
	case "jwks":
		return stepFunc(func(ctx context.Context) error { _, err := e.get(ctx, e.disco.JWKS); return err }), nil
	case "client-credentials":
		return stepFunc(func(ctx context.Context) error {
			_, err := e.token(ctx, url.Values{"grant_type": {"client_credentials"}})
			return err
		}), nil
	case "introspect":
		tok, err := e.token(ctx, url.Values{"grant_type": {"client_credentials"}})
		if err != nil {
			return nil, err
		}
		return stepFunc(func(ctx context.Context) error {
			var out struct {
				Active bool `json:"active"`
			}
			if err := e.postJSON(ctx, e.disco.Introspection, url.Values{"token": {tok.AccessToken}}, &out); err != nil {
				return err
			}
			if !out.Active {
				return &httpError{status: 200, oauth: "inactive_token"}
			}
			return nil
		}), nil
	case "refresh":
		if err := needUser(); err != nil {
			return nil, err
		}
		w := &flowWorker{e: e, b: e.browser(), user: e.user(0)}
		tok, err := w.signIn(ctx, "openid offline_access")
		if err != nil {
			return nil, err
		}
		rt := tok.RefreshToken
		return stepFunc(func(ctx context.Context) error {
			t, err := e.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
			if err != nil {
				return err
			}
			rt = t.RefreshToken
			return nil
		}), nil
	case "sso-code-flow":
		if err := needUser(); err != nil {
			return nil, err
		}
		w := &flowWorker{e: e, b: e.browser(), user: e.user(0)}
		if _, err := w.signIn(ctx, "openid"); err != nil {
			return nil, err
		}
		return stepFunc(func(ctx context.Context) error {
			tok, err := w.signIn(ctx, "openid profile")
			if err != nil {
				return err
			}
			return e.userinfo(ctx, tok.AccessToken)
		}), nil
	default: // password-code-flow
		if err := needUser(); err != nil {
			return nil, err
		}
		return stepFunc(func(ctx context.Context) error {
			w := &flowWorker{e: e, b: e.browser(), user: e.user(e.next.Add(1))}
			_, err := w.signIn(ctx, "openid")
			return err
		}), nil
	}
}

type stepFunc func(ctx context.Context) error

func (f stepFunc) step(ctx context.Context) error { return f(ctx) }

func (e *env) browser() *rptest.Browser { return rptest.NewBrowserWith(e.cfg.RedirectURI, e.tr) }

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

func (e *env) token(ctx context.Context, form url.Values) (tokenResponse, error) {
	var t tokenResponse
	return t, e.postJSON(ctx, e.disco.Token, form, &t)
}

func (e *env) postJSON(ctx context.Context, endpoint string, form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(e.cfg.ClientID), url.QueryEscape(e.cfg.Secret))
	return e.do(req, out)
}

func (e *env) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	return raw, e.do(req, &raw)
}

func (e *env) userinfo(ctx context.Context, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.disco.Userinfo, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	var out map[string]any
	return e.do(req, &out)
}

func (e *env) do(req *http.Request, out any) error {
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var oe struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(body, &oe)
		return &httpError{status: resp.StatusCode, oauth: oe.Error}
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = body
		return nil
	}
	return json.Unmarshal(body, out)
}

// flowWorker runs browser sign-ins: authorize, pages when shown, code, token.
type flowWorker struct {
	e    *env
	b    *rptest.Browser
	user string
}

// user is the login of the nth sign-in: User, or with Users, User with %d
// replaced by n modulo Users.
func (e *env) user(n int64) string {
	if e.cfg.Users <= 1 {
		return e.cfg.User
	}
	return strings.ReplaceAll(e.cfg.User, "%d", strconv.FormatInt(n%int64(e.cfg.Users), 10))
}

func (w *flowWorker) signIn(ctx context.Context, scope string) (tokenResponse, error) {
	verifier := rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"client_id": {w.e.cfg.ClientID}, "response_type": {"code"}, "scope": {scope},
		"redirect_uri": {w.e.cfg.RedirectURI}, "state": {rand.Text()},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	cb, err := w.b.SignIn(w.e.disco.Authorization+"?"+q.Encode(), w.user, w.e.cfg.Password)
	if err != nil {
		return tokenResponse{}, err
	}
	code := cb.Query().Get("code")
	if code == "" {
		return tokenResponse{}, &httpError{status: http.StatusFound, oauth: cb.Query().Get("error")}
	}
	return w.e.token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {w.e.cfg.RedirectURI}, "code_verifier": {verifier}})
}

// startProfile fetches a CPU profile of the target for the run's duration.
func startProfile(ctx context.Context, cfg Config) func() error {
	done := make(chan error, 1)
	go func() {
		secs := int(cfg.Duration / time.Second)
		u := strings.TrimSuffix(cfg.PprofURL, "/") + fmt.Sprintf("/debug/pprof/profile?seconds=%d", max(secs, 1))
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			done <- err
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- err
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			done <- err
			return
		}
		_, err = io.Copy(f, resp.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		done <- err
	}()
	return func() error { return <-done }
}
