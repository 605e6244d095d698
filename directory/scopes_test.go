package directory

import (
	"slices"
	"testing"

	"github.com/vhod-id/vhod/storage"
)

// TestScopeAllowed is the rule of which scopes a client may have: Vhod's own
// are offered by default (DESIGN.md, Claims), admin only when listed, a list
// restricts Vhod's own scopes and never the standard ones.
func TestScopeAllowed(t *testing.T) {
	none := storage.Client{}
	orgOnly := storage.Client{Scopes: []string{"org"}}
	admin := storage.Client{Scopes: []string{"admin"}}
	for _, tc := range []struct {
		name   string
		client storage.Client
		scope  string
		want   bool
	}{
		{"empty list: org offered by default", none, "org", true},
		{"empty list: orgs", none, "orgs", true},
		{"empty list: ru_ids", none, "ru_ids", true},
		{"empty list: cert", none, "cert", true},
		{"empty list: admin stays opt-in", none, "admin", false},
		{"empty list: standard profile", none, "profile", true},
		{"empty list: offline_access", none, "offline_access", true},
		{"empty list: address grants nothing here", none, "address", false},
		{"empty list: unknown scope", none, "calendar", false},
		{"list restricts: org listed", orgOnly, "org", true},
		{"list restricts: orgs not listed", orgOnly, "orgs", false},
		{"list restricts: cert not listed", orgOnly, "cert", false},
		{"list never restricts standard scopes", orgOnly, "email", true},
		{"admin listed", admin, "admin", true},
		{"admin listed: others not", admin, "org", false},
		{"admin listed: openid still", admin, "openid", true},
		{"a listed unknown scope is not granted", storage.Client{Scopes: []string{"calendar"}}, "calendar", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ScopeAllowed(tc.client, tc.scope); got != tc.want {
				t.Fatalf("ScopeAllowed(%v, %q) = %v, want %v", tc.client.Scopes, tc.scope, got, tc.want)
			}
		})
	}
}

// TestGrantedScopes: what is granted drops what the client may not have and
// repeats, keeping the order asked (RFC 6749 section 3.3).
func TestGrantedScopes(t *testing.T) {
	got := GrantedScopes(storage.Client{Scopes: []string{"org", "cert"}},
		[]string{"openid", "org", "admin", "orgs", "openid", "address", "cert", "x"})
	if want := []string{"openid", "org", "cert"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := GrantedScopes(storage.Client{}, nil); got == nil || len(got) != 0 {
		t.Fatalf("nothing asked: %#v", got)
	}
}
