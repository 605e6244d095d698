package selfservice

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/storage"
)

// fieldError finds the refusal shown at a field (its id-error paragraph).
func fieldError(p page, field string) string {
	m := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(field) + `-error">([^<]*)</p>`).FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	return m[1]
}

// The sign-up form says its rules before any error, links the consent to the
// policy, and refuses everything wrong at once, each at its field, keeping
// the ticks and (when it was not refused) the password.
func TestRegistrationFormHelps(t *testing.T) {
	e := newEnv(t, nil, func(c *Config) { c.PrivacyPolicyURL = "https://shop.example/privacy" })
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			b := e.Browser()
			b.Lang = lang
			ar := e.AuthRequest(b, "portal", func(ar *storage.AuthRequest) { ar.UILocales = []string{lang} })
			p := b.Get("/register" + q(ar))
			rp := flowPathOf(p.Location)
			first := b.Follow(p)
			for _, want := range []string{e.Text(lang, "forms.register.password_rules", "Min", "8"), `href="https://shop.example/privacy"`,
				e.Text(lang, "forms.register.policy_link"), e.Text(lang, "forms.required_note"), `class="req"`} {
				if !first.Has(want) {
					t.Errorf("first form lacks %q", want)
				}
			}
			if first.Has("field-error") || first.Has(`class="alert"`) {
				t.Error("errors before any submit")
			}

			// Three things wrong: all three said, each at its field; news stays ticked.
			all := b.Post(rp+"/send"+q(ar), url.Values{"identifier": {"just-a-login"}, "password": {"Fr3sh-account-pw"}, "repeat": {"other"}, "consent_news": {"yes"}})
			if all.Status != http.StatusBadRequest {
				t.Fatalf("refused form: %v", all)
			}
			for field, key := range map[string]string{"identifier": "recovery.invalid", "repeat": "pwchange.mismatch", "consent_pd": "register.consent_required"} {
				if got := fieldError(all, field); got != e.Text(lang, key) {
					t.Errorf("%s: %q, want %q", field, got, e.Text(lang, key))
				}
			}
			if fieldError(all, "password") != "" || !all.Has(`value="just-a-login"`) || !regexp.MustCompile(`name="consent_news" value="yes"\s*checked`).MatchString(all.Body) {
				t.Errorf("typed or ticked lost: %v", all)
			}
			if strings.Contains(all.Body, `value="Fr3sh-account-pw"`) {
				t.Error("passwords that did not match were kept")
			}

			// Only the identifier wrong: the consent stays ticked and the good password stays.
			one := b.Post(rp+"/send"+q(ar), url.Values{"identifier": {"just-a-login"}, "password": {"Fr3sh-account-pw"}, "repeat": {"Fr3sh-account-pw"}, "consent_pd": {"yes"}})
			if fieldError(one, "identifier") == "" || fieldError(one, "consent_pd") != "" || fieldError(one, "repeat") != "" {
				t.Errorf("one error: %v", one)
			}
			if !regexp.MustCompile(`name="consent_pd" value="yes" required checked`).MatchString(one.Body) || strings.Count(one.Body, `value="Fr3sh-account-pw"`) != 2 {
				t.Errorf("consent or password not kept: %s", one.Body)
			}

			// A password under the policy is said at the password, and not kept.
			weak := b.Post(rp+"/send"+q(ar), url.Values{"identifier": {fmt.Sprintf("f%d@example.com", next())}, "password": {"short"}, "repeat": {"short"}, "consent_pd": {"yes"}})
			if got := fieldError(weak, "password"); got != e.Text(lang, "pwchange.too_short", "Min", "8") || strings.Contains(weak.Body, `value="short"`) {
				t.Errorf("weak password: %q", got)
			}
			// Fixed: the code is sent.
			id := fmt.Sprintf("g%d@example.com", next())
			if ok := b.Post(rp+"/send"+q(ar), url.Values{"identifier": {id}, "password": {"Fr3sh-account-pw"}, "repeat": {"Fr3sh-account-pw"}, "consent_pd": {"yes"}}); ok.Status != http.StatusOK {
				t.Errorf("fixed form: %v", ok)
			}
			e.WaitEmail(id)
		})
	}
}

// With phones only, the identifier's refusal asks for a phone number.
func TestRegistrationPhoneOnly(t *testing.T) {
	e := newEnv(t, nil, func(c *Config) { c.Email = nil })
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	_, p := startRegistration(t, b, ar, registrationForm("someone@example.com"))
	if got := fieldError(p, "identifier"); got != e.Text("en", "forms.register.phone_only") {
		t.Errorf("phone only: %q", got)
	}
}

// The sample policy exists only where it is turned on (vhod dev).
func TestSamplePolicy(t *testing.T) {
	on := newEnv(t, nil, func(c *Config) { c.SamplePolicy, c.PrivacyPolicyURL = true, SamplePolicyPath })
	for _, lang := range []string{"ru", "en"} {
		b := on.Browser()
		b.Lang = lang
		p := b.Get(SamplePolicyPath)
		if p.Status != http.StatusOK || !p.Has(on.Text(lang, "forms.privacy.title")) || !p.Has(on.Text(lang, "forms.privacy.sample")) {
			t.Errorf("%s sample policy: %v", lang, p)
		}
	}
	off := newEnv(t, nil, nil)
	if p := off.Browser().Get(SamplePolicyPath); p.Status != http.StatusNotFound {
		t.Errorf("sample policy outside dev: %v", p)
	}
}
