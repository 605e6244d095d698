package directory_test

import (
	"errors"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// TestDecideJoin: a join decision, from the company's page or the moderation
// queue, is audited with who decided and as what, and the person is mailed:
// an approval that lets them in, and a rejection with its reason.
func TestDecideJoin(t *testing.T) {
	w := newOrgWorld(t, nil)
	org := w.register(t)
	if _, err := w.o.ApproveOrganisation(t.Context(), org.ID, moderator); err != nil {
		t.Fatal(err)
	}
	sent := len(w.mail.Messages())
	for _, id := range []string{"joiner", "stranger"} {
		if err := w.st.CreateUser(t.Context(), storage.User{ID: id, Email: id + "@example.com", Locale: "en"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.o.RequestJoin(t.Context(), id, org.ID); err != nil {
			t.Fatal(err)
		}
	}
	admin := directory.Actor{ID: "director", IP: "192.0.2.9", Lang: "ru"}
	notice, err := w.o.DecideJoin(t.Context(), "joiner", org, admin, directory.ApproverOrgAdmin, directory.JoinApprove, "")
	if err != nil || notice != "approved" {
		t.Fatalf("approve: %q %v", notice, err)
	}
	e := w.event(t, org.ID, directory.EventJoinApproved)
	if e.Actor != "director" || e.UserID != "joiner" || e.IP != admin.IP || e.Details["as"] != directory.ApproverOrgAdmin || e.Details["active"] != "yes" {
		t.Fatalf("approval audited as %+v", e)
	}
	notice, err = w.o.DecideJoin(t.Context(), "stranger", org, moderator, directory.ApproverModerator, directory.JoinReject, "  not staff ")
	if err != nil || notice != "rejected" {
		t.Fatalf("reject: %q %v", notice, err)
	}
	if e := w.event(t, org.ID, directory.EventJoinRejected); e.Details["reason"] != "not staff" || e.Details["via"] != "test" {
		t.Fatalf("rejection audited as %+v", e)
	}
	msgs := w.mail.Messages()[sent:]
	if len(msgs) != 2 || msgs[0].To != "joiner@example.com" || msgs[0].Subject != texts("en", "mail.join_approved_subject", "Company", org.Name, "Reason", "") ||
		msgs[1].To != "stranger@example.com" || msgs[1].Text != texts("en", "mail.join_rejected_text", "Company", org.Name, "Reason", "not staff") {
		t.Fatalf("mail %+v", msgs)
	}
	if _, err := w.o.DecideJoin(t.Context(), "joiner", org, admin, directory.ApproverOrgAdmin, directory.JoinApprove, ""); !errors.Is(err, directory.ErrNotPending) {
		t.Fatalf("decided twice: %v", err)
	}
	if _, err := w.o.DecideJoin(t.Context(), "joiner", org, admin, directory.ApproverOrgAdmin, "maybe", ""); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown decision: %v", err)
	}
}
