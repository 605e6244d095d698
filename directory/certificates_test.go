package directory_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"testing"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// A person's certificate with a SNILS in its subject, as qualified ones carry.
func personCert(t *testing.T, ca *certtest.CA, snils string) *x509.Certificate {
	names := []pkix.AttributeTypeAndValue{
		{Type: asn1.ObjectIdentifier{2, 5, 4, 4}, Value: "Петров"},
		{Type: asn1.ObjectIdentifier{2, 5, 4, 42}, Value: "Иван Сергеевич"},
	}
	if snils != "" {
		names = append(names, pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{1, 2, 643, 100, 3}, Value: snils})
	}
	c, _ := ca.Leaf(t, certtest.Options{CommonName: "Петров Иван Сергеевич", Names: names})
	return c
}

// Which account a certificate reaches, as a table: SNILS only when qualified,
// else the fingerprint; the renewal joins the account found by SNILS.
func TestUserByCertificate(t *testing.T) {
	d, _ := newDirectory(t)
	ctx := t.Context()
	ca := certtest.NewRoot(t, certtest.Options{})
	first := personCert(t, ca, "56559136127")
	u, err := d.CreateUserFromCertificate(ctx, first, true, "ru")
	if err != nil {
		t.Fatal(err)
	}
	if u.SNILS != "56559136127" || u.FamilyName != "Петров" || u.GivenName != "Иван" || u.MiddleName != "Сергеевич" {
		t.Fatalf("account from the certificate: %+v", u)
	}
	renewed := personCert(t, ca, "56559136127")
	corporate := personCert(t, ca, "")
	stranger := personCert(t, ca, "33922499500")
	tests := []struct {
		name      string
		cert      *x509.Certificate
		qualified bool
		want      string // "" : no account
		renewed   bool
	}{
		{"the same certificate", first, true, u.ID, false},
		{"the renewed certificate, same SNILS", renewed, true, u.ID, true},
		{"the renewed one again: already bound", renewed, true, u.ID, false},
		{"same SNILS but not qualified: the SNILS is not vouched for", personCert(t, ca, "56559136127"), false, "", false},
		{"no SNILS, unknown fingerprint", corporate, false, "", false},
		{"another SNILS", stranger, true, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, renewed, err := d.UserByCertificate(ctx, tt.cert, tt.qualified)
			if tt.want == "" {
				if !errors.Is(err, storage.ErrNotFound) {
					t.Fatalf("got %q, %v; want no account", got.ID, err)
				}
				return
			}
			if err != nil || got.ID != tt.want || renewed != tt.renewed {
				t.Fatalf("got %q renewed=%v %v; want %q renewed=%v", got.ID, renewed, err, tt.want, tt.renewed)
			}
		})
	}
	// A bound certificate cannot make a second account; binding it elsewhere fails.
	if _, err := d.CreateUserFromCertificate(ctx, first, false, "ru"); !errors.Is(err, directory.ErrCertificateTaken) {
		t.Fatalf("second account from a bound certificate: %v", err)
	}
	other, err := d.CreateUserFromCertificate(ctx, corporate, false, "en")
	if err != nil || other.SNILS != "" {
		t.Fatalf("non-qualified account: %+v %v", other, err)
	}
	if err := d.BindCertificate(ctx, other.ID, first, false); !errors.Is(err, directory.ErrCertificateTaken) {
		t.Fatalf("binding another's certificate: %v", err)
	}
	// The only certificate of an account without password or phone stays.
	if err := d.UnbindCertificate(ctx, other.ID, certauth.Fingerprint(corporate)); !errors.Is(err, directory.ErrLastCredential) {
		t.Fatalf("unbinding the last way in: %v", err)
	}
	if err := d.UnbindCertificate(ctx, u.ID, certauth.Fingerprint(first)); err != nil {
		t.Fatalf("unbinding one of two: %v", err)
	}
}
