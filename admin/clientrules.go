package admin

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// The grant types and client authentication methods Vhod offers.
var (
	GrantTypes  = []string{"authorization_code", "refresh_token", "client_credentials"}
	AuthMethods = []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "none"}
)

// ClientProblems checks a client as the configuration file and the API both
// take it; secret is the one it will have ("" when none or kept). The answer
// names each bad field with a sentence.
func ClientProblems(c storage.Client, secret string, algorithms []string) map[string]string {
	bad := map[string]string{}
	set := func(field, msg string, args ...any) {
		if _, ok := bad[field]; !ok {
			bad[field] = fmt.Sprintf(msg, args...)
		}
	}
	if c.ID == "" || strings.ContainsAny(c.ID, ": \t/") || len(c.ID) > 100 {
		set("id", "%q must be non-empty, without spaces, colons or slashes", c.ID)
	}
	for _, g := range c.GrantTypes {
		if !slices.Contains(GrantTypes, g) {
			set("grant_types", "%q is not one of %v", g, GrantTypes)
		}
	}
	for _, a := range c.Authorities {
		if a != storage.AuthorityOperator && a != storage.AuthorityModerator {
			set("authorities", "%q is not operator or moderator", a)
		}
	}
	if c.MinACR != "" && !slices.Contains(directory.ACRLevels, c.MinACR) {
		set("min_acr", "%q is not one of %v", c.MinACR, directory.ACRLevels)
	}
	if !slices.Contains(AuthMethods, c.AuthMethod) {
		set("auth_method", "%q is not one of %v", c.AuthMethod, AuthMethods)
	}
	switch {
	case c.Public && (secret != "" || c.AuthMethod != "none"):
		set("public", "a public client has no secret and auth_method none")
	case c.Public && slices.Contains(c.GrantTypes, "client_credentials"):
		set("grant_types", "a public client cannot use client_credentials")
	case !c.Public && strings.HasPrefix(c.AuthMethod, "client_secret") && c.SecretHash == "" && len(secret) < 8:
		set("secret", "is required for %s and must be at least 8 characters", c.AuthMethod)
	case c.AuthMethod == "private_key_jwt":
		var keys jose.JSONWebKeySet
		if err := json.Unmarshal([]byte(c.JWKS), &keys); err != nil || len(keys.Keys) == 0 {
			set("jwks", "private_key_jwt needs a JSON key set")
		}
	}
	if slices.Contains(c.GrantTypes, "authorization_code") && len(c.RedirectURIs) == 0 {
		set("redirect_uris", "authorization_code needs at least one redirect URI")
	}
	for _, u := range c.RedirectURIs {
		if p, err := url.Parse(u); err != nil || !p.IsAbs() || p.Fragment != "" {
			set("redirect_uris", "%q is not an absolute URI without fragment", u)
		}
	}
	for _, u := range c.PostLogoutRedirectURIs {
		if p, err := url.Parse(u); err != nil || !p.IsAbs() || p.Fragment != "" {
			set("post_logout_redirect_uris", "%q is not an absolute URI without fragment", u)
		}
	}
	for field, u := range map[string]string{"backchannel_logout_uri": c.BackchannelLogoutURI, "frontchannel_logout_uri": c.FrontchannelLogoutURI} {
		if p, err := url.Parse(u); u != "" && (err != nil || !p.IsAbs() || p.Fragment != "" || (p.Scheme != "https" && p.Scheme != "http")) {
			set(field, "%q is not an absolute http(s) URI without fragment", u)
		}
	}
	if c.AccessTokenFormat != storage.TokenFormatOpaque && c.AccessTokenFormat != storage.TokenFormatJWT {
		set("access_token_format", "%q is not opaque or jwt", c.AccessTokenFormat)
	}
	if c.SigningAlg != "" && !slices.Contains(algorithms, c.SigningAlg) {
		set("signing_alg", "%q is not one of %v", c.SigningAlg, algorithms)
	}
	return bad
}
