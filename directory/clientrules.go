package directory

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/vhod-id/vhod/storage"
)

// The grant types and client authentication methods Vhod offers.
var (
	GrantTypes = []string{"authorization_code", "refresh_token", "client_credentials",
		"urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange"}
	AuthMethods = []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth", "none"}
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
		if a != storage.AuthorityOperator && a != storage.AuthorityModerator && a != storage.AuthorityIntrospect {
			set("authorities", "%q is not operator, moderator or introspect", a)
		}
	}
	for _, sc := range c.Scopes {
		if !slices.Contains(KnownScopes, sc) {
			set("scopes", "%q is not one of %v", sc, KnownScopes)
		}
	}
	if c.MinACR != "" && !slices.Contains(ACRLevels, c.MinACR) {
		set("min_acr", "%q is not one of %v", c.MinACR, ACRLevels)
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
	case c.AuthMethod == "private_key_jwt" && !hasKeys(c.JWKS):
		set("jwks", "private_key_jwt needs a JSON key set")
	case c.AuthMethod == "tls_client_auth" && c.TLSSubjectDN == "" && len(c.CertificatePins) == 0:
		set("tls_client_auth_subject_dn", "tls_client_auth needs the certificate's subject DN or its fingerprint")
	case c.AuthMethod == "self_signed_tls_client_auth" && !hasKeys(c.JWKS) && len(c.CertificatePins) == 0:
		set("jwks", "self_signed_tls_client_auth needs the certificate's key (JSON key set) or its fingerprint")
	}
	for _, p := range c.CertificatePins {
		if len(p) != 64 || strings.Trim(p, "0123456789abcdef") != "" {
			set("tls_client_certificate_sha256", "%q is not a SHA-256 fingerprint in lowercase hex", p)
		}
	}
	if c.JWKS != "" && !hasKeys(c.JWKS) {
		set("jwks", "is not a JSON key set")
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

func hasKeys(jwks string) bool {
	var keys jose.JSONWebKeySet
	return json.Unmarshal([]byte(jwks), &keys) == nil && len(keys.Keys) > 0
}
