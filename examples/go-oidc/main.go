// Command go-oidc is a small web application that signs people in with Vhod
// through OpenID Connect: the authorization code flow with PKCE
// (golang.org/x/oauth2), the ID token verified against Vhod's published keys
// with its issuer, audience, expiry and nonce (github.com/coreos/go-oidc/v3),
// the company and roles read from the token's org and roles claims, and
// signing out at Vhod's end_session endpoint.
//
// It is the program of docs/en/integrations/go.md, and e2e/integration_gooidc_test.go
// signs a person in through it against a running Vhod.
//
//	ISSUER=http://localhost:8080 CLIENT_ID=go-app CLIENT_SECRET=... \
//	APP_URL=http://localhost:3000 go run ./examples/go-oidc
//
// ACR_VALUES (optional) asks Vhod for a stronger sign-in, for example
// urn:vhod:acr:certificate; the app then refuses a token that is weaker.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"html/template"
	"log"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// acrLevels are Vhod's sign-in classes, weakest first (docs/en/claims.md).
var acrLevels = []string{
	"urn:vhod:acr:password",
	"urn:vhod:acr:phone",
	"urn:vhod:acr:mfa",
	"urn:vhod:acr:certificate",
	"urn:vhod:acr:qualified-certificate",
}

// Claims are the parts of Vhod's ID token this app uses.
type Claims struct {
	Name  string   `json:"name"`
	ACR   string   `json:"acr"`
	AMR   []string `json:"amr"`
	Roles []string `json:"roles"`
	// Org is the company the person chose for this sign-in (scope org);
	// nil when they act for none.
	Org *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		INN  string `json:"inn"`
		KPP  string `json:"kpp"`
		OGRN string `json:"ogrn"`
	} `json:"org"`
}

// session is a signed-in person; pending is a sign-in under way.
type session struct {
	claims  Claims
	all     map[string]any // every claim, shown on the page
	idToken string         // sent back to Vhod as id_token_hint at sign-out
	// expires ends the session here, not only in the browser: a copied
	// cookie stops working, and old sessions do not pile up in memory.
	expires time.Time
}

// sessionFor is how long a sign-in lasts in the app (and its cookie).
const sessionFor = 8 * time.Hour

// Cookie names of the app's own: browsers do not keep cookies apart by port,
// so on one host (localhost in development) they must not clash with Vhod's.
const (
	sessionCookie = "goapp_session"
	stateCookie   = "goapp_state"
)

type pending struct {
	nonce, verifier string
	started         time.Time
}

type app struct {
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	endSession string
	appURL     string
	acrValues  string
	secure     bool // cookies only over HTTPS when the app is served so

	mu       sync.Mutex
	sessions map[string]*session
	pending  map[string]pending // by state
}

