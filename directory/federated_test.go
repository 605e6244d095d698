package directory_test

import (
	"errors"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// Which account an outside identity finds: linked first; then only a verified
// identifier of a kind the operator allows (SNILS from a provider trusted with
// it, an email both sides verified when the provider's config allows it).
func TestFindForIdentityRules(t *testing.T) {
	d, store := newDirectory(t)
	ctx := t.Context()
	// An account holding a qualified certificate's SNILS, one with a verified
	// email, one with an email it never confirmed, one already linked.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(store.CreateUser(ctx, storage.User{ID: "cert", SNILS: "56559136127", Certificates: []storage.BoundCertificate{{CertificateRef: storage.CertificateRef{SHA256: "aa"}, Qualified: true}}}))
	must(store.CreateUser(ctx, storage.User{ID: "mail", Email: "ivanov@example.com", EmailVerified: true, PasswordHash: "x"}))
	must(store.CreateUser(ctx, storage.User{ID: "unconfirmed", Email: "petrov@example.com", PasswordHash: "x"}))
	must(store.CreateUser(ctx, storage.User{ID: "linked", Links: []storage.LinkedIdentity{{Provider: "yandex", Subject: "42"}}}))

	for _, tc := range []struct {
		name      string
		id        directory.OutsideIdentity
		wantUser  string
		wantMatch string
	}{
		{"linked", directory.OutsideIdentity{Provider: "yandex", Subject: "42", Email: "ivanov@example.com", EmailVerified: true, LinkByEmail: true}, "linked", directory.MatchLinked},
		{"same subject, other provider", directory.OutsideIdentity{Provider: "vk", Subject: "42"}, "", ""},
		{"trusted SNILS", directory.OutsideIdentity{Provider: "esia", Subject: "1000", SNILS: "565-591-361 27", TrustSNILS: true}, "cert", directory.MatchSNILS},
		{"untrusted SNILS", directory.OutsideIdentity{Provider: "oidc", Subject: "1000", SNILS: "56559136127"}, "", ""},
		{"SNILS with bad check digits", directory.OutsideIdentity{Provider: "esia", Subject: "1001", SNILS: "56559136128", TrustSNILS: true}, "", ""},
		{"verified email, allowed", directory.OutsideIdentity{Provider: "oidc", Subject: "s1", Email: "IVANOV@example.com", EmailVerified: true, LinkByEmail: true}, "mail", directory.MatchEmail},
		{"verified email, not allowed", directory.OutsideIdentity{Provider: "oidc", Subject: "s1", Email: "ivanov@example.com", EmailVerified: true}, "", ""},
		{"unverified email, allowed", directory.OutsideIdentity{Provider: "oidc", Subject: "s1", Email: "ivanov@example.com", LinkByEmail: true}, "", ""},
		{"email the account never confirmed", directory.OutsideIdentity{Provider: "oidc", Subject: "s1", Email: "petrov@example.com", EmailVerified: true, LinkByEmail: true}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, match, err := d.FindForIdentity(ctx, tc.id)
			if tc.wantUser == "" {
				if !errors.Is(err, storage.ErrNotFound) {
					t.Fatalf("found %q by %q, %v; want none", u.ID, match, err)
				}
				return
			}
			if err != nil || u.ID != tc.wantUser || match != tc.wantMatch {
				t.Fatalf("found %q by %q, %v; want %q by %q", u.ID, match, err, tc.wantUser, tc.wantMatch)
			}
		})
	}
}

