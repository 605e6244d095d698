package account

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
	"github.com/vhod-id/vhod/directory"
)

func TestDNValue(t *testing.T) {
	dn := `CN=ООО «Ромашка\, и Ко»,O=ООО «Ромашка»,STREET=ул. Тверская\, д. 7,SNILS=56559136127`
	for key, want := range map[string]string{"CN": "ООО «Ромашка, и Ко»", "O": "ООО «Ромашка»", "STREET": "ул. Тверская, д. 7",
		"SNILS": "56559136127", "OU": dn} {
		if got := dnValue(dn, key); got != want {
			t.Errorf("dnValue(%s) = %q, want %q", key, got, want)
		}
	}
}

// Linking a certificate is a certificate sign-in through the account client;
// removing one needs a fresh sign-in, is audited and told to the owner; a
// company its certificate names is offered on the company list.
func TestAccountCertificates(t *testing.T) {
	root := certtest.NewRoot(t, certtest.Options{CommonName: "Test CA"})
	verifier := certauth.New(certauth.Config{Anchors: []certauth.Anchor{{Cert: root.Cert}}})
	ts := newTestServer(t, func(c *Config) { c.Verifier = verifier })
	p := ts.get("/account/certificate")
	if p.code != http.StatusSeeOther || !strings.HasPrefix(p.location, "/authorize?") {
		t.Fatalf("link: %d %s", p.code, p.location)
	}
	q, _ := url.ParseQuery(strings.TrimPrefix(p.location, "/authorize?"))
	if q.Get("state") != "certificate" || q.Get("prompt") != "login" || q.Get("acr_values") != directory.ACRCertificate {
		t.Fatalf("sign-in asked: %v", q)
	}
	leaf, _ := root.Leaf(t, certtest.Options{CommonName: "Иванов Иван", Names: []pkix.AttributeTypeAndValue{
		{Type: asn1.ObjectIdentifier{1, 2, 643, 100, 4}, Value: "7728824599"}, {Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "ООО «Ромашка»"}}})
	if err := ts.dir.BindCertificate(t.Context(), ts.user.ID, leaf, false); err != nil {
		t.Fatal(err)
	}
	fp := certauth.Fingerprint(leaf)
	ts.get("/account").has(t, "Иванов Иван", "Test CA")
	ts.get("/account/companies").has(t, "/account/companies/register?inn=7728824599")
	// A stale session signs in again first; the removal waits and is done on return.
	ts.signIn(ts.user.ID, time.Hour)
	confirmed := ts.asks("/account/certificate/remove", url.Values{"sha256": {fp}}, "Unlink the certificate?", "“Иванов Иван” will be unlinked")
	if u, _ := ts.dir.UserByID(t.Context(), ts.user.ID); len(u.Certificates) != 1 {
		t.Fatal("unlinked before the confirmation")
	}
	p = ts.post("/account/certificate/remove", confirmed)
	if p.code != http.StatusSeeOther {
		t.Fatalf("stale remove: %d", p.code)
	}
	q, _ = url.ParseQuery(strings.TrimPrefix(p.location, "/authorize?"))
	ts.signIn(ts.user.ID, 0)
	if p := ts.get("/account/callback?code=c&state=" + url.QueryEscape(q.Get("state"))); p.code != http.StatusOK {
		t.Fatalf("resume: %d", p.code)
	}
	if u, _ := ts.dir.UserByID(t.Context(), ts.user.ID); len(u.Certificates) != 0 {
		t.Fatalf("certificates %+v", u.Certificates)
	}
	if !ts.audited(directory.EventCertificateUnbound, directory.OutcomeSuccess) {
		t.Fatal("not audited")
	}
	if p := ts.post("/account/certificate/remove", url.Values{"sha256": {fp}, "confirm": {"1"}}); p.code != http.StatusNotFound {
		t.Fatalf("remove again: %d", p.code)
	}
	// A stale session linking one signs in again too.
	ts.signIn(ts.user.ID, time.Hour)
	if p := ts.get("/account/certificate"); !strings.Contains(p.location, "state=reauth") {
		t.Fatalf("stale link: %s", p.location)
	}
}

// Without a trusted CA the certificate pages are not there.
func TestAccountCertificatesOff(t *testing.T) {
	ts := newTestServer(t, nil)
	if p := ts.get("/account/certificate"); p.code != http.StatusNotFound {
		t.Fatalf("%d", p.code)
	}
}
