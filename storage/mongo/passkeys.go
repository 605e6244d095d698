package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

// CreatePasskey stores a credential; its unique _id refuses a second account
// (or the same one) registering the same credential ID.
func (s *Store) CreatePasskey(ctx context.Context, p storage.Passkey) error {
	p.CreatedAt, p.LastUsedAt = p.CreatedAt.UTC(), p.LastUsedAt.UTC()
	return s.insert(ctx, colPasskeys, "create passkey", p)
}

// PasskeyByID finds a credential by its ID.
func (s *Store) PasskeyByID(ctx context.Context, id string) (storage.Passkey, error) {
	var p storage.Passkey
	err := s.byID(ctx, colPasskeys, "get passkey", id, &p, nil)
	return p, err
}

// PasskeysOfUser lists an account's credentials, oldest first.
func (s *Store) PasskeysOfUser(ctx context.Context, userID string) ([]storage.Passkey, error) {
	const op = "list passkeys"
	cur, err := s.db.Collection(colPasskeys).Find(ctx, bson.D{{Key: "user_id", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr(op, err)
	}
	var out []storage.Passkey
	return out, mapErr(op, cur.All(ctx, &out))
}

// ownPasskey reads a credential and hides one of another account.
func (s *Store) ownPasskey(ctx context.Context, op, userID, id string) error {
	p, err := s.PasskeyByID(ctx, id)
	if err == nil && p.UserID != userID {
		err = mapErr(op, storage.ErrNotFound)
	}
	return err
}

// RenamePasskey relabels one of the account's credentials.
func (s *Store) RenamePasskey(ctx context.Context, userID, id, name string) error {
	const op = "rename passkey"
	if err := s.ownPasskey(ctx, op, userID, id); err != nil {
		return err
	}
	return s.updateByID(ctx, colPasskeys, op, id, bson.M{"$set": bson.M{"name": name}})
}

// DeletePasskey removes one of the account's credentials.
func (s *Store) DeletePasskey(ctx context.Context, userID, id string) error {
	const op = "delete passkey"
	if err := s.ownPasskey(ctx, op, userID, id); err != nil {
		return err
	}
	r, err := s.db.Collection(colPasskeys).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err == nil && r.DeletedCount == 0 {
		err = storage.ErrNotFound
	}
	return mapErr(op, err)
}

// UsePasskey writes a use over the version it was read at: the marker
// "passkey p left version v" is claimed by one use only, so that two
// assertions checked against the same counter cannot both pass.
func (s *Store) UsePasskey(ctx context.Context, p storage.Passkey, u storage.PasskeyUse) error {
	const op = "use passkey"
	if err := s.claim(ctx, fmt.Sprintf("passkey:%s@%d", p.ID, p.Version), s.now().Add(factorMarkerLifetime)); err != nil {
		return err
	}
	defer s.locks.hold(colPasskeys, p.ID)()
	r, err := s.db.Collection(colPasskeys).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: p.ID}, {Key: "version", Value: p.Version}},
		bson.M{"$set": bson.M{"sign_count": u.SignCount, "user_verified": u.UserVerified, "backup_state": u.BackupState,
			"last_used_at": u.At.UTC(), "user_present": true}, "$inc": bson.M{"version": 1}})
	if err == nil && r.MatchedCount == 0 {
		err = storage.ErrConflict
	}
	return mapErr(op, err)
}
