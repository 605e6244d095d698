package provider

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// Access token formats a client may choose.
const (
	TokenFormatOpaque = storage.TokenFormatOpaque
	TokenFormatJWT    = storage.TokenFormatJWT
)

// HashSecret is how client secrets are stored: hex SHA-256. Client secrets are long
// random strings, so a fast hash compared in constant time is enough.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// requestClient remembers, for one HTTP request, the client op loaded (the signing
// key is chosen per client, and op asks for the key without naming the client) and
// whether the database failed to answer (see Provider.errors).
type requestClient struct {
	c           *client
	unavailable atomic.Bool
	// rawToken is the token an introspection, userinfo or revocation request is
	// about: op passes only its ID and subject on, and a JWT access token has no
	// record to read the rest from.
	rawToken string
	// verified is the check of a JWT access token made in this request (verifyJWT).
	verified *verifiedJWT
	// ip and userAgent describe the caller for audit events.
	ip, userAgent string
	// dpopJKT is the key thumbprint of this request's verified DPoP proof.
	dpopJKT string
	// bindingRefused: a sender-constrained token was used without its key.
	bindingRefused bool
	// refusedDPoP: the refused binding was a DPoP key's (else a certificate's).
	refusedDPoP bool
	// cert is the TLS client certificate of the connection (with the
	// certificates sent along), x5t its thumbprint; nil and "" without one.
	cert      *x509.Certificate
	certChain []*x509.Certificate
	x5t       string
	// authenticated is the client Vhod authenticated ahead of op (see
	// Provider.clientAuth); tokenForm the token request's parameters.
	authenticated string
	tokenForm     url.Values
	// issued is the grant of the access token this request issued.
	issued *storage.Grant
	// pendingTokens are the JWT access tokens signed for op to hand out.
	pendingTokens []string
	// handsOut: this request's own handler hands the access token out
	// (clientCredentials), so the JWT signed for it is left in signed rather
	// than held for op's crypto (a map entry, a lock and two keys per token).
	handsOut bool
	signed   string
	// device is the approved device authorization a device_code poll found;
	// exchange the grant a token exchange issues for.
	device   *storage.DeviceAuthorization
	exchange *storage.Grant
}

type requestClientKey struct{}

// withRequestClient gives the request its holder and op's issuer in one copy
// of the request (each WithContext copies it; clientAuth and op's own layers
// used to add one each). issuer is the provider's issuerContext.
func withRequestClient(r *http.Request, issuer context.Context) (*http.Request, *requestClient) {
	r, st := withRequestState(r, issuer)
	return r, &st.holder
}

// requestState is what a request through the errors layer carries, made in
// one allocation instead of four: its holder, its context and the layer's
// capture of error answers.
type requestState struct {
	ctx     requestContext
	holder  requestClient
	capture errorCapture
}

func withRequestState(r *http.Request, issuer context.Context) (*http.Request, *requestState) {
	st := &requestState{}
	st.ctx = requestContext{Context: r.Context(), h: &st.holder, issuer: issuer}
	return r.WithContext(&st.ctx), st
}

// requestContext is the request's context with the holder and op's issuer
// over it: it answers what context.WithValue for the holder and
// op.ContextWithIssuer on top of it answered (the issuer's key first, then
// the holder's, then the request's), without their two allocations. issuer
// is a context that holds op's issuer and nothing else, so it answers op's
// key alone.
type requestContext struct {
	context.Context
	h      *requestClient
	issuer context.Context
}

func (c *requestContext) Value(key any) any {
	if v := c.issuer.Value(key); v != nil {
		return v
	}
	if _, ok := key.(requestClientKey); ok {
		return c.h
	}
	return c.Context.Value(key)
}

func holder(ctx context.Context) *requestClient {
	h, _ := ctx.Value(requestClientKey{}).(*requestClient)
	return h
}

// loadClient reads a client once per request.
func (s *Storage) loadClient(ctx context.Context, id string) (*client, error) {
	h := holder(ctx)
	if h != nil && h.c != nil && h.c.c.ID == id {
		return h.c, nil
	}
	c, err := s.clients.Get(ctx, s.store, id)
	if err != nil {
		return nil, err
	}
	cb := s.callback
	if cb == nil { // a Storage made without New (tests)
		cb = s.callbackURL
	}
	cl := &client{c: c, loginURL: s.cfg.LoginURL, callbackURL: cb, idTokenLifetime: s.cfg.IDTokenLifetime}
	if h != nil {
		h.c = cl
		cl.ahead = h.authenticated == id && !c.Public
	}
	return cl, nil
}

// GetClientByClientID implements op.Storage.
func (s *Storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	c, err := s.loadClient(ctx, clientID)
	if err != nil {
		return nil, s.notFoundAs(ctx, err, oidc.ErrInvalidClient().WithDescription("unknown client"))
	}
	return c, nil
}

// AuthorizeClientIDSecret implements op.Storage.
func (s *Storage) AuthorizeClientIDSecret(ctx context.Context, clientID, clientSecret string) error {
	_, err := s.checkSecret(ctx, clientID, clientSecret)
	return err
}

// ClientCredentials implements op.ClientCredentialsStorage.
func (s *Storage) ClientCredentials(ctx context.Context, clientID, clientSecret string) (op.Client, error) {
	c, err := s.checkSecret(ctx, clientID, clientSecret)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(c.c.GrantTypes, string(oidc.GrantTypeClientCredentials)) {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("client_credentials is not allowed for this client")
	}
	return c, nil
}

