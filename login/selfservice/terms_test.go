package selfservice

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// With the service's terms linked (registration.terms_url), sign-up asks to
// accept them too: the tick is required, refused at its field when missing
// (with the other refusals at once), and stored and audited as a consent of
// its own. Without the link nothing is asked.
func TestRegistrationAsksForTheTerms(t *testing.T) {
	e := newEnv(t, nil, func(c *Config) { c.TermsURL = "https://shop.example/offer" })
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			b := e.Browser()
			b.Lang = lang
			ar := e.AuthRequest(b, "portal", func(ar *storage.AuthRequest) { ar.UILocales = []string{lang} })
			p := b.Get("/register" + q(ar))
			rp := flowPathOf(p.Location)
			first := b.Follow(p)
			for _, want := range []string{`href="https://shop.example/offer"`, e.Text(lang, "kit.terms_link"), e.Text(lang, "kit.terms_consent"), `name="consent_terms"`} {
				if !first.Has(want) {
					t.Errorf("first form lacks %q", want)
				}
			}
			id := fmt.Sprintf("+7902%07d", next())
			form := registrationForm(id)
			form.Del("consent_pd")
			refused := b.Post(rp+"/send"+q(ar), form)
			if refused.Status != http.StatusBadRequest || fieldError(refused, "consent_terms") != e.Text(lang, "kit.terms_required") ||
				fieldError(refused, "consent_pd") != e.Text(lang, "register.consent_required") {
				t.Fatalf("without the ticks: %v", refused)
			}
			form.Set("consent_pd", "yes")
			form.Set("consent_terms", "yes")
			if sent := b.Post(rp+"/send"+q(ar), form); sent.Status != http.StatusOK {
				t.Fatalf("with the ticks: %v", sent)
			}
			if p := b.Post(rp+"/confirm"+q(ar), url.Values{"code": {codeIn(t, e.WaitSMS(id).Text)}}); !strings.HasPrefix(p.Location, "/callback") {
				t.Fatalf("confirm: %v", p)
			}
			u, err := e.Dir.UserByLogin(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]string{}
			for _, c := range u.Consents {
				kinds[c.Kind] = c.Version
			}
			if _, ok := kinds[ConsentTerms]; !ok || len(kinds) != 3 {
				t.Errorf("consents %+v", u.Consents)
			}
			if !e.HasAudit(u.ID, directory.EventConsent, directory.OutcomeSuccess, map[string]string{"kind": ConsentTerms}) {
				t.Error("the terms' acceptance not audited")
			}
		})
	}
	// Not linked: not asked, and sign-up goes on without it.
	plain := newEnv(t, nil, nil)
	b := plain.Browser()
	ar := plain.AuthRequest(b, "portal", nil)
	p := b.Get("/register" + q(ar))
	rp := flowPathOf(p.Location)
	if form := b.Follow(p); form.Status != http.StatusOK || form.Has("consent_terms") {
		t.Fatalf("without terms_url: %v", form)
	}
	if sent := b.Post(rp+"/send"+q(ar), registrationForm(fmt.Sprintf("+7902%07d", next()))); sent.Status != http.StatusOK {
		t.Fatalf("without terms_url, sent: %v", sent)
	}
}
