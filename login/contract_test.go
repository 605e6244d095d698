package login

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// fakeAccountant is one company's contract with its PIN, signing in as user.
type fakeAccountant struct {
	inn, contract, pin string
	user               storage.User
	org                storage.Organisation
}

func (f fakeAccountant) AuthenticateAccountant(_ context.Context, inn, contract, pin string) (storage.User, storage.Organisation, error) {
	if inn != f.inn {
		return storage.User{}, storage.Organisation{}, directory.ErrInvalidCredentials
	}
	if contract != f.contract || pin != f.pin {
		return storage.User{}, f.org, directory.ErrInvalidCredentials
	}
	return f.user, f.org, nil
}

func (f fakeAccountant) AccountantUserIDs(_ context.Context, inn, contract string) ([]string, error) {
	if inn == f.inn && contract == f.contract {
		return []string{f.user.ID}, nil
	}
	return nil, nil
}

func (fakeAccountant) SetAccountantPIN(context.Context, string, string, string) error { return nil }

// The accountant signs in with INN, contract and PIN for the company (the
// session and the answer carry it); wrong PINs count towards the captcha and
// the contract's lock, which the accountant's own browser is spared.
func TestContractSignIn(t *testing.T) {
	acc := fakeAccountant{inn: "7707083893", contract: "К-1", pin: "4815162342",
		org: storage.Organisation{ID: "org-acc", Name: "Ledger LLC", INN: "7707083893"}}
	e := newEnv(t, func(c *Config) {
		c.Limits = Limits{Window: time.Hour, CaptchaAfter: 2, LockAfter: 3, LockFor: time.Hour}
		c.Captcha = fakeCaptcha{}
	})
	acc.user = e.user(directory.NewUser{})
	e.h.cfg.Accountants = acc

	mine := e.browser()
	ar := e.authRequest(mine, "portal", nil)
	fp, form := mine.start(ar)
	if !form.has(fp + "/contract") {
		t.Fatalf("no contract link: %v", form)
	}
	if p := mine.get(fp + "/contract" + q(ar)); p.status != http.StatusOK || !p.has(`name="pin"`) {
		t.Fatalf("contract form: %v", p)
	}
	p := mine.post(fp+"/contract"+q(ar), url.Values{"inn": {acc.inn}, "contract": {acc.contract}, "pin": {acc.pin}})
	if !strings.HasPrefix(p.location, "/callback") {
		t.Fatalf("sign-in: %v", p)
	}
	if c := e.ar(ar.ID).Completion; c == nil || c.UserID != acc.user.ID || c.OrgID != "org-acc" {
		t.Errorf("completion %+v", c)
	}
	if !e.hasAudit(acc.user.ID, directory.EventSignIn, directory.OutcomeSuccess, map[string]string{"method": "contract"}) {
		t.Error("not audited")
	}

	// A stranger guesses PINs from another address: captcha, then the lock.
	stranger := newEnvSharing(t, e)
	sb := stranger.browser()
	sar := stranger.authRequest(sb, "portal", nil)
	sfp, _ := sb.start(sar)
	guess := func(extra ...string) page {
		f := url.Values{"inn": {acc.inn}, "contract": {acc.contract}, "pin": {"0000"}}
		if len(extra) > 0 {
			f.Set("captcha", extra[0])
		}
		return sb.post(sfp+"/contract"+q(sar), f)
	}
	if p := guess(); p.status != http.StatusUnauthorized || !p.has(e.text("en", "contract.invalid")) {
		t.Fatalf("wrong PIN: %v", p)
	}
	if p := guess(); p.status != http.StatusUnauthorized || !p.has(`name="captcha"`) {
		t.Fatalf("second wrong PIN asks no captcha: %v", p)
	}
	if p := guess(); p.status != http.StatusBadRequest || !p.has(e.text("en", "captcha.required")) {
		t.Fatalf("no captcha answer: %v", p)
	}
	guess("solved") // the third failure locks the contract
	right := url.Values{"inn": {acc.inn}, "contract": {acc.contract}, "pin": {acc.pin}, "captcha": {"solved"}}
	if p := sb.post(sfp+"/contract"+q(sar), right); p.status != http.StatusTooManyRequests {
		t.Fatalf("locked contract: %v", p)
	}
	locked := false
	for _, ev := range e.audits(storage.AuditQuery{OrgID: "org-acc", Type: directory.EventAccountLocked}) {
		locked = locked || ev.Details["method"] == "contract"
	}
	if !locked {
		t.Error("lock not audited")
	}
	// The accountant's browser still signs in.
	ar2 := e.authRequest(mine, "portal", func(ar *storage.AuthRequest) { ar.Prompt = []string{"login"} })
	fp2, _ := mine.start(ar2)
	if p := mine.post(fp2+"/contract"+q(ar2), url.Values{"inn": {acc.inn}, "contract": {acc.contract}, "pin": {acc.pin}}); !strings.HasPrefix(p.location, "/callback") {
		t.Errorf("the accountant's browser: %v", p)
	}
	// Its own mistype is refused without a lock.
	ar3 := e.authRequest(mine, "portal", func(ar *storage.AuthRequest) { ar.Prompt = []string{"login"} })
	fp3, _ := mine.start(ar3)
	if p := mine.post(fp3+"/contract"+q(ar3), url.Values{"inn": {acc.inn}, "contract": {acc.contract}, "pin": {"1"}}); p.status != http.StatusUnauthorized {
		t.Errorf("mistype: %v", p)
	}
}

// Without accountants the contract page does not exist.
func TestContractOff(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	ar := e.authRequest(b, "portal", nil)
	fp, form := b.start(ar)
	if form.has(fp + "/contract") {
		t.Error("contract link shown")
	}
	if p := b.get(fp + "/contract" + q(ar)); p.status != http.StatusNotFound {
		t.Errorf("contract page: %v", p)
	}
}
