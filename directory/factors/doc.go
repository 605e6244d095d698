// Package factors holds the rules of second factors and passkeys: an
// authenticator app (TOTP, RFC 6238), recovery codes, SMS codes as a second
// factor, WebAuthn passkeys (as a second factor or alone), and who requires
// one (the person's "always ask", a company's sign-in policy). Each action
// checks, writes through storage, audits and mails the person once, whoever
// calls it: the sign-in and account pages, the console, the API.
//
// It is a package of its own, below directory's layer like directory/flows,
// so that directory stays within the size the layout allows and the factors'
// dependencies (go-webauthn, pquerna/otp, image encoding) stay out of every
// caller of directory. It uses directory (actors, audit, mail, the acr and amr
// values, the one-time-code primitives) and directory/flows (the one rule of
// codes kept in flows); directory never imports it. What other parts need of
// assurance (the acr and amr constants, ACRFromAMR) stays in directory; a
// company's sign-in policy as a setting is directory/orgs'
// (orgs.Service.SetSignInPolicy): this package says only what each policy asks
// of a sign-in (Required).
package factors
