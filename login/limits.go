package login

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vhod-id/vhod/storage"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/tries"
	"github.com/vhod-id/vhod/internal/clientaddr"
)

// Sign-in outcomes, for metrics.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeLimited = "limited"
)

// identKeys are the keys a failed password sign-in counts under: every
// identifier key the account lookup tries for what was typed
// (directory.CandidateKeys), so that "8 909…" and "+7 909…", or "Д-15" and
// "Д 15", count together. Text that can name no account counts as typed.
func identKeys(login string) []string {
	keys, err := directory.CandidateKeys(login)
	if err != nil || len(keys) == 0 {
		return []string{"raw:" + strings.ToLower(strings.TrimSpace(login))}
	}
	return keys
}

// contractKeys are the keys for a contract number typed alone (activation): the
// key the contract's account is found by.
func contractKeys(contract string) []string {
	if c, err := directory.NormalizeContract(contract); err == nil {
		return []string{storage.IdentifierKey(storage.IdentContract, c)}
	}
	return []string{"raw:" + strings.ToLower(strings.TrimSpace(contract))}
}

// ipKey counts an address's failures; IPv6 by its /64 (see clientaddr.LimitKey).
func ipKey(r *http.Request) string { return "signin-fail:ip:" + clientaddr.LimitKey(clientIP(r)) }

// identCounters are an identifier's failures and lock (lockout.go), one set per key (identSet).
func (h *Handler) identCounters() []storage.Counter {
	return []storage.Counter{{Name: "fail", Window: h.cfg.Limits.Window}, {Name: "lock", Window: h.lockWindow()}}
}
func identSet(key string) string { return "signin-id:" + key }

// failures returns the failed sign-ins counted for the address and, when keys are
// given, the most for any of them and whether one is locked (keys come from
// identKeys, contractKeys or orgs.AccountantLimitKey: normalised as the check normalises).
func (h *Handler) failures(r *http.Request, keys ...string) (counts, error) {
	var c counts
	var err error
	if c.ip, err = h.store.Count(r.Context(), ipKey(r), h.cfg.Limits.Window, h.now()); err != nil {
		return c, err
	}
	for _, k := range keys {
		n, err := h.store.CountIn(r.Context(), identSet(k), h.now(), h.identCounters()...)
		if err != nil {
			return c, err
		}
		c.ident = max(c.ident, n[0])
		c.locked = c.locked || (h.cfg.Limits.LockAfter > 0 && n[1] >= int64(h.cfg.Limits.LockAfter))
	}
	return c, nil
}

// counts are the failed sign-ins of an address and an identifier, and an identifier's lock.
type counts struct {
	ip, ident int64
	// locked: an identifier is locked; device: the known device has as many
	// failures and attempts under way as distrust it.
	locked, device bool
}

// over: this address or identifier has failed too often; no more attempts now.
func (h *Handler) over(c counts) bool {
	l := h.cfg.Limits
	return (l.PerIP > 0 && c.ip >= int64(l.PerIP)) || (l.PerIdentifier > 0 && c.ident >= int64(l.PerIdentifier)) || c.device
}

// captchaNeeded: after repeated failures the form asks for a captcha, so that
// guessing costs work.
func (h *Handler) captchaNeeded(c counts) bool {
	n := int64(h.cfg.Limits.CaptchaAfter)
	return h.cfg.Captcha != nil && n > 0 && (c.ip >= n || c.ident >= n)
}

// addressNeedsCaptcha decides for a fresh form, before any login is typed.
func (h *Handler) addressNeedsCaptcha(r *http.Request) bool {
	if h.cfg.Captcha == nil || h.cfg.Limits.CaptchaAfter <= 0 {
		return false
	}
	c, err := h.failures(r)
	return err == nil && h.captchaNeeded(c)
}

// Attempt is a guess at a typed secret (a password, a contract's PIN, an
// activation secret), counted against the typed identifiers' allowances (or
// a known device's) before the secret is checked (directory/tries); the
// address's failures are read before and counted by Failed. Counts are the
// counts before it. Failed keeps it counted; End, deferred by the caller,
// takes it back otherwise.
type Attempt struct {
	*tries.Try
	Counts  Counts
	keyed   int64 // 1 when counted under identifiers too
	lock    int64 // the identifiers' lock count with this attempt (the most of any)
	account int64 // the account's count with this attempt (accountTry)
	r       *http.Request
	h       *Handler
	failed  bool
}

