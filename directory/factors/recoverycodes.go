package factors

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// RecoveryCodeCount codes are issued at a time; each signs in once in place of
// a second factor.
const RecoveryCodeCount = 10

// newRecoveryCode is 16 random base32 characters (80 bits), shown in groups
// of four: "k7qd-m2xa-…".
func newRecoveryCode() string {
	c := strings.ToLower(rand.Text()[:16])
	return c[:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:]
}

// recoveryCodeHash is what is stored of a recovery code. A fast hash suffices,
// as for the SMS recovery password and refresh tokens: each code is 80 random
// bits, so that trying codes against a stolen hash (2^79 tries on average, per
// code and account: the account's ID is hashed in) is out of reach whatever
// the hash's speed; a slow hash protects only guessable secrets such as
// passwords. Spelling (case, spaces, dashes) does not matter.
func recoveryCodeHash(userID, code string) string {
	code = strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
	sum := sha256.Sum256([]byte(userID + "\x00" + code))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// RegenerateRecoveryCodes replaces every recovery code of the account with
// RecoveryCodeCount new ones, returned here once: only their hashes are kept.
func (f *Service) RegenerateRecoveryCodes(ctx context.Context, by directory.Actor, userID string) ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	hashes := make([]string, RecoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
		hashes[i] = recoveryCodeHash(userID, codes[i])
	}
	if err := f.store.SetRecoveryCodes(ctx, userID, hashes, f.now()); err != nil {
		return nil, err
	}
	f.changed(ctx, by, userID, directory.EventRecoveryCodesIssued, "mail.recovery_codes_issued", "recovery_codes")
	return codes, nil
}

// firstRecoveryCodes issues the recovery codes with an account's first second
// factor; an account that has them (used or not) gets none again here.
func (f *Service) firstRecoveryCodes(ctx context.Context, by directory.Actor, u storage.User) ([]string, error) {
	if !u.Factors.RecoveryCodesAt.IsZero() {
		return nil, nil
	}
	return f.RegenerateRecoveryCodes(ctx, by, u.ID)
}

// UseRecoveryCode accepts a recovery code in place of a second factor, once:
// of two requests with one code one wins. The use is audited and mailed to the
// person (whoever used it may not be them). It returns how many codes are left.
func (f *Service) UseRecoveryCode(ctx context.Context, by directory.Actor, userID, code string) (left int, err error) {
	t, err := f.beginTry(ctx, userID)
	if err != nil {
		return 0, err
	}
	defer func() { t.end(ctx, err) }()
	err = f.store.UseRecoveryCode(ctx, userID, recoveryCodeHash(userID, code))
	if errors.Is(err, storage.ErrNotFound) {
		return 0, t.failed(ctx, by, "recovery_code", "unknown or used code")
	}
	if err != nil {
		return 0, err
	}
	if u, err := f.store.UserByID(ctx, userID); err == nil {
		left = len(u.Factors.RecoveryCodes)
	}
	f.record(ctx, by, userID, directory.EventRecoveryCodeUsed, directory.OutcomeSuccess, map[string]string{"left": strconv.Itoa(left)})
	f.cfg.Notifier.Mail(ctx, userID, by.Lang, "mail.recovery_code_used", "Left", strconv.Itoa(left), "IP", by.IP)
	return left, nil
}
