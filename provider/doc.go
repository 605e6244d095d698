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
//	/userinfo                           userinfo
//
// /end_session (RP-initiated logout) is the login pages', which ask the person
// first; the provider checks the request (CheckLogout) and ends the session
// (EndSession). In front of op's /authorize, authorizeFront decides whether a
// refusal is a page (client or redirect URI unknown) or goes back to the client.
//
// The login hand-off is bound to the browser: /authorize stores the hash of the
// browser's binding cookie on the auth request, and /authorize/callback only answers
// the browser that holds it (see Browser and AuthRequestByID).
//
// Parts that need nothing of op's storage or the request's state are packages
// below this one: keys (signing keys, JWKS), claims (claim names, what a scope
// releases), accesstoken (the RFC 9068 JWT access token format), clientjwt
// (request objects and client assertions), dpop (RFC 9449 proofs), mtls
// (RFC 8705 client certificates), backchannel (logout tokens and their
// delivery), cache (clients, revocations and origins in memory) and respond
// (the answer forms of the protocol edge).
package provider
