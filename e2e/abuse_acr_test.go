package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// TestAbuseMinACRNotBypassedByPassword (issue 16 item 11, the class of "min_acr
// dropped"): a client that accepts only qualified certificates sends the person
// to the certificate page, but the password form of the same flow can still be
// posted. The sign-in it makes must not answer that client.
func TestAbuseMinACRNotBypassedByPassword(t *testing.T) {
	corp := newCorpPKI(t)
	srv := startServer(t, certConfig(t, corp, ""))
	gov := newRP(t, srv, "gov", "gov-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "ru_ids")
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	b.Lang = "en"
	p, err := b.Get(gov.authorization().URL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.URL.Path, "/certificate") {
		t.Fatalf("not sent to the certificate page: %s", p.URL)
	}
	// The certificate form's action, turned into the same flow's password form.
	action := regexp.MustCompile(`action="(/login/[^/"]+)/certificate\?`)
	if !action.MatchString(p.Body) {
		t.Fatalf("no certificate form: %.500s", p.Body)
	}
	p.Body = action.ReplaceAllString(p.Body, `action="$1/password?`)
	p, err = b.Submit(p, "/password?", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.Location, "/authorize/callback") || strings.Contains(p.Location, "code=") {
		t.Fatalf("a password sign-in answered a client that needs a qualified certificate: %s", p.Location)
	}
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "accepts only a stronger sign-in") {
		t.Fatalf("status %d, %.600s", p.Status, p.Body)
	}
}
