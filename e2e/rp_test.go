package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// rp is a relying party built from the usual client libraries.
type rp struct {
	t        *testing.T
	srv      *server
	oauth    oauth2.Config
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
}

func newRP(t *testing.T, srv *server, id, secret, redirect string, style oauth2.AuthStyle, scopes ...string) *rp {
	t.Helper()
	p, err := oidc.NewProvider(t.Context(), srv.Issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "profile", "email", "phone", oidc.ScopeOfflineAccess}
	}
	ep := p.Endpoint()
	ep.AuthStyle = style
	return &rp{t: t, srv: srv, provider: p,
		oauth:    oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect, Endpoint: ep, Scopes: scopes},
		verifier: p.Verifier(&oidc.Config{ClientID: id})}
}

func shopRP(t *testing.T, srv *server) *rp {
	return newRP(t, srv, "shop", "shop-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader)
}

// authorization is one started authorization request.
type authorization struct {
	URL, State, Nonce, Verifier string
}

func (r *rp) authorization(extra ...oauth2.AuthCodeOption) authorization {
	a := authorization{State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier()}
	opts := append([]oauth2.AuthCodeOption{oidc.Nonce(a.Nonce), oauth2.S256ChallengeOption(a.Verifier)}, extra...)
	a.URL = r.oauth.AuthCodeURL(a.State, opts...)
	return a
}

// signIn runs a whole browser sign-in and returns the code.
func (r *rp) signIn(b *rptest.Browser, login, password string, extra ...oauth2.AuthCodeOption) (authorization, string) {
	r.t.Helper()
	a := r.authorization(extra...)
	cb, err := b.SignIn(a.URL, login, password)
	if err != nil {
		r.t.Fatalf("sign-in: %v", err)
	}
	return a, r.code(a, cb)
}

// code checks the callback and returns its code.
func (r *rp) code(a authorization, cb *url.URL) string {
	r.t.Helper()
	q := cb.Query()
	if q.Get("state") != a.State {
		r.t.Fatalf("state %q, want %q (callback %s)", q.Get("state"), a.State, cb)
	}
	if e := q.Get("error"); e != "" {
		r.t.Fatalf("callback error %s: %s", e, q.Get("error_description"))
	}
	return q.Get("code")
}

// exchange trades a code for tokens and verifies the ID token.
func (r *rp) exchange(a authorization, code string) (*oauth2.Token, *oidc.IDToken, map[string]any) {
	r.t.Helper()
	tok, err := r.oauth.Exchange(r.t.Context(), code, oauth2.VerifierOption(a.Verifier))
	if err != nil {
		r.t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.verifier.Verify(r.t.Context(), raw)
	if err != nil {
		r.t.Fatalf("ID token: %v", err)
	}
	if idt.Nonce != a.Nonce {
		r.t.Fatalf("nonce %q, want %q", idt.Nonce, a.Nonce)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		r.t.Fatal(err)
	}
	return tok, idt, claims
}

// oauthError is the error code of a failed token call.
func oauthError(err error) string {
	var re *oauth2.RetrieveError
	if ok := asRetrieve(err, &re); ok {
		return re.ErrorCode
	}
	return ""
}

func asRetrieve(err error, re **oauth2.RetrieveError) bool {
	e, ok := err.(*oauth2.RetrieveError)
	if ok {
		*re = e
	}
	return ok
}

// postForm posts to an endpoint with basic auth and decodes the JSON answer.
func postForm(t *testing.T, endpoint, user, pass string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (r *rp) introspect(token string) map[string]any {
	r.t.Helper()
	var d struct {
		Introspection string `json:"introspection_endpoint"`
	}
	if err := r.provider.Claims(&d); err != nil {
		r.t.Fatal(err)
	}
	status, out := postForm(r.t, d.Introspection, r.oauth.ClientID, r.oauth.ClientSecret, url.Values{"token": {token}})
	if status != http.StatusOK {
		r.t.Fatalf("introspection status %d: %v", status, out)
	}
	return out
}

func (r *rp) revoke(token, hint string) {
	r.t.Helper()
	var d struct {
		Revocation string `json:"revocation_endpoint"`
	}
	_ = r.provider.Claims(&d)
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	status, out := postForm(r.t, d.Revocation, r.oauth.ClientID, r.oauth.ClientSecret, form)
	if status != http.StatusOK {
		r.t.Fatalf("revocation status %d: %v", status, out)
	}
}
