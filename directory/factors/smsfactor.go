package factors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/storage"
)

// SMSCodeLifetime is how long an SMS second-factor code is valid, as a sign-in code.
const SMSCodeLifetime = 5 * time.Minute

// smsFor tells whether the account can get second-factor codes by SMS: a
// confirmed phone, and SMS set up.
func (f *Service) smsFor(u storage.User) bool {
	return f.cfg.SMS != nil && u.Phone != "" && u.PhoneVerified
}

// SendSMSCode texts a second-factor code to the account's confirmed phone.
// The code is made by directory/flows' one rule of codes kept in flows
// (Flow.NewCode: its HMAC bound to the flow and the phone, an expiry, the
// attempts reset) and saved in fl (a conditional write) before it is sent; fl
// is updated to the saved flow and keeps its state. The sender is the pages'
// limited one: notify.ErrLimited when a send limit is reached; ErrFactorLocked
// while the account's second factors are locked.
func (f *Service) SendSMSCode(ctx context.Context, fl *flows.Flow, userID, lang string) error {
	// No code is sent to a locked account: it could not be checked.
	if err := f.open(ctx, userID); err != nil {
		return err
	}
	u, err := f.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !f.smsFor(u) {
		return ErrNoFactor
	}
	code, err := fl.NewCode(f.cfg.OTPKey, u.Phone, SMSCodeLifetime, f.now())
	if err != nil {
		return err
	}
	fl.UserID = userID
	saved, err := f.store.SaveFlow(ctx, fl.Flow)
	if err != nil {
		return fmt.Errorf("save flow with an sms code: %w", err)
	}
	fl.Flow = saved
	if err := f.cfg.SMS.SendSMS(ctx, notify.SMS{To: u.Phone, Text: f.cfg.Texts(lang, "phone.sms_text", "Code", code)}); err != nil {
		if errors.Is(err, notify.ErrLimited) {
			return err
		}
		f.log.WarnContext(ctx, "second-factor sms not delivered", "flow", fl.ID, "user", userID, "err", err)
	}
	return nil
}

// CheckSMSCode checks a code sent by SendSMSCode with flows.Spend: the
// attempt is counted and the flow saved before the comparison, so that racing
// requests cannot try more codes than directory.OTPMaxAttempts; fl is updated
// to the saved flow. The phone the code went to must still be the account's
// confirmed one. Wrong codes count towards the account's lock (open, failed),
// as the apps' and recovery codes do.
func (f *Service) CheckSMSCode(ctx context.Context, by directory.Actor, fl *flows.Flow, code string) (err error) {
	// The account's lock counts SMS codes with the apps' and recovery codes:
	// a new flow (a new code) every five tries must not buy more.
	t, err := f.beginTry(ctx, fl.UserID)
	if err != nil {
		return err
	}
	defer func() { t.end(ctx, err) }()
	u, err := f.store.UserByID(ctx, fl.UserID)
	if err != nil {
		return err
	}
	switch err := flows.Spend(ctx, f.store, fl, f.cfg.OTPKey, code, f.now()); {
	case errors.Is(err, flows.ErrTooManyAttempts):
		f.record(ctx, by, u.ID, directory.EventFactorChecked, directory.OutcomeFailure, map[string]string{"factor": "sms", "reason": "too many attempts"})
		return ErrFactorLocked
	case errors.Is(err, flows.ErrWrongCode):
		return t.failed(ctx, by, "sms", "wrong code")
	case err != nil:
		return fmt.Errorf("count an sms code attempt: %w", err)
	}
	if !f.smsFor(u) || fl.Recipient != u.Phone {
		return t.failed(ctx, by, "sms", "phone changed")
	}
	// Spent: the code opens the flow once.
	fl.Challenge = ""
	saved, err := f.store.SaveFlow(ctx, fl.Flow)
	if err != nil {
		return fmt.Errorf("spend an sms code: %w", err)
	}
	fl.Flow = saved
	f.record(ctx, by, u.ID, directory.EventFactorChecked, directory.OutcomeSuccess, map[string]string{"factor": "sms"})
	return nil
}
