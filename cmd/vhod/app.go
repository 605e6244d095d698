package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/gorilla/mux"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/clientaddr"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/login/certificate"
	"github.com/vhod-id/vhod/login/logout"
	"github.com/vhod-id/vhod/provider"
	"github.com/vhod-id/vhod/provider/keys"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/embedded"
	"github.com/vhod-id/vhod/storage/mongo"
)

// app is Vhod wired together: the only place that knows the concrete backends.
type app struct {
	cfg      *Config
	log      *slog.Logger
	store    *mongo.Store
	embedded *embedded.Server
	keys     *keys.Keyring
	dir      *directory.Directory
	orgs     *orgs.Service
	audit    *directory.Auditor
	// sms and email queue messages in the outbox (nil when off).
	sms     notify.SMSSender
	email   notify.EmailSender
	systems *orgs.Systems
	anchors *directory.Anchors
	// The operators' services: the API, the console and the bootstrap call
	// the same ones.
	clients    *directory.Clients
	catalogues *directory.Catalogues
	userAdmin  *directory.UserAdmin
	master     [32]byte
	metrics    *metrics
	// outbox queues the forms' messages and delivers them (runOutbox); nil
	// when neither SMS nor email is set up.
	// unlock releases data_dir, held while the embedded store runs.
	unlock func()
	outbox *notify.Outbox
	// memory keeps the messages of `vhod dev` instead of sending them.
	memory *notify.Memory
	// verifier checks certificates; configuredAnchors are its anchors from
	// the configuration files (the stored ones are reloaded beside them).
	verifier          *certauth.Verifier
	configuredAnchors []certauth.Anchor
	// prov is the mounted provider (set by handler).
	prov *provider.Provider
	// directProtocol are the protocol paths served ahead of the page router
	// (set by handler, see protocolFirst).
	directProtocol map[string]bool
	// idps are the outside identity providers' rules and registry (wire_idp.go).
	idps *idpParts
}

