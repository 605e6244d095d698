package mongo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vhod-id/vhod/storage"
)

// recoveryCompletionWindow bounds how long after its use a recovery password may
// still be completed: the marker that makes completion single must outlive it.
const recoveryCompletionWindow = 25 * time.Hour

// SetRecoveryPassword replaces the account's recovery password; the password hash,
// sessions and tokens are left as they are.
func (s *Store) SetRecoveryPassword(ctx context.Context, userID string, r storage.RecoveryPassword) error {
	r.ExpiresAt, r.Used, r.UsedAt = r.ExpiresAt.UTC(), false, time.Time{}
	return s.updateByID(ctx, colUsers, "set recovery password", userID,
		bson.M{"$set": bson.M{"recovery": r, "updated_at": s.now().UTC()}})
}

// UseRecoveryPassword checks the stored recovery password, then claims its use
// with a marker (the one write the embedded server makes atomic), so that of two
// concurrent uses only one passes.
func (s *Store) UseRecoveryPassword(ctx context.Context, userID, hash string, now time.Time) error {
	const op = "use recovery password"
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !u.Recovery.Usable(now) || u.Recovery.Hash != hash {
		return mapErr(op, storage.ErrNotFound)
	}
	if err := s.claim(ctx, "recovery-use:"+recoveryKey(userID, hash), u.Recovery.ExpiresAt); err != nil {
		return notFoundOnConflict(op, err)
	}
	return s.updateByID(ctx, colUsers, op, userID, bson.M{"$set": bson.M{
		"recovery.used": true, "recovery.used_at": now.UTC(), "updated_at": s.now().UTC()}})
}

// CompleteRecovery replaces the password and drops the used recovery password,
// once (a marker again).
func (s *Store) CompleteRecovery(ctx context.Context, userID, recoveryHash, passwordHash string) error {
	const op = "complete recovery"
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !u.Recovery.WaitsForChange() || u.Recovery.Hash != recoveryHash {
		return mapErr(op, storage.ErrNotFound)
	}
	if err := s.claim(ctx, "recovery-complete:"+recoveryKey(userID, recoveryHash), s.now().Add(recoveryCompletionWindow)); err != nil {
		return notFoundOnConflict(op, err)
	}
	return s.updateByID(ctx, colUsers, op, userID, bson.M{
		"$set": bson.M{"password_hash": passwordHash, "password_temporary": false,
			"locked_until": time.Time{}, "updated_at": s.now().UTC()},
		"$unset": bson.M{"recovery": ""},
		"$inc":   bson.M{"unlocks": 1},
	})
}

// recoveryKey names one recovery password in a marker without storing its hash there.
func recoveryKey(userID, hash string) string {
	sum := sha256.Sum256([]byte(hash))
	return userID + ":" + hex.EncodeToString(sum[:16])
}

func notFoundOnConflict(op string, err error) error {
	if errors.Is(err, storage.ErrConflict) {
		return mapErr(op, storage.ErrNotFound)
	}
	return err
}
