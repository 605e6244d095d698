package certificate

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/login"
)

// TestConfirmationInWords: the confirmation after a certificate is read shows
// the SNILS as 123-456-789 01, the company with a non-breaking space after
// its legal form, and the end date in the configured zone, in each language,
// with no raw value or message key left.
func TestConfirmationInWords(t *testing.T) {
	vladivostok, err := time.LoadLocation("Asia/Vladivostok")
	if err != nil {
		t.Fatal(err)
	}
	root := certtest.NewRoot(t, certtest.Options{CommonName: "Test CA"})
	v := certauth.New(certauth.Config{Anchors: []certauth.Anchor{{Cert: root.Cert}}})
	e := newEnv(t, func(c *login.Config) { c.TimeZone = vladivostok }, Config{Verifier: v})
	// 20:30 UTC on 30 Jun 2027 is already 1 Jul in Vladivostok.
	notAfter := time.Date(2027, 6, 30, 20, 30, 0, 0, time.UTC)
	leaf, key := root.Leaf(t, certtest.Options{CommonName: "Сидорова Анна", NotAfter: notAfter, Names: []pkix.AttributeTypeAndValue{
		{Type: asn1.ObjectIdentifier{1, 2, 643, 100, 3}, Value: "12345678964"},
		{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "ООО «Ромашка»"},
	}})
	for lang, date := range map[string]string{"ru": "01.07.2027", "en": "Jul 1, 2027"} {
		t.Run(lang, func(t *testing.T) {
			b := e.Browser()
			b.Lang = lang
			ar := e.AuthRequest(b, "portal", nil)
			fp, _ := b.Start(ar)
			sig := signChallenge(t, e, b, fp, ar, leaf, key)
			p := b.Post(fp+"/certificate"+q(ar), url.Values{"signature": {sig}})
			if p.Status != http.StatusSeeOther {
				t.Fatalf("signature: %v", p)
			}
			confirm := b.Follow(p)
			for _, want := range []string{"123-456-789\u00a064", "ООО\u00a0«Ромашка»", date, e.Text(lang, "cert.field.snils"), e.Text(lang, "cert.confirm_title")} {
				if !confirm.Has(want) {
					t.Errorf("the page lacks %q: %s", want, confirm.Body)
				}
			}
			for _, raw := range []string{"12345678964", "2027-06-30", "2027-07-01", "cert.field", "cert.confirm"} {
				if strings.Contains(confirm.Body, raw) {
					t.Errorf("raw %q on the page", raw)
				}
			}
		})
	}
}
