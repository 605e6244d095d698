package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/text/language"
)

// TestFramedPages: with a Framer that finds a person, the error, missing and
// confirmation pages are drawn in the wide frame (header with the person's
// name and "Sign out", navigation); without one they are the centred card.
func TestFramedPages(t *testing.T) {
	cat, err := NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	newRenderer := func() *Renderer {
		p, err := NewRenderer(cat, slog.New(slog.DiscardHandler), fstest.MapFS{}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	signedIn := func(r *http.Request, tr Translator) *Shell {
		if r.Header.Get("X-Test-Person") == "" {
			return nil // nobody signed in
		}
		s := &Shell{Person: r.Header.Get("X-Test-Person"), Label: tr.T("console.title")}
		s.Link("/console", tr.T("console.title"), false)
		return s
	}
	pages := map[string]func(p *Renderer, w http.ResponseWriter, r *http.Request){
		"error": func(p *Renderer, w http.ResponseWriter, r *http.Request) {
			p.Fail(w, r, language.English, &UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: errors.New("x")})
		},
		"missing": func(p *Renderer, w http.ResponseWriter, r *http.Request) {
			p.Missing(http.StatusNotFound).ServeHTTP(w, r)
		},
		"confirmation": func(p *Renderer, w http.ResponseWriter, r *http.Request) {
			p.Confirmed(w, r, language.English, Confirmation{Key: "confirm.client_delete", Args: []string{"Client", "Shop"}, Cancel: "/console/clients/shop"})
		},
	}
	for name, draw := range pages {
		for _, tc := range []struct {
			name, person string
			framer       Framer
			framed       bool
		}{
			{name: "signed in", person: "Иванов Иван", framer: signedIn, framed: true},
			{name: "nobody signed in", framer: signedIn},
			{name: "no framer (sign-in pages)", person: "Иванов Иван"},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				p := newRenderer()
				if tc.framer != nil {
					p.SetFramer(tc.framer)
				}
				r := httptest.NewRequest(http.MethodPost, "/console/clients/shop/delete", strings.NewReader(""))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Accept-Language", "en")
				if tc.person != "" {
					r.Header.Set("X-Test-Person", tc.person)
				}
				w := httptest.NewRecorder()
				draw(p, w, r)
				body := w.Body.String()
				wide := strings.Contains(body, `<body class="wide">`) && strings.Contains(body, "<summary>Иванов Иван</summary>") &&
					strings.Contains(body, `action="/sign-out"`) && strings.Contains(body, `<nav class="sections"`)
				card := strings.Contains(body, `<main class="card">`)
				if wide != tc.framed || card == tc.framed {
					t.Fatalf("framed %v, card %v, want framed %v: %s", wide, card, tc.framed, body)
				}
			})
		}
	}
}
