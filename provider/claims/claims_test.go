package claims

import (
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/storage"
)

var testUser = storage.User{
	ID: "u1", Login: "ivanov", Email: "ivanov@example.com", EmailVerified: true, Phone: "+79090000000",
	FamilyName: "Иванов", GivenName: "Иван", MiddleName: "Иванович", Locale: "ru", UpdatedAt: time.Unix(1700000000, 0),
}

func TestUserClaimsByScope(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scopes []string
		check  func(*oidc.UserInfo) bool
	}{
		{"openid only: subject alone", []string{"openid"}, func(u *oidc.UserInfo) bool {
			return u.Subject == "u1" && u.Name == "" && u.Email == "" && u.PhoneNumber == ""
		}},
		{"profile: names in Russian order", []string{"openid", "profile"}, func(u *oidc.UserInfo) bool {
			return u.Name == "Иванов Иван Иванович" && u.MiddleName == "Иванович" && u.PreferredUsername == "ivanov" &&
				u.Locale != nil && u.Email == ""
		}},
		{"email", []string{"email"}, func(u *oidc.UserInfo) bool { return u.Email == "ivanov@example.com" && bool(u.EmailVerified) }},
		{"phone", []string{"phone"}, func(u *oidc.UserInfo) bool { return u.PhoneNumber == "+79090000000" && !bool(u.PhoneNumberVerified) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := User(testUser, tc.scopes, ""); !tc.check(got) {
				t.Fatalf("claims %+v", got)
			}
		})
	}
}

// TestNameOrderFollowsTheLanguage: the name claim is in the order of the
// sign-in's ui_locales, else of the person's locale, else Russian (family,
// given, patronymic); every other language puts the given name first.
func TestNameOrderFollowsTheLanguage(t *testing.T) {
	ru, en := "Иванов Иван Иванович", "Иван Иванович Иванов"
	for _, tc := range []struct {
		name, userLocale, uiLocale, want string
	}{
		{"nothing known: Russian order", "", "", ru},
		{"user's locale ru", "ru", "", ru},
		{"user's locale en", "en", "", en},
		{"user's locale en-GB", "en-GB", "", en},
		{"ui_locales en beats the user's ru", "ru", "en", en},
		{"ui_locales ru beats the user's en", "en", "ru", ru},
		{"ui_locales ru-RU", "", "ru-RU", ru},
		{"another language: given name first", "", "de", en},
		{"unreadable locale: the default", "%%", "", ru},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := testUser
			u.Locale = tc.userLocale
			if got := User(u, []string{"profile"}, tc.uiLocale).Name; got != tc.want {
				t.Fatalf("name %q, want %q", got, tc.want)
			}
		})
	}
	u := storage.User{ID: "u2", GivenName: "Ivan", Locale: "en"}
	if got := User(u, []string{"profile"}, "").Name; got != "Ivan" {
		t.Fatalf("given name alone: %q", got)
	}
}

// TestPreferredUsernameIsNeverEmpty: oauth2-proxy and its kind need a user
// name for every account, phone-only and certificate-only ones included.
func TestPreferredUsernameIsNeverEmpty(t *testing.T) {
	for _, tc := range []struct {
		name string
		u    storage.User
		want string
	}{
		{"login", storage.User{ID: "u1", Login: "ivanov", Email: "i@example.com", Phone: "+79090000000"}, "ivanov"},
		{"email without login", storage.User{ID: "u1", Email: "i@example.com", Phone: "+79090000000"}, "i@example.com"},
		{"phone only", storage.User{ID: "u1", Phone: "+79090000000"}, "+79090000000"},
		{"certificate only", storage.User{ID: "u1", FamilyName: "Иванов"}, "u1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := User(tc.u, []string{"openid", "profile"}, "").PreferredUsername; got != tc.want {
				t.Fatalf("preferred_username %q, want %q", got, tc.want)
			}
		})
	}
}

func BenchmarkUserClaims(b *testing.B) {
	scopes := []string{"openid", "profile", "email", "phone"}
	for b.Loop() {
		_ = User(testUser, scopes, "")
	}
}

// TestRuIDsAndCert: the Russian numbers only with their scope; the cert claim
// only with its scope and a certificate sign-in, filled from the account's
// bound certificate when the token carries only the fingerprint.
func TestRuIDsAndCert(t *testing.T) {
	u := testUser
	u.SNILS, u.INN = "112-233-445 95", "500100732259"
	if c := User(u, []string{"openid"}, "").Claims; c[SNILS] != nil || c[INN] != nil {
		t.Fatalf("numbers without their scope: %v", c)
	}
	if c := User(u, []string{"ru_ids"}, "").Claims; c[SNILS] != u.SNILS || c[INN] != u.INN {
		t.Fatalf("numbers with their scope: %v", c)
	}
	if !ReleasesUser([]string{"openid", "ru_ids"}) || ReleasesUser([]string{"openid", "cert", "org"}) {
		t.Fatal("ReleasesUser")
	}
	full := &storage.CertificateRef{SHA256: "ab", Subject: "CN=Ivanov", Issuer: "CN=CA", Serial: "1", NotAfter: time.Unix(1900000000, 0)}
	u.Certificates = []storage.BoundCertificate{{CertificateRef: *full}}
	for _, tc := range []struct {
		name   string
		ref    *storage.CertificateRef
		scopes []string
		user   *storage.User
		want   string // subject in the claim, "" none
	}{
		{"with scope", full, []string{"cert"}, nil, "CN=Ivanov"},
		{"without scope", full, []string{"openid"}, nil, ""},
		{"no certificate", nil, []string{"cert"}, &u, ""},
		{"fingerprint, from the account", &storage.CertificateRef{SHA256: "ab"}, []string{"cert"}, &u, "CN=Ivanov"},
		{"fingerprint, not bound", &storage.CertificateRef{SHA256: "cd"}, []string{"cert"}, &u, ""},
		{"fingerprint, no account", &storage.CertificateRef{SHA256: "ab"}, []string{"cert"}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := &oidc.UserInfo{}
			AddCert(info, tc.ref, tc.scopes, tc.user)
			got, _ := info.Claims[Cert].(map[string]any)
			if subject, _ := got["subject"].(string); subject != tc.want {
				t.Fatalf("cert claim %v, want subject %q", info.Claims, tc.want)
			}
		})
	}
}
