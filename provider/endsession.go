package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/internal/clientaddr"
	"github.com/vhod-id/vhod/storage"
)

// Refusals of an RP-initiated logout request: the person reads a page that
// says which.
var (
	// ErrLogoutRedirect: the post_logout_redirect_uri is not registered for the
	// client that client_id or the id_token_hint names (or none is named).
	ErrLogoutRedirect = errors.New("post_logout_redirect_uri is not registered for the client")
	// ErrLogoutRequest: an id_token_hint Vhod did not issue, an unknown client,
	// or a client_id that is not the hint's.
	ErrLogoutRequest = errors.New("invalid logout request")
)

// LogoutRequest is an RP-initiated logout request (RP-Initiated Logout 1.0 §2)
// as Vhod checked it.
type LogoutRequest struct {
	// ClientName names the relying party that asked and ClientID is its ID
	// ("" when none is named); they are set even when the request is refused
	// for its post_logout_redirect_uri, so the page can lead back to the app.
	ClientName, ClientID string
	// Redirect is the registered post_logout_redirect_uri with the state ("": none).
	Redirect string
	// SignedIn: the browser has an SSO session. Current: the id_token_hint was
	// issued in that very session (its sid), expired or not, so the request may
	// be acted on without asking (§2, §6: without it, the person confirms).
	SignedIn, Current bool
	// Sealed is the request for the confirmation form: where to go, bound to
	// this browser, for a few minutes.
	Sealed string
}

// pendingLogout is what the sealed confirmation form carries.
type pendingLogout struct {
	Redirect string `json:"r,omitempty"`
	Browser  string `json:"b"`
	Until    int64  `json:"u"`
}

// logoutConfirmTTL is how long the confirmation page may wait for an answer.
const logoutConfirmTTL = 15 * time.Minute

// CheckLogout reads and checks an RP-initiated logout request, by GET or POST
// (§2): an id_token_hint must be Vhod's (it may have expired: §2 says to accept
// it), a client_id must be the hint's, and a post_logout_redirect_uri must be
// registered for that client (§3). It ends nothing.
func (p *Provider) CheckLogout(r *http.Request) (LogoutRequest, error) {
	var out LogoutRequest
	if err := r.ParseForm(); err != nil {
		return out, fmt.Errorf("%w: unreadable form", ErrLogoutRequest)
	}
	ctx := op.ContextWithIssuer(r.Context(), p.cfg.Issuer)
	clientID, sid, sub := r.Form.Get("client_id"), "", ""
	if hint := r.Form.Get("id_token_hint"); hint != "" {
		claims, err := op.VerifyIDTokenHint[*oidc.IDTokenClaims](ctx, hint, p.op.IDTokenHintVerifier(ctx))
		if err != nil && !errors.As(err, &op.IDTokenHintExpiredError{}) {
			return out, fmt.Errorf("%w: id_token_hint: %v", ErrLogoutRequest, err)
		}
		azp := claims.GetAuthorizedParty()
		if azp == "" && len(claims.Audience) == 1 {
			azp = claims.Audience[0]
		}
		if clientID != "" && clientID != azp {
			return out, fmt.Errorf("%w: client_id %q is not the id_token_hint's %q", ErrLogoutRequest, clientID, azp)
		}
		clientID, sid, sub = azp, claims.SessionID, claims.Subject
	}
	var c *client
	if clientID != "" {
		var err error
		if c, err = p.storage.loadClient(ctx, clientID); errors.Is(err, storage.ErrNotFound) {
			return out, fmt.Errorf("%w: unknown client %q", ErrLogoutRequest, clientID)
		} else if err != nil {
			return out, err
		}
		out.ClientName, out.ClientID = c.c.Name, c.c.ID
	}
	if uri := r.Form.Get("post_logout_redirect_uri"); uri != "" {
		if c == nil {
			return out, fmt.Errorf("%w: no client named to check %q against", ErrLogoutRedirect, uri)
		}
		if err := op.ValidateEndSessionPostLogoutRedirectURI(uri, c); err != nil {
			return out, fmt.Errorf("%w: %q for client %s", ErrLogoutRedirect, uri, c.c.ID)
		}
		out.Redirect = withState(uri, r.Form.Get("state"))
	}
	if id := p.cfg.Browser.SessionID(ctx); id != "" {
		sess, err := p.storage.store.SessionByID(ctx, id)
		switch {
		case err == nil:
			out.SignedIn = true
			out.Current = sid != "" && sid == sess.SID && sub == sess.UserID
		case !errors.Is(err, storage.ErrNotFound):
			return out, err
		}
	}
	b, _ := json.Marshal(pendingLogout{Redirect: out.Redirect, Browser: p.cfg.Browser.BrowserHash(ctx),
		Until: time.Now().Add(logoutConfirmTTL).Unix()})
	out.Sealed = p.storage.logoutConfirmSeal.seal(b)
	return out, nil
}

// OpenLogout opens the sealed request of a confirmation form: where to go
// afterwards ("" nowhere). ok is false for a damaged or stale one, or one sealed
// for another browser.
func (p *Provider) OpenLogout(r *http.Request, sealed string) (redirect string, ok bool) {
	plain, err := p.storage.logoutConfirmSeal.open(sealed)
	if err != nil {
		return "", false
	}
	var pl pendingLogout
	if json.Unmarshal(plain, &pl) != nil || time.Now().Unix() > pl.Until || pl.Browser != p.cfg.Browser.BrowserHash(r.Context()) {
		return "", false
	}
	return pl.Redirect, true
}

// EndSession ends the browser's SSO session, if any, as a confirmed logout:
// its tokens are revoked, its clients told by back-channel at once, and the
// answer is where the browser goes next: the end-session page (which frames
// the front-channel URLs and lists the apps) or redirect ("" for Vhod's own
// page). The caller clears the session cookie.
func (p *Provider) EndSession(r *http.Request, redirect string) (string, error) {
	r, h := withRequestClient(r, p.issuerCtx)
	h.ip, h.userAgent = clientaddr.Of(r), r.UserAgent()
	apps, err := p.storage.endBrowserSession(r.Context())
	if err != nil {
		return "", err
	}
	if redirect == "" {
		redirect = p.cfg.LogoutURL
	}
	return p.storage.endSessionTarget(redirect, apps)
}

// withState adds the RP's state to its post-logout URI (§3), keeping its query.
func withState(uri, state string) string {
	if state == "" {
		return uri
	}
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	q := u.Query()
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return u.String()
}
