package console

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// TestConsoleInWords: a person's page shows sessions with the time in the
// pages' zone (Moscow), the assurance level and the browser in words, and the
// SNILS written out; the companies list shows statuses in words, in Russian
// and English. No raw value of those is left on the pages.
func TestConsoleInWords(t *testing.T) {
	ts := newTestServer(t)
	ts.user("op", storage.AuthorityOperator)
	ts.signIn("op")
	u := storage.User{ID: "sidorova", Login: "sidorova", FamilyName: "Сидорова", GivenName: "Анна", SNILS: "11223344595"}
	if err := ts.st.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 4, 22, 30, 0, 0, time.UTC) // 5 Dec 01:30 in Moscow
	if err := ts.st.CreateSession(t.Context(), storage.Session{ID: "h-s1", SID: "s1", UserID: u.ID, AuthTime: at, CreatedAt: at,
		ExpiresAt: time.Now().Add(time.Hour), ACR: "urn:vhod:acr:qualified-certificate", AMR: []string{"swk"},
		UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"}); err != nil {
		t.Fatal(err)
	}
	if err := ts.st.CreateOrganisation(t.Context(), storage.Organisation{ID: "o1", Kind: storage.OrgLegalEntity, Name: "ООО «Ромашка»",
		INN: "7728824599", KPP: "772801001", Status: storage.OrgSuspended}); err != nil {
		t.Fatal(err)
	}
	for lang, texts := range map[string][]string{
		"ru": {"Вход 05.12.2026 01:30: квалифицированная электронная подпись", "Chrome 131 на Windows", "СНИЛС 112-233-445\u00a095",
			"ООО\u00a0«Ромашка»", "Приостановлена"},
		"en": {"Signed in Dec 5, 2026, 1:30\u202fAM: qualified electronic signature", "Chrome 131 on Windows", "SNILS 112-233-445\u00a095",
			"Suspended"},
	} {
		var body string
		for _, path := range []string{"/console/users/sidorova", "/console/organisations"} {
			req, _ := http.NewRequest(http.MethodGet, ts.srv.URL+path, nil)
			req.Header.Set("Accept-Language", lang)
			code, page := ts.do(req)
			if code != http.StatusOK {
				t.Fatalf("%s %s: %d", lang, path, code)
			}
			body += page
		}
		for _, s := range texts {
			if !strings.Contains(body, s) {
				t.Errorf("%s: no %q in %s", lang, s, body)
			}
		}
		for _, raw := range []string{"urn:vhod:acr", "Mozilla/5.0", "2026-12-0", "> suspended", "· suspended"} {
			if strings.Contains(body, raw) {
				t.Errorf("%s: raw %q on the page", lang, raw)
			}
		}
	}
}
