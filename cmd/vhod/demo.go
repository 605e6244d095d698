package main

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gorilla/mux"
	"golang.org/x/oauth2"
)

//go:embed demo.html
var demoFS embed.FS

var demoPage = template.Must(template.ParseFS(demoFS, "demo.html"))

// demo is a relying party inside `vhod dev`: it signs in through Vhod like any
// other app (code flow, PKCE, ID token verified) and shows what it received.
type demo struct {
	issuer, clientID, secret string
	log                      *slog.Logger

	once     sync.Once
	provider *oidc.Provider
	err      error

	mu       sync.Mutex
	sessions map[string]demoSession
}

type demoSession struct {
	IDToken, IDClaims, Userinfo string
	at                          time.Time
}

func newDemo(issuer, clientID, secret string, log *slog.Logger) *demo {
	return &demo{issuer: issuer, clientID: clientID, secret: secret, log: log, sessions: map[string]demoSession{}}
}

func (d *demo) mount(r *mux.Router) {
	r.HandleFunc("/demo", d.home).Methods(http.MethodGet)
	r.HandleFunc("/demo/login", d.login).Methods(http.MethodGet)
	r.HandleFunc("/demo/callback", d.callback).Methods(http.MethodGet)
}

// discover runs once, at first use: the provider is this very process.
func (d *demo) discover(ctx context.Context) (*oidc.Provider, oauth2.Config, error) {
	d.once.Do(func() { d.provider, d.err = oidc.NewProvider(context.WithoutCancel(ctx), d.issuer) })
	if d.err != nil {
		d.once = sync.Once{}
		return nil, oauth2.Config{}, d.err
	}
	return d.provider, oauth2.Config{
		ClientID: d.clientID, ClientSecret: d.secret, Endpoint: d.provider.Endpoint(),
		RedirectURL: d.issuer + "/demo/callback",
		Scopes:      []string{oidc.ScopeOpenID, "profile", "email", "phone", "ru_ids", "cert", "org", "orgs", oidc.ScopeOfflineAccess},
	}, nil
}

func (d *demo) home(w http.ResponseWriter, r *http.Request) {
	var s *demoSession
	if c, err := r.Cookie("vhod_demo"); err == nil {
		d.mu.Lock()
		if got, ok := d.sessions[c.Value]; ok {
			s = &got
		}
		d.mu.Unlock()
	}
	data := map[string]any{"Session": s, "Issuer": d.issuer, "Lang": r.URL.Query().Get("ui_locales")}
	if s != nil {
		q := url.Values{"id_token_hint": {s.IDToken}, "post_logout_redirect_uri": {d.issuer + "/demo"}}
		data["LogoutURL"] = d.issuer + "/end_session?" + q.Encode()
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := demoPage.Execute(w, data); err != nil {
		d.log.Error("demo page", "err", err)
	}
}

func (d *demo) login(w http.ResponseWriter, r *http.Request) {
	_, oc, err := d.discover(r.Context())
	if err != nil {
		d.log.Error("demo: discovery", "err", err)
		http.Error(w, "discovery failed; see the log", http.StatusBadGateway)
		return
	}
	state, verifier := rand.Text(), oauth2.GenerateVerifier()
	http.SetCookie(w, &http.Cookie{Name: "vhod_demo_state", Value: state + "." + verifier, Path: "/demo",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if l := r.URL.Query().Get("ui_locales"); l != "" {
		opts = append(opts, oauth2.SetAuthURLParam("ui_locales", l))
	}
	http.Redirect(w, r, oc.AuthCodeURL(state, opts...), http.StatusFound)
}

func (d *demo) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, oc, err := d.discover(ctx)
	if err != nil {
		http.Error(w, "discovery failed; see the log", http.StatusBadGateway)
		return
	}
	c, err := r.Cookie("vhod_demo_state")
	state, verifier, _ := cut(c, err)
	if state == "" || r.URL.Query().Get("state") != state {
		http.Error(w, "state mismatch: start again at /demo", http.StatusBadRequest)
		return
	}
	if e := r.URL.Query().Get("error"); e != "" {
		http.Error(w, "the provider answered: "+e, http.StatusBadRequest)
		return
	}
	tok, err := oc.Exchange(ctx, r.URL.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		d.log.Error("demo: code exchange", "err", err)
		http.Error(w, "code exchange failed; see the log", http.StatusBadGateway)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: d.clientID}).Verify(ctx, raw)
	if err != nil {
		d.log.Error("demo: ID token", "err", err)
		http.Error(w, "ID token did not verify; see the log", http.StatusBadGateway)
		return
	}
	var claims, info map[string]any
	_ = idt.Claims(&claims)
	if ui, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		_ = ui.Claims(&info)
	}
	id := rand.Text()
	d.mu.Lock()
	d.expire()
	d.sessions[id] = demoSession{IDToken: raw, IDClaims: pretty(claims), Userinfo: pretty(info), at: time.Now()}
	d.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "vhod_demo", Value: id, Path: "/demo", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/demo", http.StatusFound)
}

// expire keeps the in-memory demo sessions bounded.
func (d *demo) expire() {
	for k, s := range d.sessions {
		if time.Since(s.at) > time.Hour || len(d.sessions) > 1000 {
			delete(d.sessions, k)
		}
	}
}

func cut(c *http.Cookie, err error) (string, string, bool) {
	if err != nil {
		return "", "", false
	}
	for i := 0; i < len(c.Value); i++ {
		if c.Value[i] == '.' {
			return c.Value[:i], c.Value[i+1:], true
		}
	}
	return "", "", false
}

func pretty(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
