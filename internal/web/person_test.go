package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestPersonLanguage(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/account", nil)
	if got := PersonLanguage(r, "en").String(); got != "en" {
		t.Fatalf("stored locale: %s", got)
	}
	r.Header.Set("Accept-Language", "ru")
	if got := PersonLanguage(r, "en").String(); got != "ru" {
		t.Fatalf("the browser's language first: %s", got)
	}
	r = httptest.NewRequest(http.MethodGet, "/account?ui_locales=en", nil)
	if got := PersonLanguage(r, "ru").String(); got != "en" {
		t.Fatalf("ui_locales first: %s", got)
	}
}

func TestSignIn(t *testing.T) {
	rec := httptest.NewRecorder()
	SignIn(rec, httptest.NewRequest(http.MethodGet, "/account?ui_locales=en", nil), "https://id.example", "vhod-account", "reauth:f1",
		url.Values{"prompt": {"login"}})
	loc := rec.Header().Get("Location")
	q, _ := url.ParseQuery(strings.TrimPrefix(loc, "/authorize?"))
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/authorize?") || q.Get("client_id") != "vhod-account" ||
		q.Get("redirect_uri") != "https://id.example/account/callback" || q.Get("state") != "reauth:f1" || q.Get("prompt") != "login" ||
		q.Get("ui_locales") != "en" || q.Get("response_type") != "code" || q.Get("scope") != "openid" {
		t.Fatalf("%d %s", rec.Code, loc)
	}
}

type limitsFunc func(ctx context.Context, channel, to string) (context.Context, error)

func (f limitsFunc) Check(ctx context.Context, channel, to string) (context.Context, error) {
	return f(ctx, channel, to)
}

type countedKey struct{}

func TestCheckSend(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	if got, err := CheckSend(r, nil, "email", "a@example.com"); err != nil || got != r {
		t.Fatal("no limits changed the request")
	}
	counted := limitsFunc(func(ctx context.Context, _, _ string) (context.Context, error) {
		return context.WithValue(ctx, countedKey{}, true), nil
	})
	if got, err := CheckSend(r, counted, "email", "a@example.com"); err != nil || got.Context().Value(countedKey{}) != true {
		t.Fatal("the count does not go with the request")
	}
	refused := errors.New("limited")
	if _, err := CheckSend(r, limitsFunc(func(ctx context.Context, _, _ string) (context.Context, error) { return ctx, refused }), "sms", "+7"); err != refused {
		t.Fatalf("refusal: %v", err)
	}
}

func TestNextPageURL(t *testing.T) {
	if got := NextPageURL("/x", "cursor", "", nil); got != "" {
		t.Fatalf("last page: %q", got)
	}
	if got := NextPageURL("/x", "cursor", "c2", url.Values{"q": {"a b"}, "empty": {""}}); got != "/x?cursor=c2&q=a+b" {
		t.Fatalf("%q", got)
	}
}
