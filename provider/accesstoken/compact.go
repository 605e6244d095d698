package accesstoken

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

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
		r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
		if err != nil {
			return "", true, err
		}
		var sig [64]byte
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
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
