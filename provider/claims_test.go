package provider

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
			if got := userClaims(testUser, tc.scopes); !tc.check(got) {
				t.Fatalf("claims %+v", got)
			}
		})
	}
}

func BenchmarkUserClaims(b *testing.B) {
	scopes := []string{"openid", "profile", "email", "phone"}
	for b.Loop() {
		_ = userClaims(testUser, scopes)
	}
}
