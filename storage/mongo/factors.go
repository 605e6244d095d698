package mongo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vhod-id/vhod/storage"
)

// factorMarkerLifetime bounds how long a claimed TOTP step or recovery code
// stays claimed: past it the step is far outside the accepted window, and the
// code is gone from the account (its removal follows the claim at once).
const factorMarkerLifetime = 25 * time.Hour

// fingerprint names a secret or a hash in a marker without storing it there.
func fingerprint(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

// SetPendingTOTP stores an enrolment waiting for its first code.
func (s *Store) SetPendingTOTP(ctx context.Context, userID string, t storage.TOTP) error {
	t.CreatedAt = t.CreatedAt.UTC()
	return s.updateByID(ctx, colUsers, "set pending totp", userID,
		bson.M{"$set": bson.M{"factors.totp_pending": t, "updated_at": s.now().UTC()}})
}

// ConfirmTOTP turns the pending enrolment with this secret into the account's
// app, once (a marker: two confirmations of one enrolment do not both pass).
func (s *Store) ConfirmTOTP(ctx context.Context, userID, secret string, step int64, at time.Time) error {
	const op = "confirm totp"
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	p := u.Factors.TOTPPending
	if p == nil || p.Secret != secret {
		return mapErr(op, storage.ErrNotFound)
	}
	if err := s.claim(ctx, "totp-confirm:"+userID+":"+fingerprint(secret), s.now().Add(factorMarkerLifetime)); err != nil {
		return notFoundOnConflict(op, err)
	}
	t := storage.TOTP{Secret: secret, LastStep: step, CreatedAt: p.CreatedAt.UTC(), ConfirmedAt: at.UTC(), LastUsedAt: at.UTC()}
	return s.updateByID(ctx, colUsers, op, userID, bson.M{
		"$set":   bson.M{"factors.totp": t, "updated_at": s.now().UTC()},
		"$unset": bson.M{"factors.totp_pending": ""},
	})
}

// UseTOTPStep accepts a step later than the last one, once: the marker for
// (secret, step) is what makes two concurrent uses of one code one use, the
// last-step check what refuses a code of a step already passed.
func (s *Store) UseTOTPStep(ctx context.Context, userID string, step int64, at time.Time) error {
	const op = "use totp step"
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	t := u.Factors.TOTP
	if t == nil {
		return mapErr(op, storage.ErrNotFound)
	}
	if step <= t.LastStep {
		return mapErr(op, storage.ErrConflict)
	}
	if err := s.claim(ctx, fmt.Sprintf("totp-step:%s:%s:%d", userID, fingerprint(t.Secret), step), s.now().Add(factorMarkerLifetime)); err != nil {
		return err
	}
	// Only forward: of two different steps used at once the later one stays.
	defer s.locks.hold(colUsers, userID)()
	_, err = s.db.Collection(colUsers).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: userID}, {Key: "factors.totp.last_step", Value: bson.M{"$lt": step}}},
		bson.M{"$set": bson.M{"factors.totp.last_step": step, "factors.totp.last_used_at": at.UTC()}})
	return mapErr(op, err)
}

// RemoveTOTP removes the app and a pending enrolment.
func (s *Store) RemoveTOTP(ctx context.Context, userID string) error {
	return s.updateByID(ctx, colUsers, "remove totp", userID, bson.M{
		"$unset": bson.M{"factors.totp": "", "factors.totp_pending": ""},
		"$set":   bson.M{"updated_at": s.now().UTC()},
	})
}

// SetRecoveryCodes replaces every recovery code.
func (s *Store) SetRecoveryCodes(ctx context.Context, userID string, hashes []string, at time.Time) error {
	if hashes == nil {
		hashes = []string{}
	}
	return s.updateByID(ctx, colUsers, "set recovery codes", userID, bson.M{"$set": bson.M{
		"factors.recovery_codes": hashes, "factors.recovery_codes_at": at.UTC(), "updated_at": s.now().UTC()}})
}

// UseRecoveryCode claims the code with a marker, then removes it from the account.
func (s *Store) UseRecoveryCode(ctx context.Context, userID, hash string) error {
	const op = "use recovery code"
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !slices.Contains(u.Factors.RecoveryCodes, hash) {
		return mapErr(op, storage.ErrNotFound)
	}
	if err := s.claim(ctx, "recovery-code:"+userID+":"+fingerprint(hash), s.now().Add(factorMarkerLifetime)); err != nil {
		return notFoundOnConflict(op, err)
	}
	return s.updateByID(ctx, colUsers, op, userID, bson.M{
		"$pull": bson.M{"factors.recovery_codes": hash},
		"$set":  bson.M{"updated_at": s.now().UTC()},
	})
}

// SetAlwaysAsk records the person's demand for a second factor.
func (s *Store) SetAlwaysAsk(ctx context.Context, userID string, on bool) error {
	return s.updateByID(ctx, colUsers, "set always ask", userID,
		bson.M{"$set": bson.M{"factors.always_ask": on, "updated_at": s.now().UTC()}})
}
