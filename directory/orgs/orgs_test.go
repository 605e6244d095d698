package orgs

import (
	"testing"

	"github.com/vhod-id/vhod/storage"
)

func TestPickOrg(t *testing.T) {
	a := Active{Org: storage.Organisation{ID: "romashka", INN: "7728824599"}}
	b := Active{Org: storage.Organisation{ID: "vasilek", INN: "7707083893"}}
	branch := Active{Org: storage.Organisation{ID: "romashka-spb", INN: "7728824599"}}
	tests := []struct {
		name          string
		active        []Active
		hint, current string
		ask           bool
		want          string
		page          bool
	}{
		{"no membership: no org, no page", nil, "", "", false, "", false},
		{"one membership: taken", []Active{a}, "", "", false, "romashka", false},
		{"one membership, select_account: asked", []Active{a}, "", "", true, "", true},
		{"two: asked", []Active{a, b}, "", "", false, "", true},
		{"two, earlier choice kept", []Active{a, b}, "", "vasilek", false, "vasilek", false},
		{"two, earlier choice no longer active", []Active{a, b}, "", "gone", false, "", true},
		{"two, select_account asks despite a choice", []Active{a, b}, "", "vasilek", true, "", true},
		{"hint by id", []Active{a, b}, "vasilek", "", false, "vasilek", false},
		{"hint by INN", []Active{a, b}, "7728824599", "vasilek", false, "romashka", false},
		{"hint by INN beats select_account", []Active{a, b}, "7728824599", "", true, "romashka", false},
		{"hint by INN of a head office and a branch: ambiguous", []Active{a, b, branch}, "7728824599", "", false, "", true},
		{"hint not among them", []Active{a, b}, "7702070139", "", false, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, page := Pick(tt.active, tt.hint, tt.current, tt.ask)
			if got != tt.want || page != tt.page {
				t.Fatalf("Pick = %q, %v; want %q, %v", got, page, tt.want, tt.page)
			}
		})
	}
}

func TestFilterRoles(t *testing.T) {
	known := map[string]bool{"org_admin": true, "participant": true}
	got := filterRoles([]string{"participant", "batches", "org_admin"}, known)
	if len(got) != 2 || got[0] != "participant" || got[1] != "org_admin" {
		t.Fatalf("filterRoles = %v", got)
	}
	if got := filterRoles(nil, known); got == nil || len(got) != 0 {
		t.Fatalf("no roles must be an empty list, got %#v", got)
	}
}