// openApp connects the store (starting the embedded one when no URI is set), opens
// the keys with the master key, and applies the bootstrap section.
func openApp(ctx context.Context, cfg *Config, log *slog.Logger, dbOpts mongo.Options) (*app, error) {
	a := &app{cfg: cfg, log: log, metrics: newMetrics()}
	dbOpts.Monitor = chainMonitors(a.metrics.monitor(), dbOpts.Monitor)
	if dbOpts.Timeout == 0 {
		dbOpts.Timeout = cfg.Database.Timeout
	}
	uri := cfg.Database.URI
	if uri == "" {
		// One process per embedded store: refuse before touching its files.
		release, err := lockDataDir(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		a.unlock = release
		srv, err := embedded.Start(ctx, embedded.Options{Dir: filepath.Join(cfg.DataDir, "db")})
		if err != nil {
			a.close()
			return nil, err
		}
		a.embedded, uri = srv, srv.URI()
		log.Info("embedded store started", "dir", filepath.Join(cfg.DataDir, "db"))
	}
	store, err := mongo.Open(ctx, uri, cfg.Database.Name, dbOpts)
	if err != nil {
		a.close()
		return nil, err
	}
	a.store = store
	if a.embedded != nil {
		if err := a.embedded.Tune(ctx); err != nil {
			log.Warn("embedded store: tuning", "err", err)
		}
	}
	if a.master, err = masterKey(cfg.MasterKeyFile); err != nil {
		a.close()
		return nil, err
	}
	a.keys, err = keys.New(store, a.master, keys.Config{
		DefaultAlgorithm: jose.SignatureAlgorithm(cfg.Keys.Algorithm),
		RotationPeriod:   cfg.Keys.RotationPeriod,
		Retention:        max(cfg.Tokens.AccessTokenLifetime, cfg.Tokens.IDTokenLifetime) + 5*time.Minute,
	})
	if err == nil {
		err = a.keys.Ensure(ctx)
	}
	if err != nil {
		a.close()
		return nil, err
	}
	passwords, err := directory.NewPasswords(cfg.Passwords.params())
	if err != nil {
		a.close()
		return nil, fmt.Errorf("passwords: %w", err)
	}
	a.dir = directory.New(store, passwords, log)
	// The organisation rules audit and mail their decisions themselves, so
	// the senders are made here, before the bootstrap and the pages use them.
	a.audit = directory.NewAuditor(store, log)
	if a.sms, a.email, err = a.senders(a.audit); err != nil {
		a.close()
		return nil, err
	}
	texts, err := web.MailTexts()
	if err != nil {
		a.close()
		return nil, err
	}
	if a.orgs, err = orgs.New(store, passwords, orgs.Config{
		JoinPolicy: cfg.Organisations.JoinApproval, Audit: a.audit, Logger: log,
		Notifier: directory.NewNotifier(store, a.email, texts, log),
	}); err != nil {
		a.close()
		return nil, err
	}
	a.systems = orgs.NewSystems(store, a.orgs)
	a.anchors = directory.NewAnchors(store, directory.AnchorsConfig{
		Configured: func() []certauth.Anchor { return a.configuredAnchors }, Changed: a.reloadAnchors, Audit: a.audit, Logger: log,
	})
	a.dir.SetPolicy(directory.PasswordPolicy{MinLength: cfg.Passwords.MinLength})
	// The provider is made later (handler); until then nothing needs telling.
	a.clients = directory.NewClients(store, directory.ClientsConfig{HashSecret: provider.HashSecret, Algorithms: algNames(), Logger: log,
		Changed: func() {
			if a.prov != nil {
				a.prov.ClientsChanged()
			}
		}})
	a.catalogues = directory.NewCatalogues(store)
	a.userAdmin = directory.NewUserAdmin(store, a.dir, directory.UserAdminConfig{
		RevokeSession: func(ctx context.Context, s storage.Session) error { return a.prov.RevokeSession(ctx, s) },
		RevokeUser:    func(ctx context.Context, userID string) error { return a.prov.RevokeUser(ctx, userID) },
	})
	// The account pages sign people in through a client of Vhod's own.
	accountSecret := deriveKey(a.master, "account client")
	boot := cfg.Bootstrap
	boot.Clients = append(slices.Clone(boot.Clients), BootstrapClient{
		ID: directory.AccountClientID, Name: "Vhod", Secret: hex.EncodeToString(accountSecret[:]),
		RedirectURIs: []string{cfg.Issuer + "/account/callback"}, GrantTypes: []string{"authorization_code"},
		AuthMethod: "client_secret_basic", AccessTokenFormat: provider.TokenFormatOpaque, FirstParty: true,
	})
	sv := services{dir: a.dir, orgs: a.orgs, clients: a.clients, catalogues: a.catalogues, users: a.userAdmin}
	if err := boot.apply(ctx, sv, log); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

func (a *app) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if a.store != nil {
		_ = a.store.Close(ctx)
	}
	if a.embedded != nil {
		a.embedded.Close()
	}
	if a.unlock != nil {
		a.unlock()
	}
}

// handler builds the HTTP surface: health, login pages, extra routes, then op.
func (a *app) handler(extra func(r *mux.Router)) (http.Handler, error) {
	sh, err := a.sharedParts()
	if err != nil {
		return nil, err
	}
	// The provider asks the login pages for its error and form_post pages and
	// for the SSO decision; they are built after it, with its callback.
	var pages *login.Handler
	prov, err := a.newProvider(sh, func() *login.Handler { return pages })
	if err != nil {
		return nil, err
	}
	a.prov = prov
	st := loginStore{Store: a.store, client: prov.Client}
	pages, methods, err := a.loginPages(sh, prov, st)
	if err != nil {
		return nil, err
	}
	own, err := a.accountPages(sh, prov, st)
	if err != nil {
		return nil, err
	}
	ops, err := a.consolePages(sh)
	if err != nil {
		return nil, err
	}
	api := a.adminAPI(prov, sh.factors)

	r := mux.NewRouter()
	r.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	r.HandleFunc("/readyz", a.ready)
	if a.cfg.dev && a.cfg.Metrics.Listen == "" {
		// Only `vhod dev` serves /metrics on the main listener: in `serve` it
		// is public, and the series tell a stranger about traffic and
		// failures (sign-ins, SMS sent), so they live on metrics.listen alone.
		r.Handle("/metrics", a.metrics.handler())
	}
	pages.Mount(r, methods...)
	ops.Mount(r)
	own.Mount(r)
	api.Mount(r)
	if a.memory != nil {
		r.HandleFunc("/dev/outbox", a.serveOutbox).Methods(http.MethodGet)
	}
	if extra != nil {
		extra(r)
	}
	// Protocol paths are the provider's; a browser's unknown path or wrong
	// method gets the page in the layout.
	protocol := prov.Handler()
	r.NotFoundHandler = protocolOrPage(protocol, own.Missing(http.StatusNotFound))
	r.MethodNotAllowedHandler = own.Missing(http.StatusMethodNotAllowed)
	h, direct := protocolFirst(r, protocol)
	a.directProtocol = direct
	if sh.certs.Header != "" {
		h = certificate.StripCertificateHeader(sh.certs.Header, sh.certs.Trusted, h)
	}
	// Outermost but for the metrics: every handler, limit and audit event
	// below sees the client address worked out once from trusted_proxies.
	trusted, err := clientaddr.ParsePrefixes(a.cfg.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("trusted_proxies: %w", err)
	}
	return a.metrics.instrument(requestFacts(trusted, h)), nil
}

// loginStore gives the login pages the provider's cached clients.
type loginStore struct {
	*mongo.Store
	client func(ctx context.Context, id string) (storage.Client, error)
}

func (l loginStore) ClientByID(ctx context.Context, id string) (storage.Client, error) {
	return l.client(ctx, id)
}

// ready answers whether this instance can serve: the database answers and keys load.
func (a *app) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	err := a.store.Ping(ctx)
	if err == nil {
		var list []keys.Info
		if list, err = a.keys.List(ctx); err == nil && len(list) == 0 {
			err = errors.New("no signing keys")
		}
	}
	if err != nil {
		a.log.WarnContext(ctx, "not ready", "err", err)
		http.Error(w, "not ready\n", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// maintain sweeps expired documents and rotates aged keys until ctx ends. Each
// period is claimed in the database first, so that of many instances one does it.
func (a *app) maintain(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			slot := now.Truncate(every)
			won, err := a.store.ClaimSlot(ctx, "maintenance", slot)
			if err != nil {
				a.log.Warn("maintenance: claim the period", "err", err)
				continue
			}
			if won {
				a.maintainOnce(ctx)
				a.log.Debug("maintenance ran", "slot", slot)
			}
		}
	}
}

func (a *app) maintainOnce(ctx context.Context) {
	if n, err := a.store.DeleteExpired(ctx, time.Now()); err != nil {
		a.log.Warn("sweep expired documents", "err", err)
	} else if n > 0 {
		a.log.Debug("swept expired documents", "count", n)
	}
	if keep := a.cfg.Maintenance.AuditRetention; keep > 0 {
		if n, err := a.store.PruneAudit(ctx, time.Now().Add(-keep)); err != nil {
			a.log.Warn("prune the audit log", "err", err)
		} else if n > 0 {
			a.log.Info("audit events past their retention deleted", "count", n)
		}
	}
	if err := a.keys.Ensure(ctx); err != nil {
		a.log.Warn("key rotation", "err", err)
	}
	if err := a.keys.Prune(ctx); err != nil {
		a.log.Warn("prune keys", "err", err)
	}
}

// chainMonitors lets several observers see every database command.
func chainMonitors(ms ...*event.CommandMonitor) *event.CommandMonitor {
	var live []*event.CommandMonitor
	for _, m := range ms {
		if m != nil {
			live = append(live, m)
		}
	}
	return &event.CommandMonitor{
		Started: func(ctx context.Context, e *event.CommandStartedEvent) {
			for _, m := range live {
				if m.Started != nil {
					m.Started(ctx, e)
				}
			}
		},
		Succeeded: func(ctx context.Context, e *event.CommandSucceededEvent) {
			for _, m := range live {
				if m.Succeeded != nil {
					m.Succeeded(ctx, e)
				}
			}
		},
		Failed: func(ctx context.Context, e *event.CommandFailedEvent) {
			for _, m := range live {
				if m.Failed != nil {
					m.Failed(ctx, e)
				}
			}
		},
	}
}

// signingKeys are the provider's keys as the operators' services see them.
func (a *app) signingKeys() *directory.Keys { return directory.NewKeys(keyRing{a.keys}, algNames()) }

// keyRing shows the provider's key ring to directory.Keys.
type keyRing struct{ k *keys.Keyring }

func (k keyRing) Keys(ctx context.Context) ([]directory.KeyInfo, error) {
	keys, err := k.k.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]directory.KeyInfo, 0, len(keys))
	for _, x := range keys {
		out = append(out, directory.KeyInfo{KID: x.KID, Algorithm: x.Algorithm, Created: x.Created.UTC(), Current: x.Current, Published: x.Published})
	}
	return out, nil
}

