package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/rptest"
	"github.com/vhod-id/vhod/storage"
)

// A company asking for a passkey or a certificate, through the binary: a
// member with an authenticator app and a bound certificate is not offered the
// app's code (nor a recovery code) when choosing it, but the certificate
// sign-in in the same flow, after which the app gets the company chosen with
// acr certificate; or the member goes on without the company, and the app
// gets none.
func TestSecondFactorPageFollowsTheCompanyPolicy(t *testing.T) {
	corp := newCorpPKI(t)
	cfg := strings.Replace(certConfig(t, corp, ""), "      access_token_format: jwt\n      first_party: true\n",
		"      access_token_format: jwt\n      first_party: true\n      scopes: [org, orgs]\n", 1)
	cfg = strings.Replace(cfg, "  users:\n", orgConfig+"  users:\n", 1)
	w := startFactorsWorldWith(t, cfg)
	org, err := w.st.OrganisationByID(t.Context(), "vasilek")
	if err != nil {
		t.Fatal(err)
	}
	org.SignInPolicy = storage.OrgSignInPasskeyOrCertificate
	if _, err := w.st.UpdateOrganisation(t.Context(), org); err != nil {
		t.Fatal(err)
	}
	en, err := w.f.EnrolTOTP(t.Context(), w.u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.f.ConfirmTOTP(t.Context(), tester, w.u.ID, totpCode(t, en.Secret, time.Now().Add(-30*time.Second))); err != nil {
		t.Fatal(err)
	}
	leaf, keyFile, certFile := corp.person(t, "Иванов Иван")
	if err := w.st.BindCertificate(t.Context(), w.u.ID, storage.BoundCertificate{CertificateRef: directory.CertificateRef(leaf), BoundAt: time.Now()}, "", ""); err != nil {
		t.Fatal(err)
	}
	shop := newRP(t, w.srv, "shop", "shop-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "org")

	// step signs in with the password, chooses Василёк and returns the
	// second-factor page it leads to.
	step := func() (*rptest.Browser, authorization, *rptest.Page) {
		t.Helper()
		b := rptest.NewBrowser("http://127.0.0.1:8765/")
		b.Lang = "en"
		a := shop.authorization()
		p := mustSubmit(t, b, mustGet(t, b, a.URL), "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
		if !strings.Contains(p.Body, `value="vasilek"`) || strings.Contains(p.Body, `value="vasilek" disabled`) {
			t.Fatalf("the company is not offered: %.1500s", p.Body)
		}
		p = mustSubmit(t, b, p, "/org", url.Values{"org": {"vasilek"}})
		if p.Location != "" || !strings.Contains(p.Body, "accepts only a sign-in with a passkey or a certificate") {
			t.Fatalf("not stepped up for the company's policy: %s %.1500s", p.Location, p.Body)
		}
		for _, never := range []string{"Code from your authenticator app", "/second-factor/totp", "/second-factor/recovery", "recovery code"} {
			if strings.Contains(p.Body, never) {
				t.Fatalf("the page offers %q, which cannot meet the company's policy: %.2000s", never, p.Body)
			}
		}
		for _, want := range []string{"Sign in with a certificate (electronic signature)", "Continue without the company"} {
			if !strings.Contains(p.Body, want) {
				t.Fatalf("the page lacks %q: %.2000s", want, p.Body)
			}
		}
		return b, a, p
	}

	// The certificate in the same flow: the app gets Василёк.
	b, a, p := step()
	p = mustSubmit(t, b, p, "/second-factor/certificate", nil)
	if !strings.Contains(p.URL.Path, "/certificate") || !challengeRe.MatchString(p.Body) {
		t.Fatalf("not at the certificate page: %s %.800s", p.URL, p.Body)
	}
	p = mustSubmit(t, b, p, "/certificate", url.Values{"signature": {vhodSign(t, p, keyFile, certFile, "")}})
	if p.Location == "" {
		t.Fatalf("the certificate did not sign in: %d %.1500s", p.Status, p.Body)
	}
	_, idt, claims := shop.exchange(a, shop.code(a, mustParse(t, p.Location)))
	if id, _ := orgOf(claims); id != "vasilek" || idt.Subject != w.u.ID || claims["acr"] != directory.ACRCertificate {
		t.Fatalf("after the certificate: %v", claims)
	}

	// Without the company: the app gets none.
	b, a, p = step()
	p = mustSubmit(t, b, p, "/second-factor/without", nil)
	if p.Location == "" {
		t.Fatalf("not answered without the company: %d %.1500s", p.Status, p.Body)
	}
	_, idt, claims = shop.exchange(a, shop.code(a, mustParse(t, p.Location)))
	if id, _ := orgOf(claims); id != "" || idt.Subject != w.u.ID {
		t.Fatalf("without the company: %v", claims)
	}
}
