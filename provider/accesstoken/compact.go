package accesstoken

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/vhod-id/vhod/provider/respond"
)

// compact signs payload as a JWS in compact serialization (RFC 7515 section
// 7.1) typed at+jwt, for the keys whose signature is the whole of the work:
// ES256 (RFC 7518 section 3.4: R and S, 32 bytes each) and EdDSA (RFC 8037).
// It writes the bytes go-jose writes (the header's members in its order: alg,
// kid, typ), without building a signer and a reflective JSON encoding for
// every token, which cost a third of a client_credentials token's allocations.
// ok is false for any other key: Sign hands those to go-jose.
func compact(key op.SigningKey, payload []byte) (token string, ok bool, err error) {
	alg := key.SignatureAlgorithm()
	switch k := key.Key().(type) {
	case *ecdsa.PrivateKey:
		if alg != jose.ES256 || k.Curve.Params().BitSize != 256 {
			return "", false, nil
		}
		input, err := signingInput(alg, key.ID(), payload)
		if err != nil {
			return "", true, err
		}
		digest := sha256.Sum256(input)
		// SignASN1, not Sign: Sign makes the DER signature too and parses it
		// back into two big.Ints.
		der, err := ecdsa.SignASN1(rand.Reader, k, digest[:])
		if err != nil {
			return "", true, err
		}
		var sig [64]byte
		if !rawSignature(der, &sig) {
			return "", true, errors.New("accesstoken: ECDSA signature of an unexpected form")
		}
		return finish(input, sig[:]), true, nil
	case ed25519.PrivateKey:
		if alg != jose.EdDSA {
			return "", false, nil
		}
		input, err := signingInput(alg, key.ID(), payload)
		if err != nil {
			return "", true, err
		}
		return finish(input, ed25519.Sign(k, input)), true, nil
	}
	return "", false, nil
}

// rawSignature writes a DER ECDSA signature (a SEQUENCE of the INTEGERs R
// and S) as JWS has it for ES256 (RFC 7518 section 3.4): R and S as 32
// big-endian bytes each.
func rawSignature(der []byte, out *[64]byte) bool {
	var seq, r, s cryptobyte.String
	in := cryptobyte.String(der)
	return in.ReadASN1(&seq, asn1.SEQUENCE) && in.Empty() &&
		seq.ReadASN1(&r, asn1.INTEGER) && seq.ReadASN1(&s, asn1.INTEGER) && seq.Empty() &&
		fixedWidth(r, out[:32]) && fixedWidth(s, out[32:])
}

// fixedWidth writes the positive DER INTEGER n right-aligned into out.
func fixedWidth(n []byte, out []byte) bool {
	if len(n) == 0 || n[0]&0x80 != 0 { // empty, or negative
		return false
	}
	for len(n) > 0 && n[0] == 0 {
		n = n[1:]
	}
	if len(n) == 0 || len(n) > len(out) {
		return false
	}
	copy(out[len(out)-len(n):], n)
	return true
}

// signingInput is BASE64URL(header) "." BASE64URL(payload).
func signingInput(alg jose.SignatureAlgorithm, kid string, payload []byte) ([]byte, error) {
	var buf [128]byte // the header stays on the stack unless the kid is long
	header := append(buf[:0], `{"alg":`...)
	header = respond.AppendJSONString(header, string(alg))
	header = append(header, `,"kid":`...)
	header = respond.AppendJSONString(header, kid)
	header = append(header, `,"typ":"`+Type+`"}`...)
	enc := base64.RawURLEncoding
	out := make([]byte, 0, enc.EncodedLen(len(header))+1+enc.EncodedLen(len(payload))+1+enc.EncodedLen(64))
	out = enc.AppendEncode(out, header)
	out = append(out, '.')
	return enc.AppendEncode(out, payload), nil
}

// finish appends the signature to the signing input.
func finish(input, sig []byte) string {
	out := append(input, '.')
	return string(base64.RawURLEncoding.AppendEncode(out, sig))
}
