package storagetest

import (
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

func bound(sha string, qualified bool) storage.BoundCertificate {
	return storage.BoundCertificate{CertificateRef: storage.CertificateRef{SHA256: sha, Subject: "CN=" + sha,
		Issuer: "CN=CA", Serial: "01", NotAfter: time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)},
		Qualified: qualified, BoundAt: time.Now().UTC().Truncate(time.Millisecond)}
}

func testCertificates(t *testing.T, s storage.Store) {
	ctx := t.Context()
	// An account made from a qualified certificate holds its SNILS and fingerprint.
	first := storage.User{ID: "u1", SNILS: "56559136127", INN: "772425522949", Certificates: []storage.BoundCertificate{bound("aa", true)}}
	must(t, s.CreateUser(ctx, first))
	for _, key := range []string{storage.IdentifierKey(storage.IdentSNILS, "56559136127"), storage.IdentifierKey(storage.IdentCertificate, "aa")} {
		u, err := s.UserByIdentifier(ctx, key)
		must(t, err)
		if u.ID != "u1" {
			t.Fatalf("%s belongs to %q", key, u.ID)
		}
	}
	// The renewed certificate with the same SNILS joins the account; again is a no-op.
	must(t, s.BindCertificate(ctx, "u1", bound("bb", true), "56559136127", "772425522949"))
	must(t, s.BindCertificate(ctx, "u1", bound("bb", true), "56559136127", "772425522949"))
	u, err := s.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentCertificate, "bb"))
	must(t, err)
	if u.ID != "u1" || len(u.Certificates) != 2 {
		t.Fatalf("after renewal: %+v", u)
	}
	// Another account cannot take a bound certificate or the SNILS; another SNILS is another person.
	must(t, s.CreateUser(ctx, storage.User{ID: "u2", Login: "other"}))
	wantErr(t, s.BindCertificate(ctx, "u2", bound("aa", true), "", ""), storage.ErrAlreadyExists)
	wantErr(t, s.BindCertificate(ctx, "u2", bound("cc", true), "56559136127", ""), storage.ErrAlreadyExists)
	wantErr(t, s.BindCertificate(ctx, "u1", bound("dd", true), "33922499500", ""), storage.ErrAlreadyExists)
	if _, err := s.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentCertificate, "cc")); err == nil {
		t.Fatal("a refused binding left its certificate claimed")
	}
	must(t, s.BindCertificate(ctx, "u2", bound("ee", false), "", ""))
	// Unbinding releases the certificate; the last qualified one takes the SNILS along.
	must(t, s.UnbindCertificate(ctx, "u1", "aa"))
	wantErr(t, s.UnbindCertificate(ctx, "u1", "aa"), storage.ErrNotFound)
	_, err = s.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentCertificate, "aa"))
	wantErr(t, err, storage.ErrNotFound)
	if u, err = s.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentSNILS, "56559136127")); err != nil || u.ID != "u1" {
		t.Fatalf("SNILS released while a qualified certificate remains: %v", err)
	}
	must(t, s.UnbindCertificate(ctx, "u1", "bb"))
	_, err = s.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentSNILS, "56559136127"))
	wantErr(t, err, storage.ErrNotFound)
	if u, _ = s.UserByID(ctx, "u1"); u.SNILS != "" || u.INN != "" || len(u.Certificates) != 0 {
		t.Fatalf("after unbinding all: %+v", u)
	}
}