func main() {
	ctx := context.Background()
	issuer, appURL := mustEnv("ISSUER"), strings.TrimSuffix(mustEnv("APP_URL"), "/")
	// Discovery: endpoints and keys from ISSUER/.well-known/openid-configuration.
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		log.Fatalf("discovery at %s: %v", issuer, err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := provider.Claims(&extra); err != nil {
		log.Fatal(err)
	}
	a := &app{
		oauth: oauth2.Config{
			ClientID:     mustEnv("CLIENT_ID"),
			ClientSecret: mustEnv("CLIENT_SECRET"),
			RedirectURL:  appURL + "/callback",
			Endpoint:     provider.Endpoint(),
			// org: the company chosen at sign-in with the roles there;
			// orgs: every company of the person.
			Scopes: []string{oidc.ScopeOpenID, "profile", "org", "orgs"},
		},
		// Checks the signature (Vhod's JWKS), iss, aud = our client ID and exp.
		verifier:   provider.Verifier(&oidc.Config{ClientID: mustEnv("CLIENT_ID")}),
		endSession: extra.EndSession,
		appURL:     appURL,
		acrValues:  os.Getenv("ACR_VALUES"),
		secure:     strings.HasPrefix(appURL, "https://"),
		sessions:   map[string]*session{},
		pending:    map[string]pending{},
	}
	u, err := url.Parse(appURL)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /login", a.login)
	mux.HandleFunc("GET /callback", a.callback)
	mux.HandleFunc("GET /edit", a.edit)
	mux.HandleFunc("POST /logout", a.logout)
	log.Printf("listening at %s", appURL)
	srv := &http.Server{Addr: u.Host, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// login sends the browser to Vhod with a fresh state, nonce and PKCE verifier.
func (a *app) login(w http.ResponseWriter, r *http.Request) {
	state, nonce, verifier := rand.Text(), rand.Text(), oauth2.GenerateVerifier()
	a.mu.Lock()
	for k, p := range a.pending { // forget sign-ins never finished
		if time.Since(p.started) > 10*time.Minute {
			delete(a.pending, k)
		}
	}
	a.pending[state] = pending{nonce: nonce, verifier: verifier, started: time.Now()}
	a.mu.Unlock()
	// The state cookie binds the answer to this browser. SameSite=Lax: the
	// browser comes back from Vhod by a top-level redirect.
	a.setCookie(w, stateCookie, state, 10*time.Minute)
	opts := []oauth2.AuthCodeOption{oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}
	if a.acrValues != "" {
		opts = append(opts, oauth2.SetAuthURLParam("acr_values", a.acrValues))
	}
	http.Redirect(w, r, a.oauth.AuthCodeURL(state, opts...), http.StatusFound)
}

// callback takes the code, checks everything, and starts the app's session.
func (a *app) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	c, err := r.Cookie(stateCookie)
	if err != nil || c.Value != state {
		http.Error(w, "This sign-in was not started in this browser.", http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	p, ok := a.pending[state]
	delete(a.pending, state)
	a.mu.Unlock()
	a.setCookie(w, stateCookie, "", -1)
	if !ok || time.Since(p.started) > 10*time.Minute {
		http.Error(w, "The sign-in expired; start again.", http.StatusBadRequest)
		return
	}
	if e := q.Get("error"); e != "" { // e.g. access_denied when the person refused
		http.Error(w, "Vhod did not sign you in: "+e+" "+q.Get("error_description"), http.StatusForbidden)
		return
	}
	tok, err := a.oauth.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		log.Printf("token exchange: %v", err)
		http.Error(w, "The sign-in failed.", http.StatusBadGateway)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := a.verifier.Verify(r.Context(), raw)
	if err == nil && idt.Nonce != p.nonce {
		err = errors.New("the nonce does not match")
	}
	var s session
	if err == nil {
		err = errors.Join(idt.Claims(&s.claims), idt.Claims(&s.all))
	}
	// Vhod steps a weak session up to what acr_values asks, but the request
	// passed through the browser: check what was actually done.
	if err == nil && a.acrValues != "" && !atLeast(s.claims.ACR, a.acrValues) {
		err = errors.New("the sign-in is weaker than " + a.acrValues + ": " + s.claims.ACR)
	}
	if err != nil {
		log.Printf("ID token: %v", err)
		http.Error(w, "The sign-in could not be verified.", http.StatusUnauthorized)
		return
	}
	s.idToken = raw
	a.setCookie(w, sessionCookie, a.startSession(&s), sessionFor)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// atLeast tells whether the class have is as strong as the class want.
func atLeast(have, want string) bool {
	h, w := slices.Index(acrLevels, have), slices.Index(acrLevels, want)
	return h >= 0 && w >= 0 && h >= w
}

var page = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Go app</title>
{{if .}}<p>Signed in as {{.Claims.Name}}{{with .Claims.Org}} for {{.Name}} (INN {{.INN}}){{end}}.</p>
<p>Roles: {{range .Claims.Roles}}{{.}} {{else}}none{{end}}</p>
<pre id="claims">{{.JSON}}</pre>
<form method="post" action="/logout"><button>Sign out</button></form>
{{else}}<p><a href="/login">Sign in with Vhod</a></p>{{end}}`))

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	s := a.session(r)
	if s == nil {
		_ = page.Execute(w, nil)
		return
	}
	js, _ := json.MarshalIndent(s.all, "", "  ")
	_ = page.Execute(w, struct {
		Claims Claims
		JSON   string
	}{s.claims, string(js)})
}

// edit is a page only for people holding the role "editor" in the company
// they signed in for: roles are the keys of the app's role catalogue in Vhod.
func (a *app) edit(w http.ResponseWriter, r *http.Request) {
	s := a.session(r)
	switch {
	case s == nil:
		http.Redirect(w, r, "/login", http.StatusFound)
	case s.claims.Org == nil || !slices.Contains(s.claims.Roles, "editor"):
		http.Error(w, "Only editors may edit.", http.StatusForbidden)
	default:
		w.Write([]byte("Editing for " + s.claims.Org.Name + ".\n"))
	}
}

// logout ends the app's session, then Vhod's: the ID token as id_token_hint
// lets Vhod sign out without asking, and send the browser back to the app.
// A POST, so that another site cannot sign the person out with a link.
func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	s := a.session(r)
	if c, err := r.Cookie(sessionCookie); err == nil {
		a.mu.Lock()
		delete(a.sessions, c.Value)
		a.mu.Unlock()
	}
	a.setCookie(w, sessionCookie, "", -1)
	if s == nil || a.endSession == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	q := url.Values{"id_token_hint": {s.idToken}, "post_logout_redirect_uri": {a.appURL + "/"}}
	http.Redirect(w, r, a.endSession+"?"+q.Encode(), http.StatusSeeOther)
}

// startSession keeps s for sessionFor under a new random ID, which it
// returns for the cookie, and forgets sessions that have expired.
func (a *app) startSession(s *session) string {
	id := rand.Text()
	now := time.Now()
	s.expires = now.Add(sessionFor)
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, old := range a.sessions {
		if now.After(old.expires) {
			delete(a.sessions, k)
		}
	}
	a.sessions[id] = s
	return id
}

// session is the browser's session, or nil when it has none or it expired.
func (a *app) session(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.sessions[c.Value]
	if s != nil && time.Now().After(s.expires) {
		delete(a.sessions, c.Value)
		return nil
	}
	return s
}

func (a *app) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteLaxMode})
}

func mustEnv(name string) string {
	v := os.Getenv(name)
	if v == "" {
		log.Fatalf("set %s", name)
	}
	return v
}
