package storage

import (
	"context"
	"time"
)

// Session is a browser's single sign-on session.
type Session struct {
	// ID is the SHA-256 of the cookie value; the value itself is never stored.
	ID string `bson:"_id"`
	// SID is the public session id put into tokens as "sid".
	SID      string    `bson:"sid"`
	UserID   string    `bson:"user_id"`
	AuthTime time.Time `bson:"auth_time"`
	AMR      []string  `bson:"amr"`
	ACR      string    `bson:"acr"`
	// Certificate is the one this session signed in with, if any.
	Certificate *CertificateRef `bson:"certificate,omitempty"`
	// IdP is the outside identity provider (its ID) the session signed in
	// through, if any: the "idp" claim.
	IdP string `bson:"idp,omitempty"`
	// OrgID is the organisation the person acts for in this browser session.
	OrgID string `bson:"org_id,omitempty"`
	// ClientIDs are the relying parties this session signed in to: the ones
	// to tell when it ends (back- and front-channel logout). The client a
	// sign-in is for is listed when the session starts (one write, not two);
	// should that sign-in then stop (consent refused), the client may hear of a
	// logout of a session it never saw, which OpenID Back-Channel Logout 1.0
	// §2.8 has it ignore.
	ClientIDs []string  `bson:"client_ids,omitempty"`
	UserAgent string    `bson:"user_agent,omitempty"`
	IP        string    `bson:"ip,omitempty"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// Sessions stores browser sessions. Reads never return expired sessions.
type Sessions interface {
	CreateSession(ctx context.Context, s Session) error
	SessionByID(ctx context.Context, id string) (Session, error)
	SessionBySID(ctx context.Context, sid string) (Session, error)
	DeleteSession(ctx context.Context, id string) error
	// SetSessionOrg records the organisation chosen in the session ("" none).
	SetSessionOrg(ctx context.Context, id, orgID string) error
	// AddSessionClient records that a client received tokens in the session with
	// this public sid (once per client); ErrNotFound when there is no such session.
	AddSessionClient(ctx context.Context, sid, clientID string) error
	ListUserSessions(ctx context.Context, userID string) ([]Session, error)
	// DeleteUserSessions ends every session of a user.
	DeleteUserSessions(ctx context.Context, userID string) error
}

// Consent records the scopes a user allowed a client.
type Consent struct {
	ID        string    `bson:"_id"` // userID + "|" + clientID
	UserID    string    `bson:"user_id"`
	ClientID  string    `bson:"client_id"`
	Scopes    []string  `bson:"scopes"`
	GrantedAt time.Time `bson:"granted_at"`
}

// Consents stores consent decisions.
type Consents interface {
	// GrantConsent adds scopes to the user's consent for the client.
	GrantConsent(ctx context.Context, userID, clientID string, scopes []string, at time.Time) error
	// ConsentedScopes returns the scopes granted so far (none: empty, no error).
	ConsentedScopes(ctx context.Context, userID, clientID string) ([]string, error)
}
