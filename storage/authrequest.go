package storage

import (
	"context"
	"time"
)

// AuthRequest is an OpenID Connect authorization request between /authorize and the
// code exchange.
type AuthRequest struct {
	ID                  string   `bson:"_id"`
	ClientID            string   `bson:"client_id"`
	RedirectURI         string   `bson:"redirect_uri"`
	Scopes              []string `bson:"scopes"`
	State               string   `bson:"state,omitempty"`
	Nonce               string   `bson:"nonce,omitempty"`
	ResponseType        string   `bson:"response_type"`
	ResponseMode        string   `bson:"response_mode,omitempty"`
	CodeChallenge       string   `bson:"code_challenge,omitempty"`
	CodeChallengeMethod string   `bson:"code_challenge_method,omitempty"`
	Prompt              []string `bson:"prompt,omitempty"`
	// MaxAge in seconds; nil when the request did not ask.
	MaxAge    *int64   `bson:"max_age,omitempty"`
	UILocales []string `bson:"ui_locales,omitempty"`
	LoginHint string   `bson:"login_hint,omitempty"`
	ACRValues []string `bson:"acr_values,omitempty"`
	// OrgHint names the organisation to act for (its ID or INN), from org_hint.
	OrgHint string `bson:"org_hint,omitempty"`
	// HintSubject is the subject of a verified id_token_hint.
	HintSubject string `bson:"hint_subject,omitempty"`
	// BrowserHash binds the request to the browser that started it (SHA-256 of a cookie).
	BrowserHash string `bson:"browser_hash"`

	Completion *Completion `bson:"completion,omitempty"`
	CreatedAt  time.Time   `bson:"created_at"`
	ExpiresAt  time.Time   `bson:"expires_at"`
}

// Completion is what the login flow established about the user.
type Completion struct {
	UserID    string    `bson:"user_id"`
	AuthTime  time.Time `bson:"auth_time"`
	AMR       []string  `bson:"amr"`
	ACR       string    `bson:"acr"`
	SessionID string    `bson:"session_id"`
	// Certificate is the one the person signed in with, for the "cert" claim.
	Certificate *CertificateRef `bson:"certificate,omitempty"`
	// OrgID is the organisation chosen for this sign-in, for the "org" claim.
	OrgID string `bson:"org_id,omitempty"`
	// IdP is the outside identity provider of the sign-in, for the "idp" claim.
	IdP string `bson:"idp,omitempty"`
}

// AuthRequestKept is how long the sweep keeps an auth request after it
// expired: reads never return it, but AuthRequestClient still names its app,
// so that a person back from lunch at an expired sign-in is led to the app.
const AuthRequestKept = time.Hour

// AuthRequests stores authorization requests. Reads never return expired requests.
type AuthRequests interface {
	CreateAuthRequest(ctx context.Context, r AuthRequest) error
	AuthRequestByID(ctx context.Context, id string) (AuthRequest, error)
	// AuthRequestClient is the client of request id, expired or not (until
	// the sweep removes it): all that an error page needs to lead a person
	// whose sign-in expired back to the app. ErrNotFound when there is none.
	AuthRequestClient(ctx context.Context, id string) (string, error)
	// CompleteAuthRequest records the sign-in and shortens the request's life to
	// expiresAt (the life of its code); ErrConflict if it was already completed.
	CompleteAuthRequest(ctx context.Context, id string, c Completion, expiresAt time.Time) error
	// RedeemAuthCode consumes the code of completed request id and returns the
	// request. check, when not nil, sees the request first: its error is
	// returned as it is and the code stays unspent (a wrong client or verifier
	// must not burn the rightful client's code). A second redemption returns the
	// request with ErrConflict, so that the caller can revoke what the first
	// exchange issued; an incomplete or deleted request is ErrNotFound, also
	// when it was deleted after its code was given out.
	RedeemAuthCode(ctx context.Context, id string, check func(AuthRequest) error) (AuthRequest, error)
	// IssueAuthCode marks the code of completed request id as given out, once:
	// a request answers its callback with a code at most once, so that whoever
	// else reaches the callback (a second tab, or someone who planted the
	// browser's binding) gets none. r is the request as the caller has just
	// read it (so that answering a callback reads it once). ErrConflict when
	// its code was already given out; ErrNotFound when r is expired or not
	// completed.
	IssueAuthCode(ctx context.Context, r AuthRequest) error
	// DeleteAuthRequest removes request id; a code given out for it is
	// refused from then on (RedeemAuthCode's ErrNotFound).
	DeleteAuthRequest(ctx context.Context, id string) error
}
