package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/storage"
)

// SMSCodeLifetime is how long an SMS second-factor code is valid, as a sign-in code.
const SMSCodeLifetime = 5 * time.Minute

// smsFor tells whether the account can get second-factor codes by SMS: a
// confirmed phone, and SMS set up.
func (f *Factors) smsFor(u storage.User) bool {
	return f.cfg.SMS != nil && u.Phone != "" && u.PhoneVerified
}

// SendSMSCode texts a second-factor code to the account's confirmed phone. The
// code (its HMAC) is kept in the flow fl, which is saved (a conditional write)
// before the code is sent; fl is updated to the saved flow. The sender is the
// pages' limited one: notify.ErrLimited when a send limit is reached.
func (f *Factors) SendSMSCode(ctx context.Context, fl *storage.Flow, userID, lang string) error {
	u, err := f.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !f.smsFor(u) {
		return ErrNoFactor
	}
	code, err := IssueFlowCode(fl, f.cfg.OTPKey, u.Phone, SMSCodeLifetime, f.now())
	if err != nil {
		return err
	}
	fl.UserID = userID
	saved, err := f.store.SaveFlow(ctx, *fl)
	if err != nil {
		return fmt.Errorf("save flow with an sms code: %w", err)
	}
	*fl = saved
	if err := f.cfg.SMS.SendSMS(ctx, notify.SMS{To: u.Phone, Text: f.cfg.Texts(lang, "phone.sms_text", "Code", code)}); err != nil {
		if errors.Is(err, notify.ErrLimited) {
			return err
		}
		f.log.WarnContext(ctx, "second-factor sms not delivered", "flow", fl.ID, "user", userID, "err", err)
	}
	return nil
}

// CheckSMSCode checks a code sent by SendSMSCode. The attempt is counted and
// the flow saved before the comparison, so that racing requests cannot try
// more codes than OTPMaxAttempts; fl is updated to the saved flow. The phone
// the code went to must still be the account's confirmed one.
func (f *Factors) CheckSMSCode(ctx context.Context, by Actor, fl *storage.Flow, code string) error {
	u, err := f.store.UserByID(ctx, fl.UserID)
	if err != nil {
		return err
	}
	SpendFlowCodeAttempt(fl)
	saved, err := f.store.SaveFlow(ctx, *fl)
	if err != nil {
		return fmt.Errorf("count an sms code attempt: %w", err)
	}
	*fl = saved
	switch CheckFlowCode(*fl, f.cfg.OTPKey, code, f.now()) {
	case CodeSpent:
		f.record(ctx, by, u.ID, EventFactorChecked, OutcomeFailure, map[string]string{"factor": "sms", "reason": "too many attempts"})
		return ErrFactorLocked
	case CodeWrong:
		f.record(ctx, by, u.ID, EventFactorChecked, OutcomeFailure, map[string]string{"factor": "sms", "reason": "wrong code"})
		return ErrWrongCode
	}
	if !f.smsFor(u) || fl.Recipient != u.Phone {
		f.record(ctx, by, u.ID, EventFactorChecked, OutcomeFailure, map[string]string{"factor": "sms", "reason": "phone changed"})
		return ErrWrongCode
	}
	// Spent: the code opens the flow once.
	fl.Challenge = ""
	if saved, err = f.store.SaveFlow(ctx, *fl); err != nil {
		return fmt.Errorf("spend an sms code: %w", err)
	}
	*fl = saved
	f.record(ctx, by, u.ID, EventFactorChecked, OutcomeSuccess, map[string]string{"factor": "sms"})
	return nil
}
