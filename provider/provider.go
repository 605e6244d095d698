package provider

import (
	"context"
	"crypto/x509"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/provider/cache"
	"github.com/vhod-id/vhod/provider/claims"
	"github.com/vhod-id/vhod/provider/dpop"
	"github.com/vhod-id/vhod/provider/keys"
	"github.com/vhod-id/vhod/provider/respond"
	"github.com/vhod-id/vhod/storage"
)

// Config is what the provider needs to know.
type Config struct {
	Issuer string
	// CryptoKey encrypts opaque access tokens and codes (derived from the master key).
	CryptoKey            [32]byte
	AccessTokenLifetime  time.Duration
	IDTokenLifetime      time.Duration
	RefreshTokenLifetime time.Duration
	// RefreshGracePeriod is how long a rotated refresh token, presented again
	// by its client with the same binding, gets the same successor instead of
	// revoking its family (RFC 9700 section 4.14.2); 0: never.
	RefreshGracePeriod  time.Duration
	AuthRequestLifetime time.Duration
	// LoginURL is where op sends the browser to sign in for an auth request.
	LoginURL func(authRequestID string) string
	// LogoutURL is where the browser lands after logout when the RP named no URI.
	LogoutURL string
	Locales   []language.Tag
	// Browser tells which browser and SSO session a request comes from.
	Browser Browser
	// ErrorPage renders a browser-facing error (a page, never raw error text).
	ErrorPage func(w http.ResponseWriter, r *http.Request, e PageError)
	// FormPost renders the form post response mode's page: a form that posts
	// params to action, submitted without inline script (nil: the mode is not
	// offered).
	FormPost func(w http.ResponseWriter, r *http.Request, action string, params url.Values)
	// SSO, when set, is asked at /authorize whether the browser's SSO session answers
	// the request without the login pages; it returns the completion, or nil.
	SSO func(ctx context.Context, r storage.AuthRequest) (*storage.Completion, error)
	// Audit records security events (nil: none).
	Audit *directory.Auditor
	// OnTokens, when set, hears every token issue with its grant type.
	OnTokens func(grant string)
	// OrgClaims builds the claims of the org and orgs scopes (nil: none).
	OrgClaims func(ctx context.Context, userID, orgID, clientID string, wantOrg, wantOrgs bool) (orgs.Claims, error)
	// OrgPolicy tells whether a sign-in of acr and amr meets the sign-in
	// policy of the company orgID (nil: every sign-in does). The org claim
	// of one that does not is left out (and audited), whatever the session
	// recorded: a token never acts for a company whose policy it missed.
	OrgPolicy func(ctx context.Context, userID, orgID, acr string, amr []string) (bool, error)
	// SystemClaims builds the org and roles claims of an integration system's
	// own tokens (nil: none).
	SystemClaims func(ctx context.Context, orgID string, roles []string) (orgs.Claims, error)
	Logger       *slog.Logger
	// ClientCertificate returns a request's TLS client certificate and the
	// certificates sent with it (nil: none): from Vhod's listener, whose
	// handshake proved the key, or a trusted proxy's header.
	ClientCertificate func(r *http.Request) (*x509.Certificate, []*x509.Certificate)
	// VerifyCertificate checks a tls_client_auth client's certificate: chain to
	// a trust anchor, validity, revocation (nil: the method is refused).
	VerifyCertificate func(ctx context.Context, leaf *x509.Certificate, chain []*x509.Certificate) error
	// MTLSOrigin is where clients present certificates (Vhod's TLS listener or
	// the TLS proxy): discovery's mtls_endpoint_aliases ("" none).
	MTLSOrigin string
	// ClientAssertionMaxAge bounds the life of a private_key_jwt assertion
	// (0: clientjwt.DefaultAssertionMaxAge).
	ClientAssertionMaxAge time.Duration
	// BackchannelDelays are the waits before each delivery attempt of a logout
	// token (nil: backchannel.DefaultDelays).
	BackchannelDelays []time.Duration
}

// Browser is implemented by the login package's cookies.
type Browser interface {
	// Middleware makes sure the request carries a binding cookie and puts the
	// browser's identity into the request context.
	Middleware(next http.Handler) http.Handler
	// BrowserHash is the hash of the browser's binding cookie ("" when unknown).
	BrowserHash(ctx context.Context) string
	// SessionID is the stored ID of the browser's SSO session ("" when none).
	SessionID(ctx context.Context) string
}

// Provider is the mounted OpenID Provider.
type Provider struct {
	op      *op.Provider
	storage *Storage
	cfg     Config
	pub     published
	// issuerCtx holds op's issuer and nothing else (see requestContext).
	issuerCtx context.Context
	origins   cache.Origins
	// opBasic are the Authorization headers that hand authenticated clients
	// on to op (see clientAuth).
	opBasic basicHeaders
}

