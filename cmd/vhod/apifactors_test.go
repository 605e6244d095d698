package main

import (
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// TestAPIFactors: an operator reads a person's second factors and passkeys,
// removes a passkey and resets them all, each answer checked against the
// OpenAPI document and each change audited; a moderator may not.
func TestAPIFactors(t *testing.T) {
	h := newAPIHarness(t)
	ops := h.clientToken("ops", "ops-secret-123")
	mods := h.clientToken("mods", "mods-secret-123")
	ctx := t.Context()
	ivanov, err := h.ta.app.store.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentLogin, "ivanov"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, p := range []storage.Passkey{
		{ID: "cred1", UserID: ivanov.ID, Name: "Phone", PublicKey: []byte{1}, BackupEligible: true, Transports: []string{"internal"}, CreatedAt: now},
		{ID: "cred2", UserID: ivanov.ID, Name: "YubiKey", PublicKey: []byte{2}, CreatedAt: now, LastUsedAt: now},
	} {
		if err := h.ta.app.store.CreatePasskey(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.ta.app.store.SetRecoveryCodes(ctx, ivanov.ID, []string{"sha256:a"}, now); err != nil {
		t.Fatal(err)
	}
	base := "/users/" + ivanov.ID
	h.want(h.call(mods, "GET", base+"/factors", nil), 403, "moderator reads factors")
	h.want(h.call(mods, "POST", base+"/factors/reset", nil), 403, "moderator resets factors")
	h.want(h.call(mods, "DELETE", base+"/passkeys/cred1", nil), 403, "moderator removes a passkey")

	got := h.want(h.call(ops, "GET", base+"/factors", nil), 200, "read factors")
	if pks, _ := got.Body["passkeys"].([]any); len(pks) != 2 || got.Body["recovery_codes_left"] != float64(1) || got.Body["totp"] != false {
		t.Fatalf("factors %s", got.Raw)
	}
	h.want(h.call(ops, "DELETE", base+"/passkeys/cred2", nil), 204, "remove a passkey")
	h.want(h.call(ops, "DELETE", base+"/passkeys/cred2", nil), 404, "remove it again")
	h.want(h.call(ops, "DELETE", "/users/nobody/passkeys/cred1", nil), 404, "a passkey of nobody")
	if pks, _ := h.ta.app.store.PasskeysOfUser(ctx, ivanov.ID); len(pks) != 1 || pks[0].ID != "cred1" {
		t.Fatalf("left %+v", pks)
	}
	h.want(h.call(ops, "POST", base+"/factors/reset", nil), 204, "reset")
	h.want(h.call(ops, "POST", "/users/nobody/factors/reset", nil), 404, "reset nobody")
	got = h.want(h.call(ops, "GET", base+"/factors", nil), 200, "read after reset")
	if pks, _ := got.Body["passkeys"].([]any); len(pks) != 0 || got.Body["recovery_codes_left"] != float64(0) {
		t.Fatalf("after the reset %s", got.Raw)
	}
	for _, typ := range []string{directory.EventFactorRemoved, directory.EventFactorsReset} {
		evs, err := h.ta.app.store.QueryAudit(ctx, storage.AuditQuery{Type: typ, UserID: ivanov.ID})
		if err != nil || len(evs) != 1 || evs[0].Actor != "client:ops" || evs[0].Details["api"] == "" || (typ == directory.EventFactorRemoved && evs[0].Details["passkey"] != "cred2") {
			t.Fatalf("%s audited as %+v (%v)", typ, evs, err)
		}
	}
}
