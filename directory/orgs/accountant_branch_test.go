package orgs_test

import (
	"errors"
	"slices"
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