// Store is the persistence the provider uses.
type Store interface {
	storage.Clients
	storage.ClientsVersion
	storage.Users
	storage.AuthRequests
	storage.PushedRequests
	storage.DeviceAuthorizations
	storage.Once
	storage.Tokens
	storage.Sessions
	storage.Revocations
	Ping(ctx context.Context) error
}

// New builds the provider over a store and a keyring.
func New(cfg Config, store Store, keyring *keys.Keyring) (*Provider, error) {
	if cfg.OnTokens == nil {
		cfg.OnTokens = func(string) {}
	}
	s := &Storage{store: store, keys: keyring, dpop: dpop.New(cfg.CryptoKey, store), cfg: cfg, log: cfg.Logger, logoutSeal: newSealer(cfg.CryptoKey, "vhod end-session page"),
		crypto: newTokenCrypto(cfg.CryptoKey), refreshSeal: newSealer(cfg.CryptoKey, "vhod refresh token successor"),
		logoutConfirmSeal: newSealer(cfg.CryptoKey, "vhod logout confirmation")}
	s.callback = s.callbackURL
	opCfg := &op.Config{
		CryptoKey:                cfg.CryptoKey,
		DefaultLogoutRedirectURI: cfg.LogoutURL,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		AuthMethodPrivateKeyJWT:  true,
		GrantTypeRefreshToken:    true,
		RequestObjectSupported:   false,
		SupportedUILocales:       cfg.Locales,
		SupportedScopes: []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail,
			oidc.ScopePhone, oidc.ScopeOfflineAccess, ScopeRuIDs, ScopeCert, ScopeOrg, ScopeOrgs},
		SupportedClaims: claims.Supported,
		DeviceAuthorization: op.DeviceAuthorizationConfig{Lifetime: DeviceCodeLifetime, PollInterval: DevicePollInterval,
			UserFormPath: DeviceUserPath, UserCode: op.UserCodeBase20},
	}
	opts := []op.Option{
		op.WithAccessTokenVerifierOpts(op.WithSupportedAccessTokenSigningAlgorithms(algNames()...)),
		op.WithIDTokenHintVerifierOpts(op.WithSupportedIDTokenHintSigningAlgorithms(algNames()...)),
		op.WithCrypto(s.crypto),
		op.WithCORSOptions(nil), // Vhod's own policy (see clientCORS)
	}
	if isLoopbackHTTP(cfg.Issuer) {
		opts = append(opts, op.WithAllowInsecure())
	}
	p, err := op.NewProvider(opCfg, s, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, err
	}
	s.op = p
	return &Provider{op: p, storage: s, cfg: cfg, issuerCtx: op.ContextWithIssuer(context.Background(), cfg.Issuer)}, nil
}

// Handler serves every protocol endpoint. Browser-facing endpoints get the binding
// cookie and HTML error pages; every endpoint answers 503 when the database is down.
// Answers that carry tokens, codes or personal data are never cached.
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	cors := p.clientCORS()
	// api is an endpoint that clients call, browser apps among them.
	api := func(h http.Handler) http.Handler { return respond.APIHeaders(cors.Handler(h)) }
	// page is an endpoint the browser navigates to.
	page := func(h http.Handler) http.Handler { return respond.PageHeaders(p.cfg.Browser.Middleware(h)) }
	mux.Handle("/authorize", page(maxBody(maxAuthorizeBody, p.authorizeFront(withOrgHint(p.errors(p.op, true))))))
	mux.Handle("/oauth/token", api(p.tokenEndpoint(p.clientCredentials(p.op))))
	mux.Handle("/oauth/introspect", api(p.errors(maxBody(64<<10, p.clientAuth(http.HandlerFunc(p.serveIntrospection))), false)))
	mux.Handle("/revoke", api(p.errors(maxBody(64<<10, p.clientAuth(p.op)), false)))
	mux.Handle("/userinfo", api(p.errors(maxBody(64<<10, p.tlsCertificate(p.dpopResource(http.HandlerFunc(p.serveUserinfo)))), false)))
	mux.Handle("/device_authorization", api(p.errors(maxBody(64<<10, p.clientAuth(p.op)), false)))
	mux.Handle("/par", api(p.errors(maxBody(64<<10, p.clientAuth(http.HandlerFunc(p.servePAR))), false)))
	mux.Handle("/authorize/callback", page(p.errors(http.HandlerFunc(p.serveCallback), true)))
	// RP-initiated logout is the login pages' (they ask the person first, with
	// CSRF); op's handler would end the session on any GET.
	mux.Handle("/end_session", http.NotFoundHandler())
	mux.Handle("/.well-known/openid-configuration", publicCORS.Handler(p.discoveryHandler(p.errors(http.HandlerFunc(p.serveDiscovery), false))))
	mux.Handle("/keys", publicCORS.Handler(p.jwksHandler(p.errors(http.HandlerFunc(p.serveJWKS), false))))
	mux.Handle("/", respond.APIHeaders(p.errors(p.op, false)))
	return mux
}

