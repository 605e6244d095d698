package orgs_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
)

// orgWorld is the organisation rules with their auditor and a notifier whose
// mail stays in memory; the registrant "director" reads English.
type orgWorld struct {
	o    *orgs.Service
	st   *mongo.Store
	mail *notify.Memory
}

// texts stands for the pages' catalogue: the language, the key and the fields.
func texts(lang, key string, args ...string) string {
	return lang + " " + key + " " + strings.Join(args, " ")
}

// newOrgWorld makes one on a fresh store, written through fs when not nil.
func newOrgWorld(t *testing.T, fs *failingStore) orgWorld {
	t.Helper()
	_, st := newOrgs(t)
	mail := notify.NewMemory(100)
	log := slog.New(slog.DiscardHandler)
	cfg := orgs.Config{Audit: directory.NewAuditor(st, log), Notifier: directory.NewNotifier(st, mail, texts, log), Logger: log}
	p, _ := directory.NewPasswords(directory.PasswordParams{MemoryKiB: 8 * 1024, Iterations: 1, Parallelism: 1})
	o, err := orgs.New(st, p, cfg)
	if fs != nil {
		fs.Store = st
		o, err = orgs.New(fs, p, cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(t.Context(), storage.User{ID: "director", Email: "director@example.com", EmailVerified: true, Locale: "en"}); err != nil {
		t.Fatal(err)
	}
	return orgWorld{o: o, st: st, mail: mail}
}

var moderator = directory.Actor{ID: "moderator", IP: "192.0.2.7", UserAgent: "test", Lang: "ru", Details: map[string]string{"via": "test"}}

// register files romashka as "director" and checks its audit event.
func (w orgWorld) register(t *testing.T) storage.Organisation {
	t.Helper()
	org, err := w.o.Register(t.Context(), romashka(), directory.Actor{ID: "director", IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if org.Status != storage.OrgPending {
		t.Fatalf("registered: %q", org.Status)
	}
	e := w.event(t, org.ID, directory.EventOrgRegistered)
	if e.UserID != "director" || e.IP != "192.0.2.1" || e.Details["inn"] != org.INN || e.Outcome != directory.OutcomeSuccess {
		t.Fatalf("registration audited as %+v", e)
	}
	return org
}

// event is the one audit event of a type about an organisation.
func (w orgWorld) event(t *testing.T, orgID, typ string) storage.AuditEvent {
	t.Helper()
	list, err := w.st.QueryAudit(t.Context(), storage.AuditQuery{OrgID: orgID, Type: typ, Limit: 10})
	if err != nil || len(list) != 1 {
		t.Fatalf("%s events of %s: %v %+v", typ, orgID, err, list)
	}
	return list[0]
}

// wantMail checks that the last message went to the director, in their
// language, saying key, and that n were sent in all.
func (w orgWorld) wantMail(t *testing.T, n int, key string, args ...string) {
	t.Helper()
	msgs := w.mail.Messages()
	if len(msgs) != n {
		t.Fatalf("%d messages, want %d: %+v", len(msgs), n, msgs)
	}
	m := msgs[n-1]
	if m.To != "director@example.com" || m.Subject != texts("en", key+"_subject", args...) || m.Text != texts("en", key+"_text", args...) {
		t.Fatalf("mail %+v, want %s", m, key)
	}
}

// wantModerated checks the audit event of a moderator's decision.
func wantModerated(t *testing.T, e storage.AuditEvent, reason string) {
	t.Helper()
	if e.Actor != moderator.ID || e.UserID != "director" || e.IP != moderator.IP || e.UserAgent != moderator.UserAgent ||
		e.Details["via"] != "test" || e.Details["reason"] != reason || e.Outcome != directory.OutcomeSuccess {
		t.Fatalf("decision audited as %+v", e)
	}
}

func TestApproveOrganisation(t *testing.T) {
	w := newOrgWorld(t, nil)
	org := w.register(t)
	got, err := w.o.ApproveOrganisation(t.Context(), org.ID, moderator)
	if err != nil || got.Status != storage.OrgActive || got.ModeratedBy != moderator.ID {
		t.Fatalf("approved: %v %+v", err, got)
	}
	if admin, _ := w.o.IsOrgAdmin(t.Context(), "director", org.ID); !admin {
		t.Fatal("the registrant is not org_admin")
	}
	wantModerated(t, w.event(t, org.ID, directory.EventOrgApproved), "")
	w.wantMail(t, 1, "mail.org_approved", "Company", org.Name, "Reason", "")
	if _, err := w.o.ApproveOrganisation(t.Context(), org.ID, moderator); !errors.Is(err, orgs.ErrNotPending) {
		t.Fatalf("approved twice: %v", err)
	}
	if n := len(w.mail.Messages()); n != 1 {
		t.Fatalf("a refused approval mailed: %d", n)
	}
}

// A rejection says why; the company can be resubmitted (registered again).
func TestRejectAndResubmitOrganisation(t *testing.T) {
	w := newOrgWorld(t, nil)
	org := w.register(t)
	got, err := w.o.RejectOrganisation(t.Context(), org.ID, moderator, "no such company")
	if err != nil || got.Status != storage.OrgRejected || got.Reason != "no such company" {
		t.Fatalf("rejected: %v %+v", err, got)
	}
	if admin, _ := w.o.IsOrgAdmin(t.Context(), "director", org.ID); admin {
		t.Fatal("the registrant of a rejected company is its admin")
	}
	wantModerated(t, w.event(t, org.ID, directory.EventOrgRejected), "no such company")
	w.wantMail(t, 1, "mail.org_rejected", "Company", org.Name, "Reason", "no such company")

	again := w.register(t)
	if again.ID == org.ID {
		t.Fatal("the resubmission reused the rejected record")
	}
	if _, err := w.o.ApproveOrganisation(t.Context(), again.ID, moderator); err != nil {
		t.Fatal(err)
	}
	w.wantMail(t, 2, "mail.org_approved", "Company", org.Name, "Reason", "")
}

// A suspended company gives no claims; its org admins are told, and again when
// it is reactivated.
func TestSuspendAndReactivateOrganisation(t *testing.T) {
	w := newOrgWorld(t, nil)
	ctx := t.Context()
	org := w.register(t)
	if _, err := w.o.SuspendOrganisation(ctx, org.ID, moderator, "unpaid"); !errors.Is(err, orgs.ErrNotPending) {
		t.Fatalf("suspended a pending company: %v", err)
	}
	if _, err := w.o.ApproveOrganisation(ctx, org.ID, moderator); err != nil {
		t.Fatal(err)
	}
	got, err := w.o.SuspendOrganisation(ctx, org.ID, moderator, "unpaid")
	if err != nil || got.Status != storage.OrgSuspended || got.Reason != "unpaid" {
		t.Fatalf("suspended: %v %+v", err, got)
	}
	if active, _ := w.o.ActiveOrgs(ctx, "director"); len(active) != 0 {
		t.Fatalf("a suspended company still acts: %+v", active)
	}
	wantModerated(t, w.event(t, org.ID, directory.EventOrgSuspended), "unpaid")
	w.wantMail(t, 2, "mail.org_suspended", "Company", org.Name, "Reason", "unpaid")
	if _, err := w.o.SuspendOrganisation(ctx, org.ID, moderator, "unpaid"); !errors.Is(err, orgs.ErrNotPending) {
		t.Fatalf("suspended twice: %v", err)
	}

	got, err = w.o.ReactivateOrganisation(ctx, org.ID, moderator)
	if err != nil || got.Status != storage.OrgActive || got.Reason != "" {
		t.Fatalf("reactivated: %v %+v", err, got)
	}
	if active, _ := w.o.ActiveOrgs(ctx, "director"); len(active) != 1 {
		t.Fatalf("a reactivated company does not act: %+v", active)
	}
	wantModerated(t, w.event(t, org.ID, directory.EventOrgReactivated), "")
	w.wantMail(t, 3, "mail.org_reactivated", "Company", org.Name, "Reason", "")
}

// An operator's (or the bootstrap's) company is active at once, audited, and
// mails nobody.
func TestCreateOrganisation(t *testing.T) {
	w := newOrgWorld(t, nil)
	bad := romashka()
	bad.INN = "7728824598"
	if _, problems, err := w.o.Create(t.Context(), bad, moderator); err != nil || problems["inn"] == "" {
		t.Fatalf("invalid INN: %v %v", err, problems)
	}
	in := romashka()
	in.ID = "romashka"
	org, problems, err := w.o.Create(t.Context(), in, directory.Actor{ID: "bootstrap"})
	if err != nil || problems != nil || org.ID != "romashka" || org.Status != storage.OrgActive {
		t.Fatalf("created: %v %v %+v", err, problems, org)
	}
	if e := w.event(t, org.ID, directory.EventOrgRegistered); e.Actor != "bootstrap" || e.Details["kpp"] != org.KPP {
		t.Fatalf("creation audited as %+v", e)
	}
	if _, _, err := w.o.Create(t.Context(), in, directory.Actor{ID: "bootstrap"}); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("created twice: %v", err)
	}
	if n := len(w.mail.Messages()); n != 0 {
		t.Fatalf("a creation mailed: %d", n)
	}
}

// failingStore fails the nth write of an organisation or a membership, once.
type failingStore struct {
	*mongo.Store
	n, writes atomic.Int32
}

var errWriteFailed = errors.New("the store failed this write")

func (f *failingStore) fail() error {
	if f.writes.Add(1) == f.n.Load() {
		return errWriteFailed
	}
	return nil
}

func (f *failingStore) UpdateOrganisation(ctx context.Context, o storage.Organisation) (storage.Organisation, error) {
	if err := f.fail(); err != nil {
		return o, err
	}
	return f.Store.UpdateOrganisation(ctx, o)
}

func (f *failingStore) CreateMembership(ctx context.Context, m storage.Membership) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.CreateMembership(ctx, m)
}

func (f *failingStore) UpdateMembership(ctx context.Context, m storage.Membership) (storage.Membership, error) {
	if err := f.fail(); err != nil {
		return m, err
	}
	return f.Store.UpdateMembership(ctx, m)
}

// An approval whose second write fails never leaves an active company without
// its admin, and a retry completes it.
func TestApproveOrganisationSurvivesAFailedWrite(t *testing.T) {
	fs := &failingStore{}
	w := newOrgWorld(t, fs)
	ctx := t.Context()
	org := w.register(t)
	fs.n.Store(2) // the approval's second write
	if _, err := w.o.ApproveOrganisation(ctx, org.ID, moderator); !errors.Is(err, errWriteFailed) {
		t.Fatalf("approval with a failing write: %v", err)
	}
	stored, err := w.st.OrganisationByID(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if admin, _ := w.o.IsOrgAdmin(ctx, "director", org.ID); stored.Status == storage.OrgActive && !admin {
		t.Fatal("an active company without its admin")
	}
	if n := len(w.mail.Messages()); n != 0 {
		t.Fatalf("a failed approval mailed: %d", n)
	}
	got, err := w.o.ApproveOrganisation(ctx, org.ID, moderator)
	if err != nil || got.Status != storage.OrgActive {
		t.Fatalf("the retry: %v %+v", err, got)
	}
	if admin, _ := w.o.IsOrgAdmin(ctx, "director", org.ID); !admin {
		t.Fatal("the registrant is not org_admin after the retry")
	}
	w.event(t, org.ID, directory.EventOrgApproved) // once, for the approval that happened
	w.wantMail(t, 1, "mail.org_approved", "Company", org.Name, "Reason", "")
}

// The join policy is fixed when the rules are made; an unknown one is refused
// then, never read as "approved" at a request.
func TestJoinPolicyFixedAtConstruction(t *testing.T) {
	st := &mongo.Store{}
	if _, err := orgs.New(st, nil, orgs.Config{JoinPolicy: "anyone"}); !errors.Is(err, orgs.ErrUnknownJoinPolicy) {
		t.Fatalf("unknown policy: %v", err)
	}
	for _, tc := range []struct {
		name, policy string
		byModerator  bool // the moderator's approval alone lets the person in
	}{
		{name: "default is either", policy: "", byModerator: true},
		{name: "either", policy: orgs.JoinEither, byModerator: true},
		{name: "org admin", policy: orgs.JoinOrgAdmin, byModerator: false},
		{name: "both", policy: orgs.JoinBoth, byModerator: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := newOrgs(t, func(c *orgs.Config) { c.JoinPolicy = tc.policy })
			ctx := t.Context()
			org, err := o.Register(ctx, romashka(), directory.Actor{ID: "director"})
			if err == nil {
				_, err = o.ApproveOrganisation(ctx, org.ID, moderator)
			}
			if err == nil {
				_, err = o.RequestJoin(ctx, "employee", org.ID)
			}
			if err != nil {
				t.Fatal(err)
			}
			done, err := o.ApproveJoin(ctx, "employee", org.ID, directory.Actor{ID: "moderator"}, orgs.ApproverModerator, nil)
			if err != nil || done != tc.byModerator {
				t.Fatalf("moderator's approval: done %v, err %v", done, err)
			}
			if !done {
				if done, err = o.ApproveJoin(ctx, "employee", org.ID, directory.Actor{ID: "director"}, orgs.ApproverOrgAdmin, nil); err != nil || !done {
					t.Fatalf("org admin's approval: done %v, err %v", done, err)
				}
			}
		})
	}
}
