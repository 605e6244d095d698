package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// backchannelEvent is the event a logout token carries (Back-Channel Logout 1.0 §2.4).
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// logoutTokenLifetime bounds how long a logout token may be accepted.
const logoutTokenLifetime = 2 * time.Minute

// DefaultBackchannelDelays are the waits before each attempt to deliver a logout
// token: at once, then twice more while the relying party may be restarting.
var DefaultBackchannelDelays = []time.Duration{0, 2 * time.Second, 10 * time.Second}

// SignedOutApp is a relying party a person was signed out of, as the end-session
// page shows it: its name and, when it has one, the front-channel URL to frame.
type SignedOutApp struct {
	Name         string `json:"n"`
	Frontchannel string `json:"f,omitempty"`
}

// sessionEnded tells the clients of an ended session: back-channel at once (in the
// background, retried), and returns the apps for the end-session page.
func (s *Storage) sessionEnded(ctx context.Context, sess storage.Session) []SignedOutApp {
	var apps []SignedOutApp
	for _, id := range sess.ClientIDs {
		c, err := s.clients.Get(ctx, s.store, id)
		if err != nil {
			s.log.WarnContext(ctx, "client of an ended session is gone", "client_id", id, "err", err)
			continue
		}
		app := SignedOutApp{Name: c.Name}
		if c.FrontchannelLogoutURI != "" {
			app.Frontchannel = frontchannelURL(c.FrontchannelLogoutURI, s.cfg.Issuer, sess.SID)
		}
		apps = append(apps, app)
		if c.BackchannelLogoutURI != "" {
			s.sendLogoutToken(ctx, c, sess)
		}
	}
	return apps
}

// frontchannelURL adds iss and sid to a front-channel logout URI (§2), keeping
// its own query.
func frontchannelURL(uri, issuer, sid string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	q := u.Query()
	q.Set("iss", issuer)
	q.Set("sid", sid)
	u.RawQuery = q.Encode()
	return u.String()
}

// logoutToken makes the signed logout token for a client (§2.4): signed like the
// client's ID tokens, typed logout+jwt (§2.4 recommends it), never with a nonce.
func (s *Storage) logoutToken(ctx context.Context, c storage.Client, sess storage.Session) (string, error) {
	k, err := s.keys.Signing(ctx, jose.SignatureAlgorithm(c.SigningAlg))
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.SignatureAlgorithm(), Key: jose.JSONWebKey{Key: k.Key(), KeyID: k.ID()}},
		(&jose.SignerOptions{}).WithType("logout+jwt"))
	if err != nil {
		return "", err
	}
	now := time.Now()
	claims, err := json.Marshal(map[string]any{
		"iss": s.cfg.Issuer, "aud": c.ID, "sub": sess.UserID, "sid": sess.SID,
		"iat": now.Unix(), "exp": now.Add(logoutTokenLifetime).Unix(), "jti": directory.NewID(),
		"events": map[string]any{backchannelEvent: map[string]any{}},
	})
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(claims)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// sendLogoutToken delivers a logout token in the background. Network failures
// and 5xx answers are retried after DefaultBackchannelDelays (or the configured
// ones); a 4xx means the relying party refused the token and is not retried.
// The outcome is audited either way.
func (s *Storage) sendLogoutToken(ctx context.Context, c storage.Client, sess storage.Session) {
	token, err := s.logoutToken(ctx, c, sess)
	if err != nil {
		s.log.ErrorContext(ctx, "could not sign a logout token", "client_id", c.ID, "err", err)
		return
	}
	ctx = context.WithoutCancel(ctx)
	s.logouts.Add(1)
	go func() {
		defer s.logouts.Done()
		attempts, err := s.deliverLogoutToken(ctx, c.BackchannelLogoutURI, token)
		e := storage.AuditEvent{Type: directory.EventBackchannelLogout, Outcome: directory.OutcomeSuccess, UserID: sess.UserID,
			ClientID: c.ID, Details: map[string]string{"sid": sess.SID, "attempts": fmt.Sprint(attempts)}}
		if err != nil {
			e.Outcome, e.Details["reason"] = directory.OutcomeFailure, err.Error()
			s.log.WarnContext(ctx, "back-channel logout not delivered", "client_id", c.ID, "attempts", attempts, "err", err)
		}
		s.cfg.Audit.Record(ctx, e)
	}()
}

func (s *Storage) deliverLogoutToken(ctx context.Context, uri, token string) (int, error) {
	delays := s.cfg.BackchannelDelays
	if len(delays) == 0 {
		delays = DefaultBackchannelDelays
	}
	var err error
	for i, d := range delays {
		if d > 0 {
			time.Sleep(d)
		}
		var retry bool
		retry, err = postLogoutToken(ctx, uri, token)
		if err == nil || !retry {
			return i + 1, err
		}
	}
	return len(delays), err
}

// backchannelClient follows no redirects (§2.5: the OP should not) and waits 5 s at most.
var backchannelClient = &http.Client{
	Timeout:       5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// postLogoutToken POSTs the token; it says whether a failure is worth retrying.
func postLogoutToken(ctx context.Context, uri, token string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, strings.NewReader(url.Values{"logout_token": {token}}.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := backchannelClient.Do(req)
	if err != nil {
		return true, err
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNoContent:
		return false, nil
	case resp.StatusCode >= 500:
		return true, fmt.Errorf("status %d", resp.StatusCode)
	default:
		return false, fmt.Errorf("refused with status %d", resp.StatusCode)
	}
}

// WaitLogouts waits for back-channel deliveries under way (at shutdown and in tests).
func (p *Provider) WaitLogouts() { p.storage.logouts.Wait() }

// logoutPage is what the end-session page needs, sealed into its URL so that no
// state is kept for it: the apps, where to continue, and until when it holds.
type logoutPage struct {
	Apps     []SignedOutApp `json:"a"`
	Continue string         `json:"c,omitempty"`
	Until    int64          `json:"u"`
}

// logoutPageTTL is how long the sealed end-session page may be opened.
const logoutPageTTL = 5 * time.Minute

// endSessionTarget is where op sends the browser after logout: straight to the
// relying party when nothing needs showing in the browser, else to the
// end-session page, which lists the apps signed out and frames their
// front-channel URLs before it continues.
func (s *Storage) endSessionTarget(redirect string, apps []SignedOutApp) (string, error) {
	framed := false
	for _, a := range apps {
		framed = framed || a.Frontchannel != ""
	}
	own := redirect == s.cfg.LogoutURL
	if !framed && (!own || len(apps) == 0) {
		return redirect, nil
	}
	page := logoutPage{Apps: apps, Until: time.Now().Add(logoutPageTTL).Unix()}
	if !own {
		page.Continue = redirect
	}
	b, err := json.Marshal(page)
	if err != nil {
		return "", err
	}
	return s.cfg.LogoutURL + "?t=" + s.logoutSeal.seal(b), nil
}

// LogoutPage opens the sealed state of the end-session page: the apps signed out
// and where to continue ("" to stay). ok is false for a damaged or stale one.
func (p *Provider) LogoutPage(sealed string) (apps []SignedOutApp, next string, ok bool) {
	plain, err := p.storage.logoutSeal.open(sealed)
	if err != nil {
		return nil, "", false
	}
	var page logoutPage
	if json.Unmarshal(plain, &page) != nil || time.Now().Unix() > page.Until {
		return nil, "", false
	}
	return page.Apps, page.Continue, true
}
