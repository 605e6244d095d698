// Package connector signs people in through outside identity providers
// ("connectors", as dex calls them): any OpenID provider, Яндекс ID, VK ID,
// Сбер ID and Госуслуги (ESIA). A connector speaks the provider's protocol
// and returns facts about a person (an Identity: provider, subject, names,
// verified email and phone, SNILS, INN, organisations with OGRN/INN and
// whether the person heads them); it knows nothing of Vhod's accounts,
// sessions or pages. Like certauth for certificates, it vouches; login and
// directory decide which account that is.
//
// How login uses a connector:
//
//  1. The person presses the provider's button (Connector.DisplayName).
//     Login makes FlowSecrets with NewFlowSecrets, stores them in the
//     sign-in flow bound to the browser, and redirects to the URL that
//     Connector.Start returns for the flow's redirect URI.
//  2. The provider sends the browser back to the redirect URI. Login loads
//     the flow the browser holds and calls Connector.Callback with the query
//     and the same state, nonce and verifier. Callback checks the state,
//     exchanges the code (PKCE, or ESIA's signed client secret), verifies
//     the ID token (JWKS for OpenID providers, ESIA's GOST certificate for
//     ESIA), reads the profile, and returns the Identity.
//  3. Login hands the Identity to directory, which finds the account linked
//     to (Provider, Subject), or links an existing one only by a verified
//     identifier the operator allows (SNILS from ESIA; email only when
//     EmailVerified and enabled), or offers to create one. That part is not
//     here.
//
// Every failure is an *Error whose Kind (unavailable, denied, invalid,
// state, config) has a message key for the page; Error.Err is for the log.
//
// ESIA signs nothing with a password: Vhod signs its requests with the
// system's GOST key (key_file, PKCS#8 PEM) and names the system's
// certificate (cert_file) registered on ESIA's technology portal. Keys made
// with CryptoPro live in its containers; existing tools take them out into
// PEM without CryptoPro (get-cpcert, used with OpenSSL's GOST engine, or
// cryptopro_extract of github.com/LdDl/esia-potato); Vhod does not.
//
// Providers are configured under `identity_providers:` (Config, checked by
// Config.Problems, built by New). Every endpoint is configurable (base_url,
// auth_url, token_url, userinfo_url) so tests replace providers with
// stand-ins; connector's own tests do so with servers written from each
// provider's public documentation.
package connector
