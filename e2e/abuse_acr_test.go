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

// TestDeviceApprovalMeetsTheClientMinimum: a device app whose client accepts
// only certificate sign-ins is not approved by a password session: the device
// decision is one of the ways a sign-in answers a client, and min_acr holds there.
func TestDeviceApprovalMeetsTheClientMinimum(t *testing.T) {
	cfg := strings.Replace(deviceConfig(), "      name: Smart TV\n", "      name: Smart TV\n      min_acr: urn:vhod:acr:certificate\n", 1)
	srv := startServer(t, cfg)
	resp, d := call(t, http.MethodPost, srv.Issuer+"/device_authorization", url.Values{"client_id": {"tv"}, "scope": {"openid"}}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("device authorization: %d %v", resp.StatusCode, d)
	}
	b := rptest.NewBrowser("")
	b.Lang = "en"
	p := mustGet(t, b, d["verification_uri_complete"].(string))
	p = mustSubmit(t, b, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	p = mustSubmit(t, b, p, "/device", url.Values{"user_code": {d["user_code"].(string)}})
	p = mustSubmit(t, b, p, "/device", url.Values{"decision": {"allow"}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "accepts only a stronger sign-in") {
		t.Fatalf("a password session approved a certificate-only device app: %d %.400s", p.Status, p.Body)
	}
	resp, out := call(t, http.MethodPost, srv.Issuer+"/oauth/token", url.Values{"grant_type": {grantDeviceCode},
		"device_code": {d["device_code"].(string)}, "client_id": {"tv"}}, nil)
	if resp.StatusCode != http.StatusBadRequest || out["error"] != "authorization_pending" {
		t.Fatalf("the device poll after a refused approval: %d %v", resp.StatusCode, out)
	}
}
