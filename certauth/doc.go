// Package certauth checks X.509 certificates and CMS signatures the way a CA
// would, and returns facts: the verified chain, the certificate's fingerprint, the
// qualified-certificate fields. It knows nothing of users, HTTP handlers or
// storage; login decides which account a certificate stands for.
//
// Go's crypto/x509 parses GOST certificates but cannot verify them (their keys
// come back nil, and Verify skips such issuers), so chains, CRLs and OCSP answers
// are verified here, one link at a time, with crypto/x509 for RSA, ECDSA and
// Ed25519 and the gost subpackage for GOST R 34.10-2012.
package certauth
