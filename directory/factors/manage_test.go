package factors_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
)

func TestPendingTOTP(t *testing.T) {
	w := newFactors(t)
	ctx := t.Context()
	if _, err := w.f.PendingTOTP(ctx, "ivanov"); !errors.Is(err, factors.ErrNoEnrolment) {
		t.Fatalf("nothing pending: %v", err)
	}
	e, err := w.f.EnrolTOTP(ctx, "ivanov")
	if err != nil {
		t.Fatal(err)
	}
	again, err := w.f.PendingTOTP(ctx, "ivanov")
	if err != nil {
		t.Fatal(err)
	}
	if again.Secret != e.Secret || again.URL != e.URL || !bytes.HasPrefix(again.QRCode, []byte("\x89PNG")) {
		t.Fatalf("pending shown again as %q %q, enrolled %q %q", again.Secret, again.URL, e.Secret, e.URL)
	}
	// The secret shown again is the one that confirms.
	if _, err := w.f.ConfirmTOTP(ctx, person, "ivanov", w.code(t, again.Secret, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.f.PendingTOTP(ctx, "ivanov"); !errors.Is(err, factors.ErrNoEnrolment) {
		t.Fatalf("confirmed, still pending: %v", err)
	}
}

func TestResetFactors(t *testing.T) {
	w := newPasskeyWorld(t)
	ctx := t.Context()
	w.enrolTOTP(t)
	a := newAuthenticator(t, flagUV)
	a.userID = []byte("ivanov")
	w.register(t, a, "key")
	if err := w.f.SetAlwaysAsk(ctx, person, "ivanov", true); err != nil {
		t.Fatal(err)
	}
	op := directory.Actor{ID: "operator", IP: "198.51.100.1", Lang: "ru", Details: map[string]string{"via": "console"}}
	if err := w.f.ResetFactors(ctx, op, "ivanov"); err != nil {
		t.Fatal(err)
	}
	e, err := w.f.Enrolment(ctx, "ivanov")
	if err != nil {
		t.Fatal(err)
	}
	if e.TOTP || e.TOTPPending || len(e.Passkeys) != 0 || e.RecoveryCodesLeft != 0 || e.AlwaysAsk {
		t.Fatalf("after a reset: %+v", e)
	}
	evs := w.events(t, directory.EventFactorsReset)
	if len(evs) != 1 || evs[0].Actor != "operator" || evs[0].Details["passkeys"] != "1" || evs[0].Details["totp"] != "true" ||
		evs[0].Details["via"] != "console" {
		t.Fatalf("reset audited as %+v", evs)
	}
	if !w.mailed("mail.factors_reset") {
		t.Error("the person was not mailed of the reset")
	}
	// The next factor issues recovery codes again.
	_, codes := w.enrolTOTP(t)
	if len(codes) != factors.RecoveryCodeCount {
		t.Fatalf("%d recovery codes after a reset", len(codes))
	}
	if err := w.f.ResetFactors(ctx, op, "nobody"); err == nil {
		t.Error("an unknown account reset")
	}
}

// Removing an app that is not there is refused, and nobody is mailed of it.
func TestRemoveMissingTOTP(t *testing.T) {
	w := newFactors(t)
	if err := w.f.RemoveTOTP(t.Context(), person, "ivanov"); !errors.Is(err, factors.ErrNoFactor) {
		t.Fatalf("removed a missing app: %v", err)
	}
	if w.mailed("mail.totp_removed") || len(w.events(t, directory.EventFactorRemoved)) != 0 {
		t.Fatal("a removal of nothing was mailed or audited")
	}
	w.enrolTOTP(t)
	if err := w.f.RemoveTOTP(t.Context(), person, "ivanov"); err != nil {
		t.Fatal(err)
	}
	if !w.mailed("mail.totp_removed") {
		t.Fatal("the removal was not mailed")
	}
}
