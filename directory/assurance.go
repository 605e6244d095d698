package directory

import "slices"

// Authentication method references (RFC 8176) that Vhod puts into "amr".
const (
	AMRPassword = "pwd"  // a password (or a contract PIN)
	AMRSMS      = "sms"  // a code sent by SMS to the account's phone
	AMROTP      = "otp"  // a one-time code: an authenticator app (TOTP), or with "sms" the SMS code
	AMRMFA      = "mfa"  // several factors were used
	AMRHardKey  = "hwk"  // a key held in hardware (a passkey in a security key or a platform authenticator)
	AMRSoftKey  = "swk"  // a key held in software (a synced passkey, a certificate's key)
	AMRUser     = "user" // the authenticator verified the user (PIN, biometrics): WebAuthn UV
)

// Authentication context classes, weakest first.
const (
	ACRPassword = "urn:vhod:acr:password"
	ACRPhone    = "urn:vhod:acr:phone"
	// ACRMFA: two factors of different kinds (a password and a code or a
	// passkey), or a passkey whose authenticator verified the user, which is
	// itself two (the device held and the PIN or finger that unlocked it).
	ACRMFA                  = "urn:vhod:acr:mfa"
	ACRCertificate          = "urn:vhod:acr:certificate"
	ACRQualifiedCertificate = "urn:vhod:acr:qualified-certificate"
)

// ACRLevels lists the classes from weakest to strongest:
// password < phone < mfa < certificate < qualified-certificate.
var ACRLevels = []string{ACRPassword, ACRPhone, ACRMFA, ACRCertificate, ACRQualifiedCertificate}

// ACRSatisfies tells whether a session of class have meets a demand for class want.
// Unknown classes satisfy nothing and are satisfied by nothing.
func ACRSatisfies(have, want string) bool {
	h, w := slices.Index(ACRLevels, have), slices.Index(ACRLevels, want)
	return h >= 0 && w >= 0 && h >= w
}

// StrongerACR returns the stronger of two classes; an unknown or empty class
// loses to a known one.
func StrongerACR(a, b string) string {
	if slices.Index(ACRLevels, b) > slices.Index(ACRLevels, a) {
		return b
	}
	return a
}

// ACRFromAMR derives the class a sign-in reached from the methods it used
// (RFC 8176 values): a password alone is ACRPassword; an SMS code, or one
// possession factor alone (an app code, a passkey without user verification),
// is ACRPhone; a password with any possession factor, a passkey with user
// verification, or an explicit "mfa" is ACRMFA. Nothing known gives "".
//
// Certificates are not judged here: a certificate sign-in takes its class from
// the certificate check (ACRCertificate or ACRQualifiedCertificate), and a
// session that adds factors keeps StrongerACR of both.
func ACRFromAMR(amr []string) string {
	has := func(v string) bool { return slices.Contains(amr, v) }
	knowledge := has(AMRPassword)
	key := has(AMRHardKey) || has(AMRSoftKey)
	possession := key || has(AMROTP) || has(AMRSMS)
	switch {
	case has(AMRMFA), knowledge && possession, key && has(AMRUser):
		return ACRMFA
	case possession:
		return ACRPhone
	case knowledge:
		return ACRPassword
	}
	return ""
}

// WithMFA adds the methods of a second factor to a first sign-in's and marks
// the set "mfa", without repeats, in a stable order.
func WithMFA(first, second []string) []string {
	out := slices.Clone(first)
	for _, v := range append(slices.Clone(second), AMRMFA) {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
