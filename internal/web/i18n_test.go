package web

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Every key of every catalog exists in every other catalog.
func TestCatalogsHaveTheSameKeys(t *testing.T) {
	keys := map[string][]string{}
	for _, tag := range Languages {
		b, err := localeFS.ReadFile("locales/" + tag.String() + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage // a text, or plural forms
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		keys[tag.String()] = slices.Sorted(maps.Keys(m))
	}
	ref := keys[Languages[0].String()]
	for lang, k := range keys {
		if !slices.Equal(k, ref) {
			t.Errorf("%s keys differ from %s:\n%v\n%v", lang, Languages[0], k, ref)
		}
	}
}

func TestPickLanguage(t *testing.T) {
	for _, tc := range []struct {
		name, accept, query string
		ui                  []string
		want                string
	}{
		{name: "default is Russian", want: "ru"},
		{name: "ui_locales wins", accept: "ru", ui: []string{"en"}, want: "en"},
		{name: "accept-language", accept: "en-GB,en;q=0.9", want: "en"},
		{name: "unsupported falls back", accept: "de-DE", want: "ru"},
		{name: "query ui_locales", query: "en", want: "en"},
		{name: "garbage", accept: "\x00;;q=x", ui: []string{"%%"}, want: "ru"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/?ui_locales="+url.QueryEscape(tc.query), nil)
			r.Header.Set("Accept-Language", tc.accept)
			if got := PickLanguage(r, tc.ui).String(); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// FuzzPickLanguage: Accept-Language and ui_locales come from anybody.
func FuzzPickLanguage(f *testing.F) {
	f.Add("en-US,en;q=0.9", "ru en")
	f.Add("*", "")
	f.Fuzz(func(t *testing.T, accept, ui string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Language", accept)
		got := PickLanguage(r, strings.Fields(ui))
		if !slices.Contains(Languages, got) {
			t.Fatalf("picked %s, not a page language", got)
		}
	})
}