// An account made from an outside identity holds what the provider verified,
// the link, and a trusted SNILS; a contact another account holds is left out;
// the identity cannot make a second account.
func TestCreateUserFromIdentity(t *testing.T) {
	d, store := newDirectory(t)
	ctx := t.Context()
	if err := store.CreateUser(ctx, storage.User{ID: "other", Email: "taken@example.com", EmailVerified: true}); err != nil {
		t.Fatal(err)
	}
	esia := directory.OutsideIdentity{Provider: "esia", Subject: "1000", FamilyName: "Иванов", GivenName: "Иван",
		Email: "ivan@example.com", EmailVerified: true, Phone: "+7 909 000-00-00", PhoneVerified: true,
		SNILS: "56559136127", INN: "500100732259", TrustSNILS: true}
	u, err := d.CreateUserFromIdentity(ctx, esia, "ru")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ivan@example.com" || !u.EmailVerified || u.Phone != "+79090000000" || u.SNILS != "56559136127" || u.INN != "500100732259" || len(u.Links) != 1 {
		t.Fatalf("created: %+v", u)
	}
	if got, match, err := d.FindForIdentity(ctx, esia); err != nil || got.ID != u.ID || match != directory.MatchLinked {
		t.Fatalf("found %q by %q, %v", got.ID, match, err)
	}
	if _, err := d.CreateUserFromIdentity(ctx, esia, "ru"); !errors.Is(err, directory.ErrIdentityTaken) {
		t.Fatalf("second account: %v", err)
	}
	unverified := directory.OutsideIdentity{Provider: "oidc", Subject: "s2", GivenName: "Пётр", Email: "taken@example.com", EmailVerified: true, Phone: "+79091112233"}
	u2, err := d.CreateUserFromIdentity(ctx, unverified, "ru")
	if err != nil || u2.Email != "" || u2.Phone != "" || u2.SNILS != "" {
		t.Fatalf("taken email and unverified phone: %+v %v", u2, err)
	}
}

// A provider not trusted with contacts (no link_by_email, not ЕСИА) gives the
// account no confirmed email or phone, however it marks them: a confirmed
// address accepts company invitations and goes to clients as verified.
func TestCreateUserFromIdentityTrustsContactsOnlyOfTrustedProviders(t *testing.T) {
	d, _ := newDirectory(t)
	ctx := t.Context()
	claims := directory.OutsideIdentity{Email: "boss@example.com", EmailVerified: true, Phone: "+79093334455", PhoneVerified: true}
	for _, tc := range []struct {
		name             string
		linkByEmail      bool
		esia             bool
		wantEmail, wantP bool
	}{
		{"untrusted", false, false, false, false},
		{"link_by_email", true, false, true, false},
		{"esia", false, true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := claims
			o.Provider, o.Subject, o.LinkByEmail, o.TrustSNILS = "p-"+tc.name, "s", tc.linkByEmail, tc.esia
			o.Email = tc.name + "@example.com"
			o.Phone = map[string]string{"untrusted": "+79093334401", "link_by_email": "+79093334402", "esia": "+79093334403"}[tc.name]
			u, err := d.CreateUserFromIdentity(ctx, o, "ru")
			if err != nil {
				t.Fatal(err)
			}
			if (u.Email != "") != tc.wantEmail || u.EmailVerified != tc.wantEmail || (u.Phone != "") != tc.wantP || u.PhoneVerified != tc.wantP {
				t.Fatalf("email %q (%v), phone %q (%v)", u.Email, u.EmailVerified, u.Phone, u.PhoneVerified)
			}
		})
	}
}

// Linking and unlinking: an identity belongs to one account; the last way in
// stays.
func TestLinkAndUnlinkIdentity(t *testing.T) {
	d, store := newDirectory(t)
	ctx := t.Context()
	oidc := directory.OutsideIdentity{Provider: "oidc", Subject: "s1", Email: "a@example.com"}
	only, err := d.CreateUserFromIdentity(ctx, oidc, "en")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateUser(ctx, storage.User{ID: "pw", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := d.LinkIdentity(ctx, "pw", oidc); !errors.Is(err, directory.ErrIdentityTaken) {
		t.Fatalf("linking another's identity: %v", err)
	}
	if err := d.UnlinkIdentity(ctx, only.ID, "oidc", "s1"); !errors.Is(err, directory.ErrLastCredential) {
		t.Fatalf("unlinking the last way in: %v", err)
	}
	yandex := directory.OutsideIdentity{Provider: "yandex", Subject: "7"}
	if err := d.LinkIdentity(ctx, only.ID, yandex); err != nil {
		t.Fatal(err)
	}
	if err := d.UnlinkIdentity(ctx, only.ID, "oidc", "s1"); err != nil {
		t.Fatalf("unlinking one of two: %v", err)
	}
	if err := d.LinkIdentity(ctx, "pw", oidc); err != nil {
		t.Fatalf("a released identity links elsewhere: %v", err)
	}
	if err := d.UnlinkIdentity(ctx, "pw", "oidc", "s1"); err != nil {
		t.Fatalf("an account with a password unlinks its only link: %v", err)
	}
	if err := d.UnlinkIdentity(ctx, "pw", "oidc", "s1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unlinking twice: %v", err)
	}
}
