package directory

import (
	"testing"

	"github.com/vhod-id/vhod/storage"
)

// TestClientScopesAreKnown: a scopes list names scopes Vhod knows; a typo would
// otherwise restrict the client to nothing without a word.
func TestClientScopesAreKnown(t *testing.T) {
	base := storage.Client{ID: "shop", AuthMethod: "client_secret_basic", AccessTokenFormat: storage.TokenFormatOpaque,
		GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://shop.example/cb"}}
	for _, tc := range []struct {
		scopes []string
		bad    bool
	}{
		{nil, false},
		{[]string{"org", "orgs", "ru_ids", "cert", "admin"}, false},
		{[]string{"openid", "profile", "offline_access"}, false},
		{[]string{"orgz"}, true},
		{[]string{"address"}, true},
	} {
		c := base
		c.Scopes = tc.scopes
		_, bad := ClientProblems(c, "a-long-secret", nil)["scopes"]
		if bad != tc.bad {
			t.Errorf("scopes %v: refused %v, want %v", tc.scopes, bad, tc.bad)
		}
	}
}
