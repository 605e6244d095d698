package certauth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/fixtures"
)

// fixtureTransport serves the fixtures' CRLs at the URLs their certificates name
// (http://pki.test-ca.example/<hier>/int-ca.crl) and fails everything else, OCSP
// included: the fixtures have no responder.
type fixtureTransport struct{ dir string }

func (f fixtureTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == "pki.test-ca.example" && strings.HasSuffix(r.URL.Path, ".crl") {
		b, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(strings.TrimPrefix(r.URL.Path, "/"))+".der"))
		if err == nil {
			return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader(b)), Request: r}, nil
		}
	}
	return nil, errors.New("unreachable in tests")
}

// fixtureVerifier trusts the three fixture roots (the GOST one as accredited)
// and fetches CRLs through fixtureTransport. The fixtures' signing times lie in
// the past, so the age limit is lifted.
func fixtureVerifier(t testing.TB) *Verifier {
	dir := fixtures.Dir(t)
	var anchors []Anchor
	for _, hier := range []string{"gost", "ecdsa", "rsa"} {
		a, err := LoadAnchors(filepath.Join(dir, hier, "root-ca.crt.pem"), hier == "gost")
		if err != nil {
			t.Fatal(err)
		}
		anchors = append(anchors, a...)
	}
	return New(Config{Anchors: anchors, FetchCRL: true, OCSP: true,
		HTTPClient:      &http.Client{Transport: fixtureTransport{dir}},
		MaxSignatureAge: 100 * 365 * 24 * time.Hour})
}

// Every vector of ../shared/fixtures/cms gives the result its README states.
func TestFixtureSignatures(t *testing.T) {
	v := fixtureVerifier(t)
	challenge := fixtures.Read(t, "cms/challenge.txt")
	utf16 := fixtures.Read(t, "cms/challenge.utf16le.bin")
	if !bytes.Equal(ChallengeContents(string(challenge))[1], utf16) {
		t.Fatal("ChallengeContents' UTF-16LE differs from the plug-in's")
	}
	candidates := ChallengeContents(string(challenge))
	valid := []string{}
	for _, hier := range []string{"gost", "ecdsa", "rsa"} {
		for _, who := range []string{"director", "ip", "employee"} {
			for _, kind := range []string{"detached", "attached"} {
				for _, ext := range []string{"der", "pem", "b64"} {
					valid = append(valid, hier+"-"+who+"-"+kind+"."+ext)
				}
			}
		}
	}
	valid = append(valid, "gost-director-detached.crlf.b64", "gost-director-attached-ber.der",
		"gost-director-detached-noattrs.der", "gost-director-detached-keyid.der", "gost-director-detached-utf16le.der")
	for _, ps := range []string{"gost256-A", "gost256-B", "gost256-C", "gost256-XA", "gost256-XB",
		"gost256-TCA", "gost256-TCB", "gost256-TCC", "gost256-TCD", "gost512-A", "gost512-B", "gost512-C"} {
		valid = append(valid, "gost-ps-"+ps+"-detached.der")
	}
	for _, name := range valid {
		t.Run(name, func(t *testing.T) {
			s, err := v.VerifyCMS(context.Background(), fixtures.Read(t, "cms/"+name), candidates)
			if err != nil {
				t.Fatal(err)
			}
			wantQualified := strings.HasPrefix(name, "gost")
			if s.Qualified != wantQualified {
				t.Errorf("qualified = %v, want %v", s.Qualified, wantQualified)
			}
			if len(s.Chain) != 3 {
				t.Errorf("chain of %d", len(s.Chain))
			}
			if strings.Contains(name, "utf16le") != bytes.Equal(s.Content, utf16) {
				t.Errorf("matched content %q", s.Content)
			}
		})
	}

	refused := map[string]Reason{
		"gost-director-detached-tampered.der": ReasonBadSignature,
		"gost-revoked-detached.der":           ReasonRevoked,
		"ecdsa-revoked-detached.der":          ReasonRevoked,
		"rsa-revoked-detached.der":            ReasonRevoked,
		"gost-expired-detached.der":           ReasonExpired,
		"gost-director-detached-nocerts.der":  ReasonSignerNotFound,
	}
	for name, want := range refused {
		t.Run(name, func(t *testing.T) {
			_, err := v.VerifyCMS(context.Background(), fixtures.Read(t, "cms/"+name), candidates)
			if got := ReasonOf(err); got != want {
				t.Fatalf("reason %q (%v), want %q", got, err, want)
			}
		})
	}
}