// tokenEndpoint is /oauth/token below its headers: grants answers the
// authenticated client's request (op, with Vhod's own client_credentials in
// front; the tests compare the two).
func (p *Provider) tokenEndpoint(grants http.Handler) http.Handler {
	return p.errors(maxBody(64<<10, p.clientAuth(p.dpopToken(grants))), false)
}

// RevokeUser ends every session of a user and revokes every token (after a
// password reset or a lock, or before the account is deleted): the sessions go
// first, so that none completes a new sign-in while the codes and tokens are
// revoked; stored tokens are deleted, JWT access tokens denied until they
// expire, and the clients of the sessions are told by back-channel logout.
func (p *Provider) RevokeUser(ctx context.Context, userID string) error {
	sessions, err := p.storage.store.ListUserSessions(ctx, userID)
	if err != nil {
		return err
	}
	if err := p.storage.store.DeleteUserSessions(ctx, userID); err != nil {
		return err
	}
	for _, sess := range sessions {
		p.storage.sessionEnded(ctx, sess)
	}
	if err := p.storage.store.RevokeUserTokens(ctx, userID); err != nil {
		return err
	}
	return p.storage.denied.Add(ctx, p.storage.store, time.Now().Add(p.cfg.AccessTokenLifetime), "sub:"+userID)
}

// RevokeSession revokes the tokens of an ended browser session and tells its
// clients by back-channel logout.
func (p *Provider) RevokeSession(ctx context.Context, sess storage.Session) error {
	p.storage.sessionEnded(ctx, sess)
	if err := p.storage.store.RevokeSessionTokens(ctx, sess.SID); err != nil {
		return err
	}
	return p.storage.denied.Add(ctx, p.storage.store, time.Now().Add(p.cfg.AccessTokenLifetime), claims.SID+":"+sess.SID)
}

// Client returns a client through the provider's cache (see cache.Clients).
func (p *Provider) Client(ctx context.Context, id string) (storage.Client, error) {
	return p.storage.clients.Get(ctx, p.storage.store, id)
}

// ClientsChanged tells the provider that clients were changed in the store
// directly (admin API, console): this instance rereads them at once; others
// within a second.
func (p *Provider) ClientsChanged() {
	p.storage.clients.Forget()
	p.origins.Forget()
}

// Callback is where the login sends the browser once an auth request is complete.
func (p *Provider) Callback(ctx context.Context, authRequestID string) string {
	return op.AuthCallbackURL(p.op)(op.ContextWithIssuer(ctx, p.cfg.Issuer), authRequestID)
}

// Deny sends the browser back to the relying party with an OAuth error, in the
// request's response mode: one of login_required, consent_required,
// account_selection_required, access_denied, interaction_required.
func (p *Provider) Deny(w http.ResponseWriter, r *http.Request, authRequestID, code string) {
	req, err := p.storage.store.AuthRequestByID(r.Context(), authRequestID)
	if err != nil {
		p.cfg.ErrorPage(w, r, PageError{Status: http.StatusBadRequest, Detail: "deny: " + err.Error()})
		return
	}
	var e *oidc.Error
	switch code {
	case "login_required":
		e = oidc.ErrLoginRequired()
	case "access_denied":
		e = oidc.ErrAccessDenied().WithDescription("the user declined")
	case "consent_required":
		// OIDC Core §3.1.2.6 names consent_required; op has no constructor for it.
		e = oidc.ErrInteractionRequired()
		e.ErrorType = "consent_required"
	case errAccountSelectionRequired:
		e = oauthError(errAccountSelectionRequired, "choose the organisation to sign in for")
	default:
		e = oidc.ErrInteractionRequired()
	}
	_ = p.storage.store.DeleteAuthRequest(r.Context(), authRequestID)
	p.authError(w, r, p.answerOf(req), e)
}

func algNames() []string { return names(keys.Algorithms) }

// names spells a list of algorithms as discovery and headers want them.
func names(algs []jose.SignatureAlgorithm) []string {
	out := make([]string, len(algs))
	for i, a := range algs {
		out[i] = string(a)
	}
	return out
}
