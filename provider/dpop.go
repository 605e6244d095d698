package provider

import (
	"bytes"
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/storage"
)

// DPoPAlgorithms are the proof signatures accepted (RFC 9449 section 4.2):
// asymmetric only, since the proof carries its public key.
var DPoPAlgorithms = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.RS256, jose.PS256, jose.EdDSA}

const (
	// dpopWindow is how far a proof's iat may be from now.
	dpopWindow = time.Minute
	// dpopNonceStep is how often the server nonce changes; the previous one stays
	// good, so a nonce lives between one and two steps.
	dpopNonceStep = 5 * time.Minute
	// maxProofSize bounds a DPoP header before it is parsed.
	maxProofSize = 8 << 10
)

// Error codes of RFC 9449.
const (
	errInvalidDPoPProof = "invalid_dpop_proof"
	errUseDPoPNonce     = "use_dpop_nonce"
)

// dpopError is a refused proof: its RFC 9449 error code and a description.
type dpopError struct{ code, description string }

func (e *dpopError) Error() string { return e.code + ": " + e.description }

func badProof(description string) *dpopError { return &dpopError{errInvalidDPoPProof, description} }

// proofClaims are the claims of a DPoP proof JWT (section 4.2).
type proofClaims struct {
	JTI   string `json:"jti"`
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	IAT   int64  `json:"iat"`
	ATH   string `json:"ath"`
	Nonce string `json:"nonce"`
}

// dpopProof checks a request's DPoP proof for the method and URL, bound to
// accessToken when one is presented, with a server nonce when needNonce; it
// returns the thumbprint (jkt) of the proof's key. A proof is accepted once: its
// jti is claimed in the store, so every instance knows it.
func (s *Storage) dpopProof(ctx context.Context, r *http.Request, htu, accessToken string, needNonce bool) (string, *dpopError) {
	values := r.Header.Values("DPoP")
	if len(values) != 1 || len(values[0]) > maxProofSize {
		return "", badProof("exactly one DPoP header is needed")
	}
	jws, err := jose.ParseSignedCompact(values[0], DPoPAlgorithms)
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
	case c.IAT < now.Add(-dpopWindow).Unix() || c.IAT > now.Add(dpopWindow).Unix():
		return "", badProof("iat is not within a minute of now")
	case accessToken != "" && c.ATH != tokenHash(accessToken):
		return "", badProof("ath does not match the access token")
	case needNonce && !s.validDPoPNonce(c.Nonce, now):
		return "", &dpopError{errUseDPoPNonce, "use the DPoP-Nonce this answer carries"}
	}
	thumb, err := h.JSONWebKey.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", badProof("the proof's key has no thumbprint")
	}
	jkt := base64.RawURLEncoding.EncodeToString(thumb)
	if err := s.store.ClaimOnce(ctx, "dpop:"+jkt+":"+c.JTI, now.Add(2*dpopWindow)); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return "", badProof("the proof was used before")
		}
		return "", &dpopError{string(oidc.ServerError), s.serverError(ctx, err).Description}
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

// dpopNonce is the server nonce of a time step: an HMAC under the provider key,
// so that every instance makes and accepts the same ones without sharing state.
func (s *Storage) dpopNonce(step int64) string {
	m := hmac.New(sha256.New, s.cfg.CryptoKey[:])
	m.Write([]byte("vhod dpop nonce"))
	_ = binary.Write(m, binary.BigEndian, step)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

func (s *Storage) currentDPoPNonce(now time.Time) string {
	return s.dpopNonce(now.Unix() / int64(dpopNonceStep.Seconds()))
}

func (s *Storage) validDPoPNonce(nonce string, now time.Time) bool {
	step := now.Unix() / int64(dpopNonceStep.Seconds())
	return nonce != "" && (hmac.Equal([]byte(nonce), []byte(s.dpopNonce(step))) || hmac.Equal([]byte(nonce), []byte(s.dpopNonce(step-1))))
}

// dpopToken is the token endpoint's DPoP layer. A request with a proof gets
// tokens bound to the proof's key (cnf.jkt) and token_type DPoP; a proof
// without the current server nonce is answered use_dpop_nonce. Every answer
// carries the nonce to use next.
func (p *Provider) dpopToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := p.storage
		w.Header().Set("DPoP-Nonce", s.currentDPoPNonce(time.Now()))
		if r.Header.Get("DPoP") == "" {
			next.ServeHTTP(w, r)
			return
		}
		jkt, derr := s.dpopProof(r.Context(), r, p.publicURL(r), "", true)
		if derr != nil {
			w.Header().Set("Cache-Control", "no-store")
			op.RequestError(w, r, oauthError(derr.code, derr.description), p.cfg.Logger)
			return
		}
		if h := holder(r.Context()); h != nil {
			h.dpopJKT = jkt
		}
		buf := &bufferedResponse{header: http.Header{}}
		next.ServeHTTP(buf, r)
		body := buf.body.Bytes()
		if buf.status == 0 || buf.status == http.StatusOK {
			body = withTokenType(body, "DPoP")
		}
		for k, v := range buf.header {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(max(buf.status, http.StatusOK))
		_, _ = w.Write(body)
	})
}

