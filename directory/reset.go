package directory

import (
	"context"
	"crypto/rand"
	"math/big"
	"time"
)

// temporaryAlphabet leaves out characters people confuse when reading an SMS
// (0/O, 1/l/I).
const temporaryAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// NewTemporaryPassword returns a random 12-character password (about 70 bits).
func NewTemporaryPassword() (string, error) {
	b := make([]byte, 12)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(temporaryAlphabet))))
		if err != nil {
			return "", err
		}
		b[i] = temporaryAlphabet[n.Int64()]
	}
	return string(b), nil
}

// ResetPassword sets a password without the old one (recovery, operators). A
// password the person chose must pass the policy; a temporary one must be changed
// at the next sign-in.
func (d *Directory) ResetPassword(ctx context.Context, userID, password string, temporary bool) error {
	u, err := d.users.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !temporary {
		if err := d.policy.Check(password, u.Login, u.Email, u.Phone); err != nil {
			return err
		}
	}
	h, err := d.passwords.Hash(password)
	if err != nil {
		return err
	}
	return d.setResetHash(ctx, u.ID, h, temporary)
}

// ResetPasswordHash sets a password hashed and checked against the policy
// beforehand: the one chosen in a sign-up that the identifier's owner confirmed.
func (d *Directory) ResetPasswordHash(ctx context.Context, userID, hash string) error {
	return d.setResetHash(ctx, userID, hash, false)
}

func (d *Directory) setResetHash(ctx context.Context, userID, hash string, temporary bool) error {
	if err := d.users.SetPasswordHash(ctx, userID, hash, temporary); err != nil {
		return err
	}
	// Recovery is the way out of a lock.
	return d.users.SetLockedUntil(ctx, userID, time.Time{})
}
