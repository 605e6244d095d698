package directory

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// RecoveryPasswordLifetime is how long a recovery password sent by SMS signs in.
const RecoveryPasswordLifetime = 15 * time.Minute

// StartRecovery gives the account a recovery password and returns it, for an SMS
// to the account's number. It works beside the current password (which, like the
// sessions and tokens, stays until the new password is set), for
// RecoveryPasswordLifetime and once; a later request replaces it.
func (d *Directory) StartRecovery(ctx context.Context, userID string) (string, error) {
	temp, err := NewTemporaryPassword()
	if err != nil {
		return "", err
	}
	r := storage.RecoveryPassword{Hash: recoveryHash(temp), ExpiresAt: d.now().Add(RecoveryPasswordLifetime).UTC()}
	if err := d.users.SetRecoveryPassword(ctx, userID, r); err != nil {
		return "", err
	}
	return temp, nil
}

// ChangeTemporaryPassword sets the new password after a sign-in with a temporary
// one. old is that temporary password: a used recovery password (recovered is
// then true: the caller ends the account's other sessions and tokens, which the
// old password may have opened) or one an operator set (checked as by
// ChangePassword). Errors as ChangePassword's.
func (d *Directory) ChangeTemporaryPassword(ctx context.Context, userID, old, new string) (recovered bool, err error) {
	u, err := d.users.UserByID(ctx, userID)
	if err != nil {
		return false, err
	}
	if !u.Recovery.WaitsForChange() {
		return false, d.ChangePassword(ctx, userID, old, new)
	}
	if !recoveryMatches(old, u.Recovery.Hash) {
		if u.PasswordTemporary { // an operator's temporary password, with a recovery left over
			return false, d.ChangePassword(ctx, userID, old, new)
		}
		return false, ErrInvalidCredentials
	}
	if old == new {
		return false, ErrPasswordUnchanged
	}
	if err := d.policy.Check(new, u.Login, u.Email, u.Phone); err != nil {
		return false, err
	}
	h, err := d.passwords.Hash(new)
	if err != nil {
		return false, err
	}
	if err := d.users.CompleteRecovery(ctx, userID, u.Recovery.Hash, h); err != nil {
		if errors.Is(err, storage.ErrNotFound) { // completed a moment ago by another request
			return false, ErrInvalidCredentials
		}
		return false, err
	}
	return true, nil
}

// recoveryHash is how a recovery password is stored: SHA-256, not argon2. The
// password is 12 random characters (about 70 bits) that live 15 minutes, which
// no offline guessing reaches; a slow hash would only make a wrong password of
// an account with a pending recovery cost two argon2 checks where an unknown
// login costs one, and so tell that the account exists.
func recoveryHash(temp string) string {
	sum := sha256.Sum256([]byte("vhod recovery password\x00" + temp))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// recoveryMatches compares in constant time.
func recoveryMatches(temp, stored string) bool {
	return subtle.ConstantTimeCompare([]byte(recoveryHash(temp)), []byte(stored)) == 1
}