// dpopResource is the DPoP layer of userinfo: "Authorization: DPoP <token>"
// needs a proof of the token's key (with ath); it is handed on to op as a bearer
// token, and SetUserinfoFromToken compares the token's binding with the proof.
// A bound token shown without a proof, or with another key, gets 401 with
// WWW-Authenticate: DPoP.
func (p *Provider) dpopResource(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := holder(r.Context())
		if token, ok := cutScheme(r.Header.Get("Authorization"), "DPoP"); ok && h != nil {
			jkt, derr := p.storage.dpopProof(r.Context(), r, p.publicURL(r), token, false)
			if derr != nil {
				dpopChallenge(w, derr.code, derr.description)
				return
			}
			h.dpopJKT, h.rawToken = jkt, token
			r.Header.Set("Authorization", "Bearer "+token)
		}
		buf := &bufferedResponse{header: http.Header{}}
		next.ServeHTTP(buf, r)
		if h != nil && h.bindingRefused {
			if h.refusedDPoP {
				dpopChallenge(w, "invalid_token", "the access token is bound to a key this request does not prove")
			} else {
				bearerChallenge(w, "the access token is bound to a client certificate this connection does not present")
			}
			return
		}
		for k, v := range buf.header {
			w.Header()[k] = v
		}
		w.WriteHeader(max(buf.status, http.StatusOK))
		_, _ = w.Write(buf.body.Bytes())
	})
}

// checkBinding refuses a sender-constrained token used without its key: a
// DPoP-bound token needs a proof of the same key, a DPoP proof needs a token
// bound to it.
func (s *Storage) checkBinding(ctx context.Context, g storage.Grant) bool {
	h := holder(ctx)
	if h == nil {
		return g.JKT == "" && g.X5T == ""
	}
	// RFC 8705 section 3: a certificate-bound token comes over a connection
	// with the same certificate.
	if g.JKT != h.dpopJKT || (g.X5T != "" && g.X5T != h.x5t) {
		h.bindingRefused, h.refusedDPoP = true, g.JKT != "" || h.dpopJKT != ""
		return false
	}
	return true
}

func cutScheme(authorization, scheme string) (string, bool) {
	if len(authorization) > len(scheme)+1 && strings.EqualFold(authorization[:len(scheme)], scheme) && authorization[len(scheme)] == ' ' {
		return strings.TrimSpace(authorization[len(scheme)+1:]), true
	}
	return "", false
}

func bearerChallenge(w http.ResponseWriter, description string) {
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+description+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
}

func dpopChallenge(w http.ResponseWriter, code, description string) {
	w.Header().Set("WWW-Authenticate", `DPoP error="`+code+`", error_description="`+description+`", algs="`+strings.Join(names(DPoPAlgorithms), " ")+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
}

// withTokenType rewrites token_type in a token response (op always says Bearer).
func withTokenType(body []byte, tokenType string) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil || m["access_token"] == nil {
		return body
	}
	m["token_type"], _ = json.Marshal(tokenType)
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

// bufferedResponse holds an answer back so that it can be changed before it goes.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