// beginAttempt counts an attempt first under each of keys or, from a browser
// known to the account, under its device cookie (it is spared the
// identifiers' counts; devicecookie.go). The address's failures are read, and
// counted after the check, as before: counted first, the attempts under way of
// many people behind one address (an office) read as failures, and three at
// once asked them all for a captcha.
func (h *Handler) beginAttempt(r *http.Request, known *device, keys ...string) (*Attempt, error) {
	ip, err := h.store.Count(r.Context(), ipKey(r), h.cfg.Limits.Window, h.now())
	if err != nil {
		return nil, err
	}
	var as []tries.Allowance
	if known != nil {
		as, keys = append(as, tries.Allowance{Key: deviceFailKey(*known), Window: h.lockWindow()}), nil
	}
	for _, k := range keys {
		as = append(as, tries.Allowance{Set: identSet(k), In: h.identCounters()})
	}
	t, err := tries.Begin(r.Context(), h.store, h.now(), as...)
	if err != nil {
		return nil, err
	}
	a := &Attempt{Try: t, Counts: counts{ip: ip}, keyed: min(int64(len(keys)), 1), r: r, h: h}
	if known != nil {
		a.Counts.device = h.deviceFailuresAllowed() > 0 && t.Before(0)[0] >= h.deviceFailuresAllowed()
	}
	for i := 0; i < len(as) && known == nil; i++ {
		a.Counts.ident, a.lock = max(a.Counts.ident, t.Before(i)[0]), max(a.lock, t.Before(i)[1]+1)
		a.Counts.locked = a.Counts.locked || (h.cfg.Limits.LockAfter > 0 && t.Before(i)[1] >= int64(h.cfg.Limits.LockAfter))
	}
	return a, nil
}

// Failed keeps the attempt counted, counts it against the address, and
// returns the counts with it.
func (a *Attempt) Failed() Counts {
	if !a.failed {
		a.Fail()
		a.failed = true
		if err := a.h.countAddressFailure(a.r); err != nil {
			a.h.log.WarnContext(a.r.Context(), "a failed sign-in not counted against its address", "err", err)
		}
	}
	c := a.Counts
	c.ip, c.ident = c.ip+1, c.ident+a.keyed
	return c
}

// End takes the attempt back unless it failed.
func (a *Attempt) End() {
	if err := a.Try.End(a.r.Context()); err != nil {
		a.h.log.WarnContext(a.r.Context(), "a sign-in attempt not taken back", "err", err)
	}
}

// countAddressFailure adds a failed sign-in to the address's counter only (a
// certificate sign-in has no typed identifier to count against).
func (h *Handler) countAddressFailure(r *http.Request) error {
	_, err := h.store.Hit(r.Context(), ipKey(r), h.cfg.Limits.Window, h.now())
	return err
}

// accountTry counts the check against the account it is for, first
// (directory.AccountTries): the account's count then slows and locks it.
func (h *Handler) accountTry(a *Attempt) directory.AuthOption {
	return directory.CountAccountTries(directory.AccountTries{Store: h.store, Now: h.now(), LockAfter: int64(h.cfg.Limits.LockAfter),
		Window: h.lockWindow(), Log: h.log, N: &a.account})
}

// accountFailure acts on a wrong password counted against its account
// (accountTry): answers slow down progressively, and the failure that reaches
// the lock threshold locks the account for a while (recovery or an operator
// opens it earlier). It reports whether it locked.
func (h *Handler) accountFailure(r *http.Request, a *Attempt, userID string) (bool, error) {
	l, n := h.cfg.Limits, a.account
	if l.LockAfter > 0 && n >= int64(l.LockAfter) {
		until := h.now().Add(l.LockFor)
		if err := h.accounts.Lock(context.WithoutCancel(r.Context()), userID, until); err != nil {
			return false, err
		}
		h.audit(r, storage.AuditEvent{Type: directory.EventAccountLocked, Outcome: directory.OutcomeSuccess, UserID: userID,
			Details: map[string]string{"failures": strconv.FormatInt(n, 10), "until": until.UTC().Format(time.RFC3339)}})
		return true, nil
	}
	h.failureDelay(r, n)
	return false, nil
}
