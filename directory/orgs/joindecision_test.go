package orgs_test

import (
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

// TestJoinDecisionsMailAndAudit: approving or rejecting a join request mails
// the person and writes the audit event in orgs.Service, so that the
// members page, the moderation queue and the API each do it, the same way.
func TestJoinDecisionsMailAndAudit(t *testing.T) {
	w := newOrgWorld(t, nil)
	ctx := t.Context()
	org := w.register(t)
	if _, err := w.o.ApproveOrganisation(ctx, org.ID, moderator); err != nil {
		t.Fatal(err)
	}
	// The person asking reads English, as the director does.
	if err := w.st.CreateUser(ctx, storage.User{ID: "employee", Email: "employee@example.com", EmailVerified: true, Locale: "en"}); err != nil {
		t.Fatal(err)
	}
	sent := len(w.mail.Messages())
	if _, err := w.o.RequestJoin(ctx, "employee", org.ID); err != nil {
		t.Fatal(err)
	}
	if done, err := w.o.ApproveJoin(ctx, "employee", org.ID, moderator, orgs.ApproverModerator, nil); err != nil || !done {
		t.Fatalf("approve: %v %v", done, err)
	}
	msgs := w.mail.Messages()
	if len(msgs) != sent+1 || msgs[sent].To != "employee@example.com" ||
		msgs[sent].Subject != texts("en", "mail.join_approved_subject", "Company", org.Name, "Reason", "") {
		t.Fatalf("approval mail: %+v", msgs[sent:])
	}
	e := w.event(t, org.ID, directory.EventJoinApproved)
	if e.Actor != moderator.ID || e.UserID != "employee" || e.IP != moderator.IP || e.Details["as"] != orgs.ApproverModerator ||
		e.Details["active"] != "yes" || e.Details["via"] != "test" {
		t.Fatalf("approval audited as %+v", e)
	}

	// A removed member asks again and is refused with a reason.
	if _, err := w.o.SetRoles(ctx, "employee", org.ID, nil, directory.Actor{ID: "director"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.o.RequestJoin(ctx, "employee", org.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.o.RejectJoin(ctx, "employee", org.ID, moderator, orgs.ApproverOrgAdmin, " not ours "); err != nil {
		t.Fatal(err)
	}
	msgs = w.mail.Messages()
	if len(msgs) != sent+2 || msgs[sent+1].Text != texts("en", "mail.join_rejected_text", "Company", org.Name, "Reason", "not ours") {
		t.Fatalf("rejection mail: %+v", msgs[sent:])
	}
	e = w.event(t, org.ID, directory.EventJoinRejected)
	if e.UserID != "employee" || e.Details["reason"] != "not ours" || e.Details["as"] != orgs.ApproverOrgAdmin {
		t.Fatalf("rejection audited as %+v", e)
	}
	// A decision on nothing waiting changes nothing and mails nobody.
	if err := w.o.RejectJoin(ctx, "employee", org.ID, moderator, orgs.ApproverOrgAdmin, ""); err == nil {
		t.Fatal("a second rejection was taken")
	}
	if n := len(w.mail.Messages()); n != sent+2 {
		t.Fatalf("a refused decision mailed: %d", n)
	}
}

// TestAccountantPINIsAudited: setting an accountant's PIN writes its audit
// event in the service (it was the company page's to write, so another caller
// — the API, the console — would have set PINs unaudited).
func TestAccountantPINIsAudited(t *testing.T) {
	w := newOrgWorld(t, nil)
	org := w.register(t)
	if _, err := w.o.ApproveOrganisation(t.Context(), org.ID, moderator); err != nil {
		t.Fatal(err)
	}
	if err := w.o.SetAccountantPIN(t.Context(), org.ID, "д-15", "123456", directory.Actor{ID: "director", IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	e := w.event(t, org.ID, directory.EventAccountantPIN)
	if e.Actor != "director" || e.IP != "192.0.2.1" || e.Details["contract"] != "Д15" {
		t.Fatalf("PIN audited as %+v", e)
	}
}
