package orgs_test

import (
	"errors"
	"testing"

	"github.com/vhod-id/vhod/certauth/certtest"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// TestSystemRules: what an org_admin may register as an integration system,
// and the claims its tokens get.
func TestSystemRules(t *testing.T) {
	svc, st := newOrgs(t)
	systems := orgs.NewSystems(st, svc)
	org := romashka()
	org.ID, org.Status = "romashka", storage.OrgActive
	if err := st.CreateOrganisation(t.Context(), org); err != nil {
		t.Fatal(err)
	}
	ca := certtest.NewRoot(t, certtest.Options{CommonName: "CA"})
	ecdsaCert, _ := ca.Leaf(t, certtest.Options{CommonName: "ERP"})
	edCert, _ := ca.Leaf(t, certtest.Options{CommonName: "Ed", Key: "ed25519"})
	for _, tc := range []struct {
		name string
		in   orgs.SystemInput
		want error
	}{
		{"mutual TLS", orgs.SystemInput{Name: "ERP", Code: "erp", AuthMethod: "tls_client_auth", Roles: []string{"participant"}}, nil},
		{"private_key_jwt with ECDSA", orgs.SystemInput{Name: "Bot", Code: "bot-1", AuthMethod: "private_key_jwt"}, nil},
		{"code taken", orgs.SystemInput{Name: "ERP 2", Code: "erp", AuthMethod: "tls_client_auth"}, storage.ErrAlreadyExists},
		{"code with capitals", orgs.SystemInput{Name: "X", Code: "ERP", AuthMethod: "tls_client_auth"}, orgs.ErrSystemCode},
		{"code too short", orgs.SystemInput{Name: "X", Code: "e", AuthMethod: "tls_client_auth"}, orgs.ErrSystemCode},
		{"no name", orgs.SystemInput{Name: "  ", Code: "noname", AuthMethod: "tls_client_auth"}, orgs.ErrSystemName},
		{"secret method", orgs.SystemInput{Name: "X", Code: "sec", AuthMethod: "client_secret_basic"}, orgs.ErrSystemMethod},
		{"org_admin role", orgs.SystemInput{Name: "X", Code: "boss", AuthMethod: "tls_client_auth", Roles: []string{"org_admin"}}, orgs.ErrUnknownRole},
		{"unknown role", orgs.SystemInput{Name: "X", Code: "odd", AuthMethod: "tls_client_auth", Roles: []string{"god"}}, orgs.ErrUnknownRole},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Certificate = ecdsaCert
			_, err := systems.Register(t.Context(), "romashka", tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("want %v, got %v", tc.want, err)
			}
		})
	}
	// Two registrations of one code at once: one wins, the other is told the
	// code is taken (PutClient alone would let the second replace the first).
	results := make(chan error, 2)
	for _, name := range []string{"Race A", "Race B"} {
		go func() {
			_, err := systems.Register(t.Context(), "romashka", orgs.SystemInput{Name: name, Code: "race", AuthMethod: "tls_client_auth", Certificate: ecdsaCert})
			results <- err
		}()
	}
	if a, b := <-results, <-results; (a == nil) == (b == nil) || !errors.Is(errors.Join(a, b), storage.ErrAlreadyExists) {
		t.Fatalf("racing registrations: %v, %v", a, b)
	}
	// An Ed25519 key is a JWK too; a key go-jose cannot represent (GOST) is not:
	// that case is the e2e test's, with the fixtures' qualified certificate.
	if _, err := systems.Register(t.Context(), "romashka", orgs.SystemInput{Name: "Ed", Code: "ed", AuthMethod: "private_key_jwt", Certificate: edCert}); err != nil {
		t.Fatalf("Ed25519 key: %v", err)
	}
	erp, err := st.ClientByID(t.Context(), "romashka.erp")
	if err != nil || erp.OrgID != "romashka" || !erp.TLSBoundTokens || erp.TLSSubjectDN != "CN=ERP" || len(erp.CertificatePins) != 1 {
		t.Fatalf("stored system %+v %v", erp, err)
	}
	claims, err := systems.Claims(t.Context(), "romashka", []string{"participant", "retired-role"})
	if err != nil || claims.Org == nil || claims.Org.INN != "7728824599" || len(claims.Roles) != 1 || claims.Roles[0] != "participant" {
		t.Fatalf("claims %+v %v", claims, err)
	}
	org.Status = storage.OrgSuspended
	if _, err := st.UpdateOrganisation(t.Context(), org); err != nil {
		t.Fatal(err)
	}
	if claims, _ := systems.Claims(t.Context(), "romashka", nil); claims.Org != nil {
		t.Fatalf("a suspended company's system still has claims: %+v", claims)
	}
	if err := systems.Remove(t.Context(), "vasilek", "romashka.erp"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("another company removed the system: %v", err)
	}
}
