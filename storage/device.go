package storage

import (
	"context"
	"time"
)

// States of a device authorization.
const (
	DevicePending  = "pending"
	DeviceApproved = "approved"
	DeviceDenied   = "denied"
)

// DeviceAuthorization is a device's sign-in request (RFC 8628): the device
// polls with its device code while a person enters the user code in a browser,
// signs in and decides. It is the flow document of that decision.
type DeviceAuthorization struct {
	// ID is the SHA-256 (hex) of the device code; the code itself is not stored.
	ID string `bson:"_id"`
	// UserCode is what the person types, normalised (upper case, no dashes).
	UserCode  string    `bson:"user_code"`
	ClientID  string    `bson:"client_id"`
	Scopes    []string  `bson:"scopes"`
	State     string    `bson:"state"`
	ExpiresAt time.Time `bson:"expires_at"`
	// Who approved, and how they had signed in (for the tokens).
	Subject   string    `bson:"subject,omitempty"`
	AMR       []string  `bson:"amr,omitempty"`
	ACR       string    `bson:"acr,omitempty"`
	AuthTime  time.Time `bson:"auth_time,omitempty"`
	DecidedAt time.Time `bson:"decided_at,omitempty"`
}

// NormalizeUserCode is how user codes are compared: upper case, letters and
// digits only (at most 32), so that "bcdf-ghjk" and "BCDF GHJK" are one code.
func NormalizeUserCode(code string) string {
	out := make([]rune, 0, 8)
	for _, r := range code {
		switch {
		case len(out) == 32:
			return string(out)
		case r >= 'a' && r <= 'z':
			out = append(out, r-'a'+'A')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			out = append(out, r)
		}
	}
	return string(out)
}

// DeviceAuthorizations stores device authorizations. Reads never return expired ones.
type DeviceAuthorizations interface {
	CreateDeviceAuthorization(ctx context.Context, d DeviceAuthorization) error
	DeviceAuthorizationByID(ctx context.Context, id string) (DeviceAuthorization, error)
	DeviceAuthorizationByUserCode(ctx context.Context, userCode string) (DeviceAuthorization, error)
	// DecideDeviceAuthorization records the decision (State, Subject…) of a
	// pending authorization once; ErrConflict when it was decided before.
	DecideDeviceAuthorization(ctx context.Context, d DeviceAuthorization) error
}
