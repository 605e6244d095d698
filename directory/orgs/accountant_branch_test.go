package orgs_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// TestAccountantOfABranch: the head office and a branch share the INN, and
// each holds a contract numbered "Д-15" with a PIN of its own; the PIN tells
// whose accountant signs in. The number is listed as it was typed.
func TestAccountantOfABranch(t *testing.T) {
	o, _ := newOrgs(t)
	ctx := t.Context()
	branchOrg := romashka()
	branchOrg.KPP, branchOrg.Name = "784201001", "Филиал ООО «Ромашка»"
	var ids []string
	for _, in := range []storage.Organisation{romashka(), branchOrg} {
		org, err := o.Register(ctx, in, directory.Actor{ID: "director"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.ApproveOrganisation(ctx, org.ID, directory.Actor{ID: "moderator"}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, org.ID)
	}
	if err := o.SetAccountantPIN(ctx, ids[0], "Д-15", "111111", directory.Actor{ID: "director"}); err != nil {
		t.Fatal(err)
	}
	if err := o.SetAccountantPIN(ctx, ids[1], "д 15", "222222", directory.Actor{ID: "director"}); err != nil {
		t.Fatal(err)
	}
	for pin, want := range map[string]string{"111111": ids[0], "222222": ids[1]} {
		u, org, err := o.AuthenticateAccountant(ctx, "7728824599", "Д-15", pin)
		if err != nil || org.ID != want || u.AccountantOf != want+"/Д15" {
			t.Fatalf("PIN %s: %v %s %q, want %s", pin, err, org.ID, u.AccountantOf, want)
		}
	}
	if _, _, err := o.AuthenticateAccountant(ctx, "7728824599", "Д-15", "333333"); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("a PIN of neither: %v", err)
	}
	branch, _ := o.Get(ctx, ids[1])
	if !slices.Equal(branch.Contracts, []string{"д 15"}) {
		t.Fatalf("contracts listed as %q, not as typed", branch.Contracts)
	}
	// Setting the PIN again under another spelling does not list the contract twice.
	if err := o.SetAccountantPIN(ctx, ids[1], "Д15", "444444", directory.Actor{ID: "director"}); err != nil {
		t.Fatal(err)
	}
	if branch, _ = o.Get(ctx, ids[1]); len(branch.Contracts) != 1 {
		t.Fatalf("contracts: %q", branch.Contracts)
	}
}

// TestAccountantPINSharedByUnits: the head office and a branch gave contract
// "Д-15" the same PIN. The store's order must not decide whose accountant
// signs in (one unit's accountant would get the other's company and role):
// the PIN is refused for both with the answer of a wrong PIN, no account is
// made, and each unit's audit trail says why. Once the branch sets a PIN of
// its own, each PIN signs in to its own unit only.
func TestAccountantPINSharedByUnits(t *testing.T) {
	w := newOrgWorld(t, nil)
	ctx := t.Context()
	head := w.register(t)
	branchOrg := romashka()
	branchOrg.KPP, branchOrg.Name = "784201001", "Филиал ООО «Ромашка»"
	branch, err := w.o.Register(ctx, branchOrg, directory.Actor{ID: "director"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{head.ID, branch.ID} {
		if _, err := w.o.ApproveOrganisation(ctx, id, moderator); err != nil {
			t.Fatal(err)
		}
		if err := w.o.SetAccountantPIN(ctx, id, "Д-15", "555555", directory.Actor{ID: "director"}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // whatever order the store returns the units in
		u, org, err := w.o.AuthenticateAccountant(ctx, "7728824599", "Д-15", "555555")
		if !errors.Is(err, directory.ErrInvalidCredentials) || org.ID != "" || u.ID != "" {
			t.Fatalf("a PIN of both units signed in: %v org %q user %q", err, org.ID, u.AccountantOf)
		}
	}
	for _, id := range []string{head.ID, branch.ID} {
		if _, err := w.st.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentAccountant, id+"/Д15")); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("an accountant of %s was made: %v", id, err)
		}
		list, err := w.st.QueryAudit(ctx, storage.AuditQuery{OrgID: id, Type: directory.EventAccountantPINShared, Limit: 10})
		if err != nil || len(list) != 2 {
			t.Fatalf("shared PIN audited for %s as %v %+v", id, err, list)
		}
		e := list[0]
		orgsNamed := strings.Split(e.Details["orgs"], ",")
		if e.Outcome != directory.OutcomeFailure || e.Details["contract"] != "Д15" || e.Details["inn"] != "7728824599" ||
			len(orgsNamed) != 2 || !slices.Contains(orgsNamed, head.ID) || !slices.Contains(orgsNamed, branch.ID) {
			t.Fatalf("shared PIN audited as %+v", e)
		}
	}
	// A wrong PIN gets the same answer, and writes no such event.
	if _, _, err := w.o.AuthenticateAccountant(ctx, "7728824599", "Д-15", "000000"); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Fatalf("a wrong PIN: %v", err)
	}
	if list, _ := w.st.QueryAudit(ctx, storage.AuditQuery{OrgID: head.ID, Type: directory.EventAccountantPINShared, Limit: 10}); len(list) != 2 {
		t.Fatalf("a wrong PIN audited as shared: %+v", list)
	}
	// The branch's org admin sets another PIN: each PIN now names one unit.
	if err := w.o.SetAccountantPIN(ctx, branch.ID, "Д-15", "666666", directory.Actor{ID: "director"}); err != nil {
		t.Fatal(err)
	}
	for pin, want := range map[string]string{"555555": head.ID, "666666": branch.ID} {
		u, org, err := w.o.AuthenticateAccountant(ctx, "7728824599", "д 15", pin)
		if err != nil || org.ID != want || u.AccountantOf != want+"/Д15" {
			t.Fatalf("PIN %s: %v %s %q, want %s", pin, err, org.ID, u.AccountantOf, want)
		}
	}
}
