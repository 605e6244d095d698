package directory

import "slices"

// Authentication method references (RFC 8176) that Vhod puts into "amr".
const (
	AMRPassword = "pwd"
	AMRSMS      = "sms"
	AMROTP      = "otp"
	AMRMFA      = "mfa"
	AMRHardKey  = "hwk"
	AMRSoftKey  = "swk"
)

// Authentication context classes, weakest first.
const (
	ACRPassword             = "urn:vhod:acr:password"
	ACRPhone                = "urn:vhod:acr:phone"
	ACRCertificate          = "urn:vhod:acr:certificate"
	ACRQualifiedCertificate = "urn:vhod:acr:qualified-certificate"
)

// ACRLevels lists the classes from weakest to strongest.
var ACRLevels = []string{ACRPassword, ACRPhone, ACRCertificate, ACRQualifiedCertificate}

// ACRSatisfies tells whether a session of class have meets a demand for class want.
// Unknown classes satisfy nothing and are satisfied by nothing.
func ACRSatisfies(have, want string) bool {
	h, w := slices.Index(ACRLevels, have), slices.Index(ACRLevels, want)
	return h >= 0 && w >= 0 && h >= w
}
