// Package provider is Vhod's OpenID Provider: it adapts storage and directory to the
// storage interfaces of zitadel/oidc's op package, holds the signing keys, and builds
// the claims. It holds no sign-in rules: those are in directory and login.
//
// Routes (all under the issuer):
//
//	/.well-known/openid-configuration   discovery
//	/keys                               JWKS (every published key)
//	/authorize, /authorize/callback     authorization (login hand-off and return)
//	/oauth/token                        code, refresh_token, client_credentials
//	/oauth/introspect, /revoke          RFC 7662, RFC 7009
//	/userinfo, /end_session             userinfo, RP-initiated logout
//
// The login hand-off is bound to the browser: /authorize stores the hash of the
// browser's binding cookie on the auth request, and /authorize/callback only answers
// the browser that holds it (see Browser and AuthRequestByID).
package provider
