package storagetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// ids names what a page holds, in its order.
func ids[T any](list []T, id func(T) string) []string {
	out := []string{}
	for _, x := range list {
		out = append(out, id(x))
	}
	return out
}

func orgID(o storage.Organisation) string { return o.ID }

// testOrganisationPages: pages follow one another by the cursor, in ID order,
// never over the limit, and together hold each match exactly once.
func testOrganisationPages(t *testing.T, s storage.Store) {
	ctx := t.Context()
	var active []string
	for i := range 7 {
		o := org(fmt.Sprintf("o%02d", 6-i), fmt.Sprintf("77288245%02d", i), "772801001") // created out of ID order
		if i%3 != 0 {
			o.Status = storage.OrgActive
			active = append(active, o.ID)
		}
		must(t, s.CreateOrganisation(ctx, o))
	}
	slices.Sort(active)
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatalf("no end of pages: %v", got)
		}
		page, next, err := s.ListOrganisations(ctx, storage.OrgQuery{Status: storage.OrgActive, After: after, Limit: 2})
		must(t, err)
		if len(page) > 2 {
			t.Fatalf("a page of %d over the limit of 2", len(page))
		}
		got = append(got, ids(page, orgID)...)
		if next == "" {
			break
		}
		if next != page[len(page)-1].ID {
			t.Fatalf("next %q is not the page's last ID %v", next, ids(page, orgID))
		}
		after = next
	}
	if !slices.Equal(got, active) {
		t.Fatalf("paged through %v, want %v in ID order", got, active)
	}
	// A page that holds exactly the rest says that none follows.
	_, next, err := s.ListOrganisations(ctx, storage.OrgQuery{Status: storage.OrgActive, Limit: len(active)})
	must(t, err)
	if next != "" {
		t.Fatalf("next %q after the last page", next)
	}
	// The same query answers the same order.
	again, _, err := s.ListOrganisations(ctx, storage.OrgQuery{Limit: 100})
	must(t, err)
	if all := ids(again, orgID); len(all) != 7 || !slices.IsSorted(all) {
		t.Fatalf("all organisations: %v", all)
	}
	// No limit means the default page, and a limit over the maximum is cut to it.
	for i := range storage.MaxPage + 1 {
		must(t, s.CreateOrganisation(ctx, org(fmt.Sprintf("p%03d", i), fmt.Sprintf("5%09d", i), "")))
	}
	page, next, err := s.ListOrganisations(ctx, storage.OrgQuery{})
	must(t, err)
	if len(page) != storage.DefaultPage || next == "" {
		t.Fatalf("without a limit: %d organisations, next %q", len(page), next)
	}
	page, next, err = s.ListOrganisations(ctx, storage.OrgQuery{Limit: 10 * storage.MaxPage})
	must(t, err)
	if len(page) != storage.MaxPage || next == "" {
		t.Fatalf("over the maximum: %d organisations, next %q", len(page), next)
	}
}

