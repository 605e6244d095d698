package provider

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// Answers of Vhod's own protocol edge, in the forms the RFCs name.

// noStore marks an answer that carries tokens, codes or personal data as not
// to be cached (RFC 6749 section 5.1, RFC 6750 section 5.3).
func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

// writeOAuthError answers an error of RFC 6749 section 5.2 as JSON. A failed
// client authentication that used HTTP Basic carries the Basic challenge.
func writeOAuthError(w http.ResponseWriter, status int, e *oidc.Error, basic bool) {
	if basic && status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="vhod", charset="UTF-8"`)
	}
	noStore(w)
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

// failureStatus is the HTTP status of an OAuth error at the token, revocation
// and introspection endpoints (RFC 6749 section 5.2).
func failureStatus(e *oidc.Error) int {
	switch e.ErrorType {
	case oidc.InvalidClient:
		return http.StatusUnauthorized
	case oidc.ServerError:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// bearerError answers a protected resource's refusal (RFC 6750 section 3,
// OpenID Connect Core section 5.3.3): no token at all is 401 with the bare
// challenge; an invalid token 401 invalid_token; too few scopes 403
// insufficient_scope. The body repeats the error as JSON.
func bearerError(w http.ResponseWriter, status int, code, description string) {
	challenge := `Bearer realm="vhod"`
	if code != "" {
		challenge += `, error="` + code + `"`
		if description != "" {
			challenge += `, error_description="` + strings.ReplaceAll(description, `"`, `'`) + `"`
		}
	}
	w.Header().Set("WWW-Authenticate", challenge)
	noStore(w)
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

// writeJSONValue answers a value as JSON.
func writeJSONValue(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