// ClientCredentialsTokenRequest implements op.ClientCredentialsStorage.
func (s *Storage) ClientCredentialsTokenRequest(ctx context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	c, err := s.loadClient(ctx, clientID)
	if err != nil {
		return nil, s.notFoundAs(ctx, err, oidc.ErrInvalidClient())
	}
	req := &clientCredentialsRequest{clientID: c.c.ID, scopes: clientOwnScopes(c.c, scopes), orgID: c.c.OrgID}
	if c.c.OrgID != "" {
		claims, err := s.systemClaims(ctx, c.c)
		if err != nil {
			return nil, err
		}
		if claims.Org == nil {
			return nil, oidc.ErrUnauthorizedClient().WithDescription("the organisation of this system is not active")
		}
		req.org = &claims
	}
	return req, nil
}

func (s *Storage) checkSecret(ctx context.Context, clientID, secret string) (*client, error) {
	c, err := s.loadClient(ctx, clientID)
	if err != nil {
		return nil, s.notFoundAs(ctx, err, invalidSecret())
	}
	if h := holder(ctx); h != nil && h.authenticated == clientID && secret == "" {
		return c, nil
	}
	// Only a client of a secret method authenticates by its secret: a
	// private_key_jwt or TLS client may have a secret on record, never usable.
	if c.c.Public || c.c.SecretHash == "" ||
		(c.c.AuthMethod != string(oidc.AuthMethodBasic) && c.c.AuthMethod != string(oidc.AuthMethodPost)) {
		return nil, invalidSecret()
	}
	if !secretMatches(secret, c.c.SecretHash) {
		return nil, invalidSecret()
	}
	return c, nil
}

// secretMatches compares HashSecret(secret) with the stored hash in constant
// time, the hex digits written on the stack rather than into a new string.
func secretMatches(secret, stored string) bool {
	sum := sha256.Sum256([]byte(secret))
	var buf [2 * sha256.Size]byte
	hex.Encode(buf[:], sum[:])
	return subtle.ConstantTimeCompare(buf[:], []byte(stored)) == 1
}

// invalidSecret is checkSecret's refusal, made only when refused (its
// description is formatted: an accepted secret paid for it on every token).
func invalidSecret() *oidc.Error {
	return oidc.ErrInvalidClient().WithDescription("invalid client_id or client_secret")
}

// client adapts storage.Client to op.Client.
type client struct {
	c               storage.Client
	loginURL        func(string) string
	callbackURL     func(string) string
	idTokenLifetime time.Duration
	// completed is the auth request of this HTTP request that single sign-on
	// completed already; its login URL is the callback.
	completed string
	// ahead: Vhod authenticated this client for this request (clientAuth).
	ahead bool
}

func (c *client) GetID() string                    { return c.c.ID }
func (c *client) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string { return c.c.PostLogoutRedirectURIs }
func (c *client) LoginURL(id string) string {
	if id == c.completed {
		return c.callbackURL(id)
	}
	return c.loginURL(id)
}
func (c *client) IDTokenLifetime() time.Duration { return c.idTokenLifetime }
func (c *client) DevMode() bool                  { return false }
func (c *client) ClockSkew() time.Duration       { return 0 }
func (c *client) IDTokenUserinfoClaimsAssertion() bool {
	return c.c.IDTokenUserinfoClaims
}

// ApplicationType decides how op checks redirect URIs. Web means an exact match,
// which is what Vhod promises, so every client with http(s) redirects is "web" to op,
// public ones included (PKCE is enforced by the auth method none). op's "native"
// type would let any port on a loopback address through (RFC 8252 §7.3), so it is
// used only for apps whose redirects are all private-use schemes.
func (c *client) ApplicationType() op.ApplicationType {
	if !c.c.Public {
		return op.ApplicationTypeWeb
	}
	for _, u := range c.c.RedirectURIs {
		if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
			return op.ApplicationTypeWeb
		}
	}
	return op.ApplicationTypeNative
}

// AuthMethod tells op how to authenticate the client. A client Vhod has
// authenticated ahead comes to op as by HTTP Basic with an empty secret (see
// clientAuth), whatever its registered method.
func (c *client) AuthMethod() oidc.AuthMethod {
	if c.ahead {
		return oidc.AuthMethodBasic
	}
	if c.c.Public {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethod(c.c.AuthMethod)
}

func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

func (c *client) GrantTypes() []oidc.GrantType {
	out := make([]oidc.GrantType, len(c.c.GrantTypes))
	for i, g := range c.c.GrantTypes {
		out[i] = oidc.GrantType(g)
	}
	return out
}

// AccessTokenType is opaque for every client: op's JWT access tokens are not
// RFC 9068's, so Vhod signs its own and op hands them out (see tokenCrypto).
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }

func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// IsScopeAllowed is asked by op about every scope but the standard ones: Vhod's
// own scopes are offered to every client whose scopes list is empty, admin only
// when listed (directory.ScopeAllowed).
func (c *client) IsScopeAllowed(scope string) bool { return directory.ScopeAllowed(c.c, scope) }

// clientOwnScopes is what a client's own token (client credentials) is granted:
// the scopes it may have, without the standard ones, which are about a person.
func clientOwnScopes(c storage.Client, requested []string) []string {
	return slices.DeleteFunc(directory.GrantedScopes(c, requested), func(s string) bool {
		return slices.Contains(directory.StandardScopes, s)
	})
}

func isLoopbackHTTP(issuer string) bool {
	u, err := url.Parse(issuer)
	if err != nil || u.Scheme != "http" {
		return false
	}
	_, loop := op.HTTPLoopbackOrLocalhost(issuer)
	return loop
}

func (s *Storage) callbackURL(id string) string {
	return s.cfg.Issuer + "/authorize/callback?id=" + url.QueryEscape(id)
}
