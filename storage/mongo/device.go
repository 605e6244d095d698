package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vhod-id/vhod/storage"
)

const colDevice = "device_authorizations"

// CreateDeviceAuthorization stores a new device authorization; a user code
// already in use is ErrAlreadyExists (unique index).
func (s *Store) CreateDeviceAuthorization(ctx context.Context, d storage.DeviceAuthorization) error {
	return s.insert(ctx, colDevice, "create device authorization", d)
}

// DeviceAuthorizationByID reads one by the hash of its device code.
func (s *Store) DeviceAuthorizationByID(ctx context.Context, id string) (storage.DeviceAuthorization, error) {
	var d storage.DeviceAuthorization
	err := s.byID(ctx, colDevice, "get device authorization", id, &d, func() time.Time { return d.ExpiresAt })
	return d, err
}

// DeviceAuthorizationByUserCode reads one by its user code.
func (s *Store) DeviceAuthorizationByUserCode(ctx context.Context, userCode string) (storage.DeviceAuthorization, error) {
	var d storage.DeviceAuthorization
	if err := s.findOne(ctx, colDevice, "get device authorization by user code", bson.D{{Key: "user_code", Value: userCode}}, &d); err != nil {
		return d, err
	}
	if !d.ExpiresAt.After(s.now()) {
		return storage.DeviceAuthorization{}, mapErr("get device authorization by user code", storage.ErrNotFound)
	}
	return d, nil
}

// DecideDeviceAuthorization claims the decision with a marker (one of two
// racing browsers wins), then writes it.
func (s *Store) DecideDeviceAuthorization(ctx context.Context, d storage.DeviceAuthorization) error {
	if err := s.claim(ctx, "device-decision:"+d.ID, d.ExpiresAt); err != nil {
		return err
	}
	return s.updateByID(ctx, colDevice, "decide device authorization", d.ID, bson.D{{Key: "$set", Value: bson.D{
		{Key: "state", Value: d.State}, {Key: "subject", Value: d.Subject}, {Key: "amr", Value: d.AMR}, {Key: "acr", Value: d.ACR},
		{Key: "auth_time", Value: d.AuthTime}, {Key: "decided_at", Value: d.DecidedAt}}}})
}
