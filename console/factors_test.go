package console

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

func TestConsoleFactors(t *testing.T) {
	ts := newTestServer(t)
	ts.user("op", storage.AuthorityOperator)
	ts.user("ivanov")
	ts.signIn("op")
	ctx := t.Context()
	now := time.Now().UTC()
	for _, p := range []storage.Passkey{
		{ID: "cred1", UserID: "ivanov", Name: "Phone", PublicKey: []byte{1}, BackupEligible: true, CreatedAt: now},
		{ID: "cred2", UserID: "ivanov", Name: "YubiKey", PublicKey: []byte{2}, CreatedAt: now, LastUsedAt: now},
	} {
		if err := ts.st.CreatePasskey(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := ts.st.SetRecoveryCodes(ctx, "ivanov", []string{"sha256:a", "sha256:b"}, now); err != nil {
		t.Fatal(err)
	}
	code, body := ts.get("/console/users/ivanov")
	want(t, "user page", code, body, http.StatusOK, "Second factors", "Authenticator app: no", "2 recovery codes left",
		"Phone", "can be copied to your other devices", "YubiKey", "kept on one device", "Reset second factors")

	// One passkey: asked first, naming it.
	confirmed := ts.asks("/console/users/ivanov", "/console/users/ivanov/passkeys/cred2/remove", nil, "Remove the passkey?", "«YubiKey»")
	if list, _ := ts.factors.Passkeys(ctx, "ivanov"); len(list) != 2 {
		t.Fatal("the question removed the passkey")
	}
	code, body = ts.post("/console/users/ivanov", "/console/users/ivanov/passkeys/cred2/remove", confirmed)
	want(t, "remove passkey", code, body, http.StatusSeeOther, "Location: /console/users/ivanov?notice=passkey")
	if list, _ := ts.factors.Passkeys(ctx, "ivanov"); len(list) != 1 || list[0].ID != "cred1" {
		t.Fatalf("left %+v", list)
	}
	if evs := ts.events(directory.EventFactorRemoved); len(evs) != 1 || evs[0].Actor != "op" || evs[0].Details["via"] != "console" {
		t.Fatalf("removal audited as %+v", evs)
	}
	code, body = ts.post("/console/users/ivanov", "/console/users/ivanov/passkeys/nope/remove", nil)
	want(t, "unknown passkey", code, body, http.StatusNotFound)

	// Reset: asked first, naming the person; then everything goes, audited and mailed.
	confirmed = ts.asks("/console/users/ivanov", "/console/users/ivanov/factors/reset", nil, "Reset second factors?", "ivanov")
	code, body = ts.post("/console/users/ivanov", "/console/users/ivanov/factors/reset", confirmed)
	want(t, "reset", code, body, http.StatusSeeOther, "Location: /console/users/ivanov?notice=factors")
	e, err := ts.factors.Enrolment(ctx, "ivanov")
	if err != nil || len(e.Passkeys) != 0 || e.RecoveryCodesLeft != 0 {
		t.Fatalf("after the reset %+v, %v", e, err)
	}
	if evs := ts.events(directory.EventFactorsReset); len(evs) != 1 || evs[0].Actor != "op" || evs[0].UserID != "ivanov" || evs[0].Details["via"] != "console" {
		t.Fatalf("reset audited as %+v", evs)
	}
	mailed := false
	for _, m := range ts.mail.Messages() {
		if m.To == "ivanov@example.com" && strings.Contains(m.Subject, "mail.factors_reset") {
			mailed = true
		}
	}
	if !mailed {
		t.Error("the person was not mailed of the reset")
	}
	code, body = ts.get("/console/users/ivanov?notice=factors")
	want(t, "after reset", code, body, http.StatusOK, "Second factors are reset; the person got an email.")

	// Operators only.
	ts.user("petrov")
	ts.signIn("petrov")
	code, body = ts.post("/console", "/console/users/ivanov/factors/reset", nil)
	want(t, "not an operator", code, body, http.StatusForbidden)
}
