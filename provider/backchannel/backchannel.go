// Package backchannel is OpenID Connect Back-Channel Logout 1.0 from the
// provider's side: the logout token that tells a relying party a session
// ended, and its delivery with retries. It is separate because it is an
// outgoing HTTP client with its own timing, needing nothing of op or the
// store; which clients to tell, and the audit of the outcome, are the
// provider's.
package backchannel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/directory"
)

// event is the event a logout token carries (Back-Channel Logout 1.0 §2.4).
const event = "http://schemas.openid.net/event/backchannel-logout"

// logoutTokenLifetime bounds how long a logout token may be accepted.
const logoutTokenLifetime = 2 * time.Minute

// DefaultDelays are the waits before each attempt to deliver a logout
// token: at once, then twice more while the relying party may be restarting.
var DefaultDelays = []time.Duration{0, 2 * time.Second, 10 * time.Second}

// Token makes the logout token (§2.4) telling client clientID that subject's
// session sid ended: signed with key (the one of the client's ID tokens),
// typed logout+jwt (§2.4 recommends it), never with a nonce.
func Token(key op.SigningKey, issuer, clientID, subject, sid string) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: key.SignatureAlgorithm(), Key: jose.JSONWebKey{Key: key.Key(), KeyID: key.ID()}},
		(&jose.SignerOptions{}).WithType("logout+jwt"))
	if err != nil {
		return "", err
	}
	now := time.Now()
	claims, err := json.Marshal(map[string]any{
		"iss": issuer, "aud": clientID, "sub": subject, "sid": sid,
		"iat": now.Unix(), "exp": now.Add(logoutTokenLifetime).Unix(), "jti": directory.NewID(),
		"events": map[string]any{event: map[string]any{}},
	})
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(claims)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// Deliver POSTs a logout token to a relying party's back-channel logout URI,
// at once and then after each of delays (nil: DefaultDelays) while the answer
// is a network failure or a 5xx; a 4xx means the relying party refused the
// token and is not retried. It returns the attempts made.
func Deliver(ctx context.Context, uri, token string, delays []time.Duration) (int, error) {
	if len(delays) == 0 {
		delays = DefaultDelays
	}
	var err error
	for i, d := range delays {
		if d > 0 {
			time.Sleep(d)
		}
		var retry bool
		retry, err = postLogoutToken(ctx, uri, token)
		if err == nil || !retry {
			return i + 1, err
		}
	}
	return len(delays), err
}

// client follows no redirects (§2.5: the OP should not) and waits 5 s at most.
var client = &http.Client{
	Timeout:       5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// postLogoutToken POSTs the token; it says whether a failure is worth retrying.
func postLogoutToken(ctx context.Context, uri, token string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, strings.NewReader(url.Values{"logout_token": {token}}.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return true, err
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNoContent:
		return false, nil
	case resp.StatusCode >= 500:
		return true, fmt.Errorf("status %d", resp.StatusCode)
	default:
		return false, fmt.Errorf("refused with status %d", resp.StatusCode)
	}
}