func (k keyRing) Rotate(ctx context.Context, alg string) (string, error) {
	return k.k.Rotate(ctx, jose.SignatureAlgorithm(alg))
}

// logouts hands the provider's RP-initiated logout to the login pages.
type logouts struct{ p *provider.Provider }

func (l logouts) Check(r *http.Request) (logout.LogoutRequest, error) {
	req, err := l.p.CheckLogout(r)
	switch {
	case errors.Is(err, provider.ErrLogoutRedirect):
		err = fmt.Errorf("%w: %w", logout.ErrLogoutRedirect, err)
	case errors.Is(err, provider.ErrLogoutRequest):
		err = fmt.Errorf("%w: %w", logout.ErrLogoutRequest, err)
	}
	return logout.LogoutRequest{ClientName: req.ClientName, ClientID: req.ClientID, Redirect: req.Redirect, SignedIn: req.SignedIn,
		Current: req.Current, Sealed: req.Sealed}, err
}

func (l logouts) Open(r *http.Request, sealed string) (string, bool) {
	return l.p.OpenLogout(r, sealed)
}

func (l logouts) End(r *http.Request, redirect string) (string, error) {
	return l.p.EndSession(r, redirect)
}

// signedOut hands the provider's end-session page state to the login pages.
func signedOut(prov *provider.Provider) func(string) ([]logout.SignedOutApp, string, bool) {
	return func(sealed string) ([]logout.SignedOutApp, string, bool) {
		apps, next, ok := prov.LogoutPage(sealed)
		out := make([]logout.SignedOutApp, len(apps))
		for i, a := range apps {
			out[i] = logout.SignedOutApp{Name: a.Name, Frontchannel: a.Frontchannel}
		}
		return out, next, ok
	}
}
