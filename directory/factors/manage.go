package factors

import (
	"bytes"
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/storage"
)

// PendingTOTP shows again the app being enrolled (its secret, URL and QR
// code) from its sealed secret, so that the page can serve the QR code as an
// image of its own (the pages' CSP allows images of Vhod only, no data: URLs)
// and a reload shows the same secret. ErrNoEnrolment when none waits.
func (f *Service) PendingTOTP(ctx context.Context, userID string) (TOTPEnrolment, error) {
	u, err := f.store.UserByID(ctx, userID)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	p := u.Factors.TOTPPending
	if p == nil {
		return TOTPEnrolment{}, ErrNoEnrolment
	}
	secret, err := notify.Open(f.cfg.SecretKey, p.Secret, totpAD(userID))
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("totp secret of %s: %w", userID, err)
	}
	// The secret is kept as its base32 text (what Generate made); Generate
	// takes raw bytes, so decode it back through the library's own key.
	raw, err := decodeBase32(string(secret))
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("totp secret of %s: %w", userID, err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: f.cfg.Issuer, AccountName: accountLabel(u), Period: TOTPPeriod,
		Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("totp key: %w", err)
	}
	img, err := key.Image(TOTPQRSize, TOTPQRSize)
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("totp qr code: %w", err)
	}
	var qr bytes.Buffer
	if err := png.Encode(&qr, img); err != nil {
		return TOTPEnrolment{}, fmt.Errorf("totp qr code: %w", err)
	}
	return TOTPEnrolment{Secret: key.Secret(), URL: key.URL(), QRCode: qr.Bytes()}, nil
}

// ResetFactors is an operator's answer to a person who lost their second
// factors: the authenticator app, every passkey and the recovery codes go, and
// "always ask" is turned off (with nothing left to ask for). The next factor
// enrolled gets new recovery codes. It is audited as one event naming what
// went, and mailed to the person: if it was not them who asked, they learn of
// it. Recovery by email or SMS never calls this: only an operator does.
func (f *Service) ResetFactors(ctx context.Context, by directory.Actor, userID string) error {
	u, err := f.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	pks, err := f.store.PasskeysOfUser(ctx, userID)
	if err != nil {
		return err
	}
	for _, p := range pks {
		if err := f.store.DeletePasskey(ctx, userID, p.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("reset factors: passkey %s: %w", p.ID, err)
		}
	}
	if err := f.store.RemoveTOTP(ctx, userID); err != nil {
		return fmt.Errorf("reset factors: app: %w", err)
	}
	// Zero time: the account is as one that never had codes, so that its next
	// factor issues a new set (firstRecoveryCodes).
	if err := f.store.SetRecoveryCodes(ctx, userID, nil, zeroTime); err != nil {
		return fmt.Errorf("reset factors: recovery codes: %w", err)
	}
	if err := f.store.SetAlwaysAsk(ctx, userID, false); err != nil {
		return fmt.Errorf("reset factors: always ask: %w", err)
	}
	f.record(ctx, by, userID, directory.EventFactorsReset, directory.OutcomeSuccess, map[string]string{
		"totp": strconv.FormatBool(u.Factors.TOTP != nil), "passkeys": strconv.Itoa(len(pks)),
		"recovery_codes": strconv.Itoa(len(u.Factors.RecoveryCodes)), "always_ask": strconv.FormatBool(u.Factors.AlwaysAsk)})
	f.cfg.Notifier.Mail(ctx, userID, by.Lang, "mail.factors_reset")
	return nil
}

// zeroTime is "never" in storage's dates.
var zeroTime time.Time

// decodeBase32 reads a TOTP secret as apps show it: base32, any case, with or
// without padding.
func decodeBase32(s string) ([]byte, error) {
	s = strings.TrimRight(strings.ToUpper(s), "=")
	return base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
}
