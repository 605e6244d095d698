package provider

import (
	"context"
	"errors"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// Device authorization grant (RFC 8628), as op offers it: op answers
// /device_authorization and the device_code grant; Vhod keeps the requests and
// serves the page where a person enters the user code (DeviceUserPath, a page
// of the login package).
const (
	// DeviceCodeLifetime is how long the person has to enter the code.
	DeviceCodeLifetime = 10 * time.Minute
	// DevicePollInterval is how often the device may ask.
	DevicePollInterval = 5 * time.Second
	// DeviceUserPath is the page for the user code.
	DeviceUserPath = "/device"
)

// StoreDeviceAuthorization implements op.DeviceAuthorizationStorage. Only the
// scopes the client may have are kept (op checks none here).
func (s *Storage) StoreDeviceAuthorization(ctx context.Context, clientID, deviceCode, userCode string, expires time.Time, scopes []string) error {
	c, err := s.loadClient(ctx, clientID)
	if err != nil {
		return s.notFoundAs(ctx, err, oidc.ErrInvalidClient())
	}
	kept := directory.GrantedScopes(c.c, scopes)
	d := storage.DeviceAuthorization{ID: hashToken(deviceCode), UserCode: storage.NormalizeUserCode(userCode), ClientID: clientID,
		Scopes: kept, State: storage.DevicePending, ExpiresAt: expires.UTC()}
	if err := s.store.CreateDeviceAuthorization(ctx, d); err != nil {
		return s.serverError(ctx, err)
	}
	return nil
}

// GetDeviceAuthorizatonState implements op.DeviceAuthorizationStorage (op's
// spelling). An unknown or expired code reads as expired (expired_token).
func (s *Storage) GetDeviceAuthorizatonState(ctx context.Context, clientID, deviceCode string) (*op.DeviceAuthorizationState, error) {
	d, err := s.store.DeviceAuthorizationByID(ctx, hashToken(deviceCode))
	if errors.Is(err, storage.ErrNotFound) || (err == nil && d.ClientID != clientID) {
		return &op.DeviceAuthorizationState{ClientID: clientID}, nil
	}
	if err != nil {
		return nil, s.serverError(ctx, err)
	}
	st := &op.DeviceAuthorizationState{ClientID: clientID, Audience: []string{clientID}, Scopes: d.Scopes, Expires: d.ExpiresAt,
		Done: d.State == storage.DeviceApproved, Denied: d.State == storage.DeviceDenied, Subject: d.Subject, AMR: d.AMR, AuthTime: d.AuthTime}
	if h := holder(ctx); h != nil && st.Done {
		h.device = &d
	}
	return st, nil
}

// deviceGrant is what the tokens of an approved device authorization are for.
// op hands out tokens at every poll once it is approved; the first poll's
// claim makes the device code single-use (RFC 8628 section 3.5).
func (s *Storage) deviceGrant(ctx context.Context) (storage.Grant, error) {
	h := holder(ctx)
	if h == nil || h.device == nil {
		return storage.Grant{}, oidc.ErrInvalidGrant().WithDescription("unknown device code")
	}
	d := h.device
	if err := s.store.ClaimOnce(ctx, "device-token:"+d.ID, d.ExpiresAt); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return storage.Grant{}, oidc.ErrInvalidGrant().WithDescription("the device code was used")
		}
		return storage.Grant{}, s.serverError(ctx, err)
	}
	s.cfg.OnTokens(string(oidc.GrantTypeDeviceCode))
	return storage.Grant{ClientID: d.ClientID, Subject: d.Subject, Audience: []string{d.ClientID}, Scopes: d.Scopes,
		Family: directory.NewID(), AuthTime: d.AuthTime, AMR: d.AMR, ACR: d.ACR}, nil
}
