// Package dpop checks DPoP proofs (RFC 9449): the JWT a client signs with its
// own key for each request, so that a token bound to that key (cnf.jkt) is of
// no use to anyone who copies it. It checks a proof against the request, makes
// and accepts the server nonces, and records each proof's jti so that it is
// accepted once. It is separate from the provider because none of this needs
// op or the request's token state: the provider binds tokens to the key
// thumbprint a proof returns, and answers a refusal in the form asked for.
package dpop

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/vhod-id/vhod/storage"
)

// Algorithms are the proof signatures accepted (RFC 9449 section 4.2):
// asymmetric only, since the proof carries its public key.
var Algorithms = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.RS256, jose.PS256, jose.EdDSA}

const (
	// window is how far a proof's iat may be from now.
	window = time.Minute
	// nonceStep is how often the server nonce changes; the previous one stays
	// good, so a nonce lives between one and two steps.
	nonceStep = 5 * time.Minute
	// maxProofSize bounds a DPoP header before it is parsed.
	maxProofSize = 8 << 10
)

// Error codes of RFC 9449.
const (
	CodeInvalidProof = "invalid_dpop_proof"
	CodeUseNonce     = "use_dpop_nonce"
)

// Error is a refused proof: its RFC 9449 error code and a description.
type Error struct{ Code, Description string }

func (e *Error) Error() string { return e.Code + ": " + e.Description }

func badProof(description string) *Error { return &Error{CodeInvalidProof, description} }

// proofClaims are the claims of a DPoP proof JWT (section 4.2).
type proofClaims struct {
	JTI   string `json:"jti"`
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	IAT   int64  `json:"iat"`
	ATH   string `json:"ath"`
	Nonce string `json:"nonce"`
}

// Verifier checks proofs; every instance with the same key makes and accepts
// the same nonces, and the store's one-time claims are shared, so several
// instances act as one.
type Verifier struct {
	key  [32]byte
	once storage.Once
	// current is the nonce of the latest step asked for: every token answer
	// carries one, and an HMAC per answer was a tenth of its allocations.
	current atomic.Pointer[stepNonce]
}

type stepNonce struct {
	step  int64
	nonce string
	// header is the nonce as a prepared header value (capacity one, see
	// respond's prepared values).
	header []string
}

// New makes a verifier whose nonces are keyed with key and whose used proofs
// are claimed in once.
func New(key [32]byte, once storage.Once) *Verifier {
	return &Verifier{key: key, once: once}
}

// Check checks a request's DPoP proof for the method and URL htu, bound to
// accessToken when one is presented, with a server nonce when needNonce; it
// returns the thumbprint (jkt) of the proof's key. A proof is accepted once:
// its jti is claimed in the store, so every instance knows it. A refusal is an
// *Error; any other error is the store's.
func (v *Verifier) Check(ctx context.Context, r *http.Request, htu, accessToken string, needNonce bool) (string, error) {
	values := r.Header.Values("DPoP")
	if len(values) != 1 || len(values[0]) > maxProofSize {
		return "", badProof("exactly one DPoP header is needed")
	}
	jws, err := jose.ParseSignedCompact(values[0], Algorithms)
	if err != nil || len(jws.Signatures) != 1 {
		return "", badProof("the proof is not a JWS signed with one of the supported algorithms")
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "dpop+jwt" {
		return "", badProof("typ must be dpop+jwt")
	}
	if h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() || !h.JSONWebKey.Valid() {
		return "", badProof("the proof must carry a public jwk")
	}
	payload, err := jws.Verify(h.JSONWebKey)
	if err != nil {
		return "", badProof("the proof's signature does not verify")
	}
	var c proofClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return "", badProof("the proof's claims are unreadable")
	}
	now := time.Now()
	switch {
	case c.JTI == "" || len(c.JTI) > 256:
		return "", badProof("jti is missing")
	case c.HTM != r.Method:
		return "", badProof("htm is not the request's method")
	case !sameHTU(c.HTU, htu):
		return "", badProof("htu is not the request's URL")
	case c.IAT < now.Add(-window).Unix() || c.IAT > now.Add(window).Unix():
		return "", badProof("iat is not within a minute of now")
	case accessToken != "" && c.ATH != tokenHash(accessToken):
		return "", badProof("ath does not match the access token")
	case needNonce && !v.validNonce(c.Nonce, now):
		return "", &Error{CodeUseNonce, "use the DPoP-Nonce this answer carries"}
	}
	thumb, err := h.JSONWebKey.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", badProof("the proof's key has no thumbprint")
	}
	jkt := base64.RawURLEncoding.EncodeToString(thumb)
	if err := v.once.ClaimOnce(ctx, "dpop:"+jkt+":"+c.JTI, now.Add(2*window)); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return "", badProof("the proof was used before")
		}
		return "", fmt.Errorf("claim a DPoP proof: %w", err)
	}
	return jkt, nil
}

// sameHTU compares URLs without query and fragment (section 4.3, step 9).
func sameHTU(got, want string) bool {
	u, err := url.Parse(got)
	if err != nil {
		return false
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String() == want
}

// tokenHash is the ath of an access token: base64url SHA-256 of its value.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// nonce is the server nonce of a time step: an HMAC under the provider key,
// so that every instance makes and accepts the same ones without sharing state.
func (v *Verifier) nonce(step int64) string {
	if c := v.current.Load(); c != nil && c.step == step {
		return c.nonce
	}
	return v.remember(step).nonce
}

// remember computes the nonce of step and keeps it when it is the newest.
func (v *Verifier) remember(step int64) *stepNonce {
	n := v.makeNonce(step)
	sn := &stepNonce{step: step, nonce: n, header: []string{n}}
	if c := v.current.Load(); c == nil || c.step < step {
		v.current.Store(sn)
	}
	return sn
}

// NonceHeader is Nonce as the value of a DPoP-Nonce header, shared between
// answers: set it, never write into it.
func (v *Verifier) NonceHeader(now time.Time) []string {
	step := now.Unix() / int64(nonceStep.Seconds())
	if c := v.current.Load(); c != nil && c.step == step {
		return c.header
	}
	return v.remember(step).header
}

func (v *Verifier) makeNonce(step int64) string {
	m := hmac.New(sha256.New, v.key[:])
	m.Write([]byte("vhod dpop nonce"))
	_ = binary.Write(m, binary.BigEndian, step)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// Nonce is the server nonce to hand out now (the DPoP-Nonce header).
func (v *Verifier) Nonce(now time.Time) string {
	return v.nonce(now.Unix() / int64(nonceStep.Seconds()))
}

func (v *Verifier) validNonce(nonce string, now time.Time) bool {
	step := now.Unix() / int64(nonceStep.Seconds())
	return nonce != "" && (hmac.Equal([]byte(nonce), []byte(v.nonce(step))) || hmac.Equal([]byte(nonce), []byte(v.nonce(step-1))))
}

// Challenge answers a protected resource's refusal of a DPoP-bound request:
// 401 with WWW-Authenticate: DPoP, the error and the accepted algorithms.
func Challenge(w http.ResponseWriter, code, description string) {
	algs := make([]string, len(Algorithms))
	for i, a := range Algorithms {
		algs[i] = string(a)
	}
	w.Header().Set("WWW-Authenticate", `DPoP error="`+code+`", error_description="`+description+`", algs="`+strings.Join(algs, " ")+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
}
