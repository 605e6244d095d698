package factors

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/storage"
)

// TOTP rules (RFC 6238): six digits, 30-second steps, one step either side
// accepted for clocks that drift, HMAC-SHA1 (what every authenticator app
// reads from an otpauth:// URL), 20-byte secrets.
const (
	TOTPPeriod     = 30
	TOTPSkew       = 1
	totpSecretSize = 20
	// TOTPQRSize is the side of the QR code image, in pixels.
	TOTPQRSize = 256
)

var totpOpts = totp.ValidateOpts{Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPEnrolment is what the person needs to add Vhod to an authenticator
// app: the secret as text (base32), the otpauth:// URL and the same URL as a
// QR code (PNG), rendered here, never by an outside service.
type TOTPEnrolment struct {
	Secret string
	URL    string
	QRCode []byte
}

// totpAD binds a sealed secret to its account: copied into another account's
// document, it does not open.
func totpAD(userID string) []byte { return []byte("totp\x00" + userID) }

// EnrolTOTP starts adding an authenticator app: a new secret, kept sealed as
// pending until ConfirmTOTP; an app already confirmed keeps working meanwhile.
func (f *Service) EnrolTOTP(ctx context.Context, userID string) (TOTPEnrolment, error) {
	u, err := f.store.UserByID(ctx, userID)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: f.cfg.Issuer, AccountName: accountLabel(u), Period: TOTPPeriod,
		SecretSize: totpSecretSize, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("totp secret: %w", err)
	}
	img, err := key.Image(TOTPQRSize, TOTPQRSize)
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("totp qr code: %w", err)
	}
	var qr bytes.Buffer
	if err := png.Encode(&qr, img); err != nil {
		return TOTPEnrolment{}, fmt.Errorf("totp qr code: %w", err)
	}
	sealed, err := notify.Seal(f.cfg.SecretKey, []byte(key.Secret()), totpAD(userID))
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if err := f.store.SetPendingTOTP(ctx, userID, storage.TOTP{Secret: sealed, CreatedAt: f.now().UTC()}); err != nil {
		return TOTPEnrolment{}, err
	}
	return TOTPEnrolment{Secret: key.Secret(), URL: key.URL(), QRCode: qr.Bytes()}, nil
}

// accountLabel names the account in the app: what the person signs in with.
func accountLabel(u storage.User) string {
	for _, v := range []string{u.Email, u.Login, u.Phone, u.Contract} {
		if v != "" {
			return v
		}
	}
	return u.ID
}

// ConfirmTOTP checks a code of the pending app; only then is the app the
// account's (in place of an earlier one). The first second factor of an
// account also gets its recovery codes, returned here once and never again.
func (f *Service) ConfirmTOTP(ctx context.Context, by directory.Actor, userID, code string) (recoveryCodes []string, err error) {
	t, err := f.beginTry(ctx, userID)
	if err != nil {
		return nil, err
	}
	defer func() { t.end(ctx, err) }()
	u, err := f.store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	p := u.Factors.TOTPPending
	if p == nil {
		return nil, ErrNoEnrolment
	}
	step, ok, err := f.matchTOTP(userID, p.Secret, code)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, t.failed(ctx, by, "totp", "wrong code")
	}
	if err := f.store.ConfirmTOTP(ctx, userID, p.Secret, step, f.now()); err != nil {
		if errors.Is(err, storage.ErrNotFound) { // confirmed by a racing request, or restarted
			return nil, ErrNoEnrolment
		}
		return nil, err
	}
	f.changed(ctx, by, userID, directory.EventFactorEnrolled, "mail.totp_added", "totp")
	return f.firstRecoveryCodes(ctx, by, u)
}

// VerifyTOTP checks a code of the account's app as a second factor: right,
// within a step of now, and of a step later than the last accepted one (a
// code is accepted once). Failures count towards the lock.
func (f *Service) VerifyTOTP(ctx context.Context, by directory.Actor, userID, code string) (err error) {
	t, err := f.beginTry(ctx, userID)
	if err != nil {
		return err
	}
	defer func() { t.end(ctx, err) }()
	u, err := f.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if u.Factors.TOTP == nil {
		return ErrNoFactor
	}
	step, ok, err := f.matchTOTP(userID, u.Factors.TOTP.Secret, code)
	if err != nil {
		return err
	}
	if !ok {
		return t.failed(ctx, by, "totp", "wrong code")
	}
	if err := f.store.UseTOTPStep(ctx, userID, step, f.now()); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return t.failed(ctx, by, "totp", "replay")
		}
		return err
	}
	f.record(ctx, by, userID, directory.EventFactorChecked, directory.OutcomeSuccess, map[string]string{"factor": "totp"})
	return nil
}

// matchTOTP finds the step, within TOTPSkew of now, whose code is code.
func (f *Service) matchTOTP(userID, sealed, code string) (int64, bool, error) {
	secret, err := notify.Open(f.cfg.SecretKey, sealed, totpAD(userID))
	if err != nil {
		return 0, false, fmt.Errorf("totp secret of %s: %w", userID, err)
	}
	if !directory.WellFormedOTP(code) {
		return 0, false, nil
	}
	now := f.now().Unix() / TOTPPeriod
	for step := now - TOTPSkew; step <= now+TOTPSkew; step++ {
		want, err := totp.GenerateCodeCustom(string(secret), time.Unix(step*TOTPPeriod, 0), totpOpts)
		if err != nil {
			return 0, false, fmt.Errorf("totp code: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true, nil
		}
	}
	return 0, false, nil
}

// RemoveTOTP removes the account's app (and a pending enrolment);
// ErrNoFactor when there is neither, so that no one is mailed of a removal
// that removed nothing.
func (f *Service) RemoveTOTP(ctx context.Context, by directory.Actor, userID string) error {
	u, err := f.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if u.Factors.TOTP == nil && u.Factors.TOTPPending == nil {
		return ErrNoFactor
	}
	if err := f.store.RemoveTOTP(ctx, userID); err != nil {
		return err
	}
	f.changed(ctx, by, userID, directory.EventFactorRemoved, "mail.totp_removed", "totp")
	return nil
}
