package contract

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/login/logintest"
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

func (fakeAccountant) SetAccountantPIN(context.Context, string, string, string, directory.Actor) error {
	return nil
}

// The accountant signs in with INN, contract and PIN for the company (the
// session and the answer carry it); wrong PINs count towards the captcha and
// the contract's lock, which the accountant's own browser is spared.
func TestContractSignIn(t *testing.T) {
	acc := fakeAccountant{inn: "7707083893", contract: "К-1", pin: "4815162342",
		org: storage.Organisation{ID: "org-acc", Name: "Ledger LLC", INN: "7707083893"}}
	core := func(c *login.Config) {
		c.Limits = login.Limits{Window: time.Hour, CaptchaAfter: 2, LockAfter: 3, LockFor: time.Hour}
		c.Captcha = logintest.FakeCaptcha{}
	}
	e := newEnv(t, core, func(e *testEnv) Accountants {
		acc.user = e.User(directory.NewUser{})
		return &acc
	})

	mine := e.Browser()
	ar := e.AuthRequest(mine, "portal", nil)
	fp, form := mine.Start(ar)
	if !form.Has(fp + "/contract") {
		t.Fatalf("no contract link: %v", form)
	}
	if p := mine.Get(fp + "/contract" + q(ar)); p.Status != http.StatusOK || !p.Has(`name="pin"`) {
		t.Fatalf("contract form: %v", p)
	}
	p := mine.Post(fp+"/contract"+q(ar), url.Values{"inn": {acc.inn}, "contract": {acc.contract}, "pin": {acc.pin}})
	if !strings.HasPrefix(p.Location, "/callback") {
		t.Fatalf("sign-in: %v", p)
	}
	if c := e.AR(ar.ID).Completion; c == nil || c.UserID != acc.user.ID || c.OrgID != "org-acc" {
		t.Errorf("completion %+v", c)
	}
	if !e.HasAudit(acc.user.ID, directory.EventSignIn, directory.OutcomeSuccess, map[string]string{"method": "contract"}) {
		t.Error("not audited")
	}

	// A stranger guesses PINs from another address: captcha, then the lock.
	stranger := newEnv(t, core, func(*testEnv) Accountants { return &acc })
	stranger.SetClock(e.Now())
	sb := stranger.Browser()
	sar := stranger.AuthRequest(sb, "portal", nil)
	sfp, _ := sb.Start(sar)
	guess := func(extra ...string) page {
		f := url.Values{"inn": {acc.inn}, "contract": {acc.contract}, "pin": {"0000"}}
		if len(extra) > 0 {
			f.Set("captcha", extra[0])
		}
		return sb.Post(sfp+"/contract"+q(sar), f)
	}
	if p := guess(); p.Status != http.StatusUnauthorized || !p.Has(e.Text("en", "contract.invalid")) {
		t.Fatalf("wrong PIN: %v", p)
	}
	if p := guess(); p.Status != http.StatusUnauthorized || !p.Has(`name="captcha"`) {
		t.Fatalf("second wrong PIN asks no captcha: %v", p)
	}
	if p := guess(); p.Status != http.StatusBadRequest || !p.Has(e.Text("en", "captcha.required")) {
		t.Fatalf("no captcha answer: %v", p)
	}
	guess("solved") // the third failure locks the contract
	right := url.Values{"inn": {acc.inn}, "contract": {acc.contract}, "pin": {acc.pin}, "captcha": {"solved"}}
	if p := sb.Post(sfp+"/contract"+q(sar), right); p.Status != http.StatusTooManyRequests {
		t.Fatalf("locked contract: %v", p)
	}
	locked := false
	for _, ev := range e.Audits(storage.AuditQuery{OrgID: "org-acc", Type: directory.EventAccountLocked}) {
		locked = locked || ev.Details["method"] == "contract"
	}
	if !locked {
		t.Error("lock not audited")
	}
	// The accountant's browser still signs in.
	ar2 := e.AuthRequest(mine, "portal", func(ar *storage.AuthRequest) { ar.Prompt = []string{"login"} })
	fp2, _ := mine.Start(ar2)
	if p := mine.Post(fp2+"/contract"+q(ar2), url.Values{"inn": {acc.inn}, "contract": {acc.contract}, "pin": {acc.pin}}); !strings.HasPrefix(p.Location, "/callback") {
		t.Errorf("the accountant's browser: %v", p)
	}
	// Its own mistype is refused without a lock.
	ar3 := e.AuthRequest(mine, "portal", func(ar *storage.AuthRequest) { ar.Prompt = []string{"login"} })
	fp3, _ := mine.Start(ar3)
	if p := mine.Post(fp3+"/contract"+q(ar3), url.Values{"inn": {acc.inn}, "contract": {acc.contract}, "pin": {"1"}}); p.Status != http.StatusUnauthorized {
		t.Errorf("mistype: %v", p)
	}
}

// Without accountants the contract page does not exist.
func TestContractOff(t *testing.T) {
	e := newEnv(t, nil, nil)
	b := e.Browser()
	ar := e.AuthRequest(b, "portal", nil)
	fp, form := b.Start(ar)
	if form.Has(fp + "/contract") {
		t.Error("contract link shown")
	}
	if p := b.Get(fp + "/contract" + q(ar)); p.Status != http.StatusNotFound {
		t.Errorf("contract page: %v", p)
	}
}