// testOrganisationFilters: each filter is applied by the store, and they combine.
func testOrganisationFilters(t *testing.T, s storage.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	romashka := org("a1", "7728824599", "772801001")
	romashka.Name, romashka.FullName, romashka.OGRN = "ООО «Ромашка»", "Общество с ограниченной ответственностью «Ромашка»", "1157746123456"
	romashka.Status, romashka.RegisteredBy = storage.OrgActive, "u1"
	romashka.Invitations = []storage.Invitation{{Identifier: "email:a@example.com", At: now, By: "u1"}}
	vasilek := org("a2", "7707083893", "")
	vasilek.Name, vasilek.FullName = "ООО «Василёк»", "Общество «Василёк и ромашка»"
	vasilek.RegisteredBy = "u1"
	vasilek.Invitations = []storage.Invitation{{Identifier: "email:a@example.com", At: now.Add(-time.Hour), By: "u2"}}
	lyutik := org("a3", "500100732259", "")
	lyutik.Kind, lyutik.Name, lyutik.RegisteredBy = storage.OrgEntrepreneur, "ИП Лютиков", "u2"
	lyutik.Status, lyutik.ModeratedBy, lyutik.ModeratedAt = storage.OrgRejected, "m", now.Add(-time.Minute)
	lyutik.Invitations = []storage.Invitation{{Identifier: "phone:+79161234567", At: now, By: "u2"}}
	romashka.ModeratedBy, romashka.ModeratedAt = "m", now
	for _, o := range []storage.Organisation{romashka, vasilek, lyutik} {
		must(t, s.CreateOrganisation(ctx, o))
	}
	for _, tc := range []struct {
		name string
		q    storage.OrgQuery
		want []string
	}{
		{"status", storage.OrgQuery{Status: storage.OrgPending}, []string{"a2"}},
		{"registrant", storage.OrgQuery{RegisteredBy: "u1"}, []string{"a1", "a2"}},
		{"registrant and status", storage.OrgQuery{RegisteredBy: "u1", Status: storage.OrgActive}, []string{"a1"}},
		{"IDs", storage.OrgQuery{IDs: []string{"a3", "a1", "none"}}, []string{"a1", "a3"}},
		{"no IDs", storage.OrgQuery{IDs: []string{}}, []string{}},
		{"IDs after", storage.OrgQuery{IDs: []string{"a3", "a1"}, After: "a1"}, []string{"a3"}},
		{"part of a name in another case", storage.OrgQuery{Text: "РОМАШ"}, []string{"a1", "a2"}},
		{"INN", storage.OrgQuery{Text: "500100732259"}, []string{"a3"}},
		{"OGRN", storage.OrgQuery{Text: "1157746123456"}, []string{"a1"}},
		{"part of an INN", storage.OrgQuery{Text: "7728"}, []string{}},
		{"pattern characters are text", storage.OrgQuery{Text: ".*"}, []string{}},
		{"invited", storage.OrgQuery{Invited: []string{"email:a@example.com", "phone:+79990000000"}}, []string{"a1", "a2"}},
		{"invited by phone, active", storage.OrgQuery{Invited: []string{"phone:+79161234567"}, Status: storage.OrgActive}, []string{}},
		{"moderated, latest first", storage.OrgQuery{Moderated: true}, []string{"a1", "a3"}},
		{"moderated, one", storage.OrgQuery{Moderated: true, Limit: 1}, []string{"a1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, next, err := s.ListOrganisations(ctx, tc.q)
			must(t, err)
			if got := ids(page, orgID); !slices.Equal(got, tc.want) || next != "" {
				t.Fatalf("got %v (next %q), want %v", got, next, tc.want)
			}
		})
	}
}

// testMembershipPages: the moderator's queue and one organisation's list page
// by membership ID with their filters.
func testMembershipPages(t *testing.T, s storage.Store) {
	ctx := t.Context()
	var queue, o1 []string
	for i := range 9 {
		m := storage.Membership{UserID: fmt.Sprintf("u%d", 8-i), OrgID: fmt.Sprintf("o%d", i%3), Status: storage.MemberRequested}
		switch {
		case i%4 == 0:
			m.Status = storage.MemberActive
		case i == 5:
			m.Approvals = []string{"moderator"} // waits for the org admin now
		case i == 7:
			m.Approvals = []string{"org_admin"}
			queue = append(queue, storage.MembershipID(m.UserID, m.OrgID))
		default:
			queue = append(queue, storage.MembershipID(m.UserID, m.OrgID))
		}
		if m.OrgID == "o1" {
			o1 = append(o1, storage.MembershipID(m.UserID, m.OrgID))
		}
		must(t, s.CreateMembership(ctx, m))
	}
	slices.Sort(queue)
	slices.Sort(o1)
	memberID := func(m storage.Membership) string { return m.ID }
	for _, tc := range []struct {
		name string
		q    storage.MembershipQuery
		want []string
	}{
		{"moderator's queue", storage.MembershipQuery{Status: storage.MemberRequested, NotApprovedBy: "moderator"}, queue},
		{"one organisation", storage.MembershipQuery{OrgID: "o1"}, o1},
		{"one organisation's requests", storage.MembershipQuery{OrgID: "o0", Status: storage.MemberRequested}, []string{"u2/o0", "u5/o0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			q := tc.q
			q.Limit = 2
			for pages := 0; ; pages++ {
				if pages > 5 {
					t.Fatalf("no end of pages: %v", got)
				}
				page, next, err := s.ListMemberships(ctx, q)
				must(t, err)
				if len(page) > 2 {
					t.Fatalf("a page of %d over the limit of 2", len(page))
				}
				got = append(got, ids(page, memberID)...)
				if next == "" {
					break
				}
				q.After = next
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("paged through %v, want %v", got, tc.want)
			}
		})
	}
}