// The signature without certificates verifies when the server knows the signer.
func TestFixtureKnownSigner(t *testing.T) {
	v := fixtureVerifier(t)
	certs, err := ParseCertificates(fixtures.Read(t, "gost/director.crt.pem"))
	if err != nil {
		t.Fatal(err)
	}
	inter, err := ParseCertificates(fixtures.Read(t, "gost/int-ca.crt.pem"))
	if err != nil {
		t.Fatal(err)
	}
	candidates := ChallengeContents(string(fixtures.Read(t, "cms/challenge.txt")))
	if _, err := v.VerifyCMS(context.Background(), fixtures.Read(t, "cms/gost-director-detached-nocerts.der"), candidates, certs[0], inter[0]); err != nil {
		t.Fatal(err)
	}
}

// A valid signature over other content, and a chain to a root not trusted.
func TestFixtureWrongContentAndChain(t *testing.T) {
	v := fixtureVerifier(t)
	raw := fixtures.Read(t, "cms/gost-director-detached.der")
	_, err := v.VerifyCMS(context.Background(), raw, ChallengeContents("esig-login:another"))
	if ReasonOf(err) != ReasonContentMismatch {
		t.Fatalf("other content: %v", err)
	}
	_, err = v.VerifyCMS(context.Background(), fixtures.Read(t, "cms/gost-director-attached.der"), ChallengeContents("esig-login:another"))
	if ReasonOf(err) != ReasonContentMismatch {
		t.Fatalf("attached other content: %v", err)
	}
	rsaOnly, err := LoadAnchors(filepath.Join(fixtures.Dir(t), "rsa", "root-ca.crt.pem"), false)
	if err != nil {
		t.Fatal(err)
	}
	strict := New(Config{Anchors: rsaOnly, MaxSignatureAge: 100 * 365 * 24 * time.Hour})
	_, err = strict.VerifyCMS(context.Background(), raw, ChallengeContents(string(fixtures.Read(t, "cms/challenge.txt"))))
	if ReasonOf(err) != ReasonUntrusted {
		t.Fatalf("wrong chain: %v", err)
	}
	// A signature made long ago is refused with the default age limit.
	fresh := New(Config{Anchors: rsaOnly})
	_, err = fresh.VerifyCMS(context.Background(), fixtures.Read(t, "cms/rsa-director-detached.der"), ChallengeContents(string(fixtures.Read(t, "cms/challenge.txt"))))
	if r := ReasonOf(err); r != ReasonSigningTime && r != ReasonUntrusted {
		t.Fatalf("old signature: %v", err)
	}
}

// The qualified fields come out as the fixtures' README lists them.
func TestFixtureSubjects(t *testing.T) {
	tests := map[string]Subject{
		"director": {CommonName: "ООО «Ромашка»", Surname: "Петров", GivenName: "Иван", Patronymic: "Сергеевич",
			Organization: "ООО «Ромашка»", Title: "Генеральный директор", Email: "petrov@romashka.example",
			SNILS: "56559136127", INN: "772425522949", INNLE: "7728824599", OGRN: "1177746151021"},
		"ip": {CommonName: "Сидорова Анна Викторовна", Surname: "Сидорова", GivenName: "Анна", Patronymic: "Викторовна",
			Email: "sidorova@ip.example", SNILS: "33922499500", INN: "500371521396", OGRNIP: "319508135058602"},
		"employee": {CommonName: "Кузнецов Дмитрий Алексеевич", Surname: "Кузнецов", GivenName: "Дмитрий", Patronymic: "Алексеевич",
			Organization: "ООО «Ромашка»", Title: "Ведущий инженер", Email: "kuznetsov@romashka.example",
			SNILS: "48039378717", INN: "781056697681"},
	}
	for _, hier := range []string{"gost", "ecdsa", "rsa"} {
		for who, want := range tests {
			t.Run(hier+"/"+who, func(t *testing.T) {
				certs, err := ParseCertificates(fixtures.Read(t, hier+"/"+who+".crt.pem"))
				if err != nil {
					t.Fatal(err)
				}
				got := ReadSubject(certs[0])
				if got.CommonName != want.CommonName || got.Surname != want.Surname || got.GivenName != want.GivenName ||
					got.Patronymic != want.Patronymic || got.Organization != want.Organization || got.Title != want.Title ||
					got.Email != want.Email || got.SNILS != want.SNILS || got.INN != want.INN || got.INNLE != want.INNLE ||
					got.OGRN != want.OGRN || got.OGRNIP != want.OGRNIP || len(got.Invalid) != 0 {
					t.Errorf("got  %+v\nwant %+v", got, want)
				}
			})
		}
	}
}
