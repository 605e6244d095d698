package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/provider/backchannel"
	"github.com/vhod-id/vhod/storage"
)

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

// sendLogoutToken delivers a logout token in the background (see
// backchannel.Deliver: 5xx and network failures are retried, a 4xx is not).
// The outcome is audited either way.
func (s *Storage) sendLogoutToken(ctx context.Context, c storage.Client, sess storage.Session) {
	k, err := s.keys.Signing(ctx, jose.SignatureAlgorithm(c.SigningAlg))
	var token string
	if err == nil {
		token, err = backchannel.Token(k, s.cfg.Issuer, c.ID, sess.UserID, sess.SID)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "could not sign a logout token", "client_id", c.ID, "err", err)
		return
	}
	ctx = context.WithoutCancel(ctx)
	s.logouts.Add(1)
	go func() {
		defer s.logouts.Done()
		attempts, err := backchannel.Deliver(ctx, c.BackchannelLogoutURI, token, s.cfg.BackchannelDelays)
		e := storage.AuditEvent{Type: directory.EventBackchannelLogout, Outcome: directory.OutcomeSuccess, UserID: sess.UserID,
			ClientID: c.ID, Details: map[string]string{"sid": sess.SID, "attempts": fmt.Sprint(attempts)}}
		if err != nil {
			e.Outcome, e.Details["reason"] = directory.OutcomeFailure, err.Error()
			s.log.WarnContext(ctx, "back-channel logout not delivered", "client_id", c.ID, "attempts", attempts, "err", err)
		}
		s.cfg.Audit.Record(ctx, e)
	}()
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
