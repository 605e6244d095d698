package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxBody bounds what Vhod reads from a provider: profiles and tokens are a
// few kilobytes; a provider (or whoever answers in its place) must not make
// Vhod read without end.
const maxBody = 1 << 20

// defaultTimeout is a provider's whole answer, as Сбер's documentation
// promises (10 s) with a margin.
const defaultTimeout = 15 * time.Second

// apiError is the provider's refusal of a back-channel request: an OAuth
// error (RFC 6749 §5.2) or any 4xx.
type apiError struct {
	Status      int
	Code        string
	Description string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %.200s", e.Status, e.Code, e.Description)
}

// call sends req and decodes a JSON answer into out. A network failure, a
// 5xx or unreadable JSON is KindUnavailable; a 4xx is KindInvalid (the
// provider refused what Vhod sent: a code, a secret, a token).
func call(hc *http.Client, provider string, req *http.Request, out any) error {
	body, err := fetch(hc, provider, req)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fail(provider, KindUnavailable, "%s %s: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// fetch is call without the decoding: the body of a 2xx answer.
func fetch(hc *http.Client, provider string, req *http.Request) ([]byte, error) {
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fail(provider, KindUnavailable, "%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fail(provider, KindUnavailable, "%s %s: %w", req.Method, req.URL.Path, err)
	}
	if len(body) > maxBody {
		return nil, fail(provider, KindUnavailable, "%s %s: the answer is over %d bytes", req.Method, req.URL.Path, maxBody)
	}
	if resp.StatusCode >= 500 {
		return nil, fail(provider, KindUnavailable, "%s %s: HTTP %d", req.Method, req.URL.Path, resp.StatusCode)
	}
	if resp.StatusCode >= 400 {
		var oe struct {
			Error       any    `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(body, &oe)
		ae := &apiError{Status: resp.StatusCode, Description: oe.Description}
		if s, ok := oe.Error.(string); ok {
			ae.Code = s
		}
		if ae.Description == "" {
			ae.Description = string(body)
		}
		return nil, &Error{Kind: KindInvalid, Provider: provider, Code: ae.Code,
			Err: fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, ae)}
	}
	return body, nil
}

// postForm posts an application/x-www-form-urlencoded body.
func postForm(ctx context.Context, hc *http.Client, provider, endpoint string, form url.Values, header http.Header, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fail(provider, KindConfig, "token endpoint %q: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return call(hc, provider, req, out)
}

// getJSON sends a GET with the given Authorization header value.
func getJSON(ctx context.Context, hc *http.Client, provider, endpoint, authorization string, header http.Header, out any) error {
	body, err := get(ctx, hc, provider, endpoint, authorization, header)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fail(provider, KindUnavailable, "GET %s: %w", endpoint, err)
	}
	return nil
}

// get is getJSON without the decoding.
func get(ctx context.Context, hc *http.Client, provider, endpoint, authorization string, header http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, fail(provider, KindConfig, "endpoint %q: %w", endpoint, err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return fetch(hc, provider, req)
}

// tokenResponse is the fields of an OAuth token answer the connectors use.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	ExpiresIn    any    `json:"expires_in"` // a number, or a string at some providers
	State        string `json:"state"`
	Scope        string `json:"scope"`
	// VK ID answers user_id with the tokens.
	UserID any `json:"user_id"`
}

func (t tokenResponse) check(provider string) error {
	if t.AccessToken == "" {
		return fail(provider, KindInvalid, "the token answer has no access_token")
	}
	return nil
}

// errNoSubject: a profile without the id the account is linked by.
var errNoSubject = errors.New("the profile has no subject id")
