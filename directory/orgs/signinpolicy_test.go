package orgs_test

import (
	"errors"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/storage"
)

func TestSetSignInPolicy(t *testing.T) {
	w := newOrgWorld(t, nil)
	ctx := t.Context()
	org, err := w.o.Register(ctx, romashka(), directory.Actor{ID: "director"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.o.SetSignInPolicy(ctx, org.ID, "sometimes", directory.Actor{ID: "director"}); !errors.Is(err, orgs.ErrUnknownSignInPolicy) {
		t.Fatalf("an unknown policy: %v", err)
	}
	got, err := w.o.SetSignInPolicy(ctx, org.ID, storage.OrgSignInSecondFactor, directory.Actor{ID: "director"})
	if err != nil || got.SignInPolicy != storage.OrgSignInSecondFactor {
		t.Fatalf("set: %+v %v", got.SignInPolicy, err)
	}
	if stored, _ := w.st.OrganisationByID(ctx, org.ID); stored.SignInPolicy != storage.OrgSignInSecondFactor {
		t.Fatalf("stored policy %q", stored.SignInPolicy)
	}
	evs, _ := w.st.QueryAudit(ctx, storage.AuditQuery{OrgID: org.ID, Type: directory.EventOrgSignInPolicy})
	if len(evs) != 1 || evs[0].Details["to"] != storage.OrgSignInSecondFactor || evs[0].Actor != "director" {
		t.Fatalf("audit %+v", evs)
	}
}
