// Package respond writes the answers of the provider's own protocol edge in
// the forms the RFCs name: OAuth errors (RFC 6749 section 5.2), a protected
// resource's refusals (RFC 6750 section 3), the headers that keep tokens out of
// caches and pages out of frames, and a buffer to change op's answer before it
// goes. It is separate because these forms are the same at every endpoint and
// need nothing of the provider's state.
package respond

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// NoStore marks an answer that carries tokens, codes or personal data as not
// to be cached (RFC 6749 section 5.1, RFC 6750 section 5.3).
func NoStore(w http.ResponseWriter) {
	h := w.Header()
	h["Cache-Control"] = noStore // prepared (see apiCSP)
	h["Pragma"] = noCache
}

// OAuthError answers an error of RFC 6749 section 5.2 as JSON. A failed
// client authentication that used HTTP Basic carries the Basic challenge.
func OAuthError(w http.ResponseWriter, status int, e *oidc.Error, basic bool) {
	if basic && status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="vhod", charset="UTF-8"`)
	}
	NoStore(w)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]string{"error": string(e.ErrorType)}
	if e.Description != "" && e.ErrorType != oidc.ServerError {
		body["error_description"] = e.Description
	}
	if e.ErrorType == oidc.ServerError {
		body["error_description"] = "internal error"
	}
	_ = json.NewEncoder(w).Encode(body)
}

// Status is the HTTP status of an OAuth error at the token, revocation
// and introspection endpoints (RFC 6749 section 5.2).
func Status(e *oidc.Error) int {
	switch e.ErrorType {
	case oidc.InvalidClient:
		return http.StatusUnauthorized
	case oidc.ServerError:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// BearerError answers a protected resource's refusal (RFC 6750 section 3,
// OpenID Connect Core section 5.3.3): no token at all is 401 with the bare
// challenge; an invalid token 401 invalid_token; too few scopes 403
// insufficient_scope. The body repeats the error as JSON.
func BearerError(w http.ResponseWriter, status int, code, description string) {
	challenge := `Bearer realm="vhod"`
	if code != "" {
		challenge += `, error="` + code + `"`
		if description != "" {
			challenge += `, error_description="` + strings.ReplaceAll(description, `"`, `'`) + `"`
		}
	}
	w.Header().Set("WWW-Authenticate", challenge)
	NoStore(w)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]string{}
	if code != "" {
		body["error"] = code
		if description != "" {
			body["error_description"] = description
		}
	} else {
		body["error"] = "invalid_request"
		body["error_description"] = "an access token is required"
	}
	_ = json.NewEncoder(w).Encode(body)
}

// JSON answers a value as JSON.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// CutScheme takes the credentials of an Authorization header of the scheme
// (Bearer, DPoP: case-insensitive, RFC 6750 section 2.1), ok false for another.
func CutScheme(authorization, scheme string) (string, bool) {
	if len(authorization) > len(scheme)+1 && strings.EqualFold(authorization[:len(scheme)], scheme) && authorization[len(scheme)] == ' ' {
		return strings.TrimSpace(authorization[len(scheme)+1:]), true
	}
	return "", false
}

// BearerChallenge answers 401 invalid_token with a Bearer challenge and no body.
func BearerChallenge(w http.ResponseWriter, description string) {
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+description+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
}

// WithTokenType rewrites token_type in a token response (op always says Bearer).
func WithTokenType(body []byte, tokenType string) []byte {
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

// Buffer holds an answer back so that it can be changed before it goes: a
// handler writes into it, and the caller sends Status and Body on (Status 0:
// nothing was written).
type Buffer struct {
	header http.Header
	Status int
	Body   bytes.Buffer
}

// NewBuffer makes an empty Buffer.
func NewBuffer() *Buffer { return &Buffer{header: http.Header{}} }

// Header implements http.ResponseWriter.
func (b *Buffer) Header() http.Header { return b.header }

// WriteHeader implements http.ResponseWriter; the first status counts.
func (b *Buffer) WriteHeader(code int) {
	if b.Status == 0 {
		b.Status = code
	}
}

// Write implements http.ResponseWriter.
func (b *Buffer) Write(p []byte) (int, error) {
	if b.Status == 0 {
		b.Status = http.StatusOK
	}
	return b.Body.Write(p)
}
