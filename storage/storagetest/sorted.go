package storagetest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// pageAll reads every page of a sorted list by its cursors, failing on a
// cursor that goes nowhere (a page that repeats the previous one).
func pageAll[T any](t *testing.T, id func(T) string, read func(after string) ([]T, string, error)) []string {
	t.Helper()
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatalf("no end of pages: %v", got)
		}
		page, next, err := read(after)
		must(t, err)
		got = append(got, ids(page, id)...)
		if next == "" {
			return got
		}
		after = next
	}
}

// testSortedPages: a list sorted by a field many rows share, either way,
// read a few rows a page, holds each row once in the order of the field
// then the ID; text filters keep working, and a cursor that does not parse
// starts again at the first page.
func testSortedPages(t *testing.T, s storage.Store) {
	ctx := t.Context()
	base := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var all []storage.Organisation
	for i := range 9 {
		o := org(fmt.Sprintf("s%02d", (i*5)%9), fmt.Sprintf("77%08d", 9-i), "")
		o.Name = []string{"Альфа", "Бета", "Альфа"}[i%3] // names shared by three each
		o.CreatedAt = base.Add(time.Duration(i%4) * time.Minute)
		must(t, s.CreateOrganisation(ctx, o))
		all = append(all, o)
	}
	want := func(key func(storage.Organisation) string, desc bool, keep func(storage.Organisation) bool) []string {
		list := slices.Clone(all)
		slices.SortFunc(list, func(a, b storage.Organisation) int {
			c := cmp.Or(strings.Compare(key(a), key(b)), strings.Compare(a.ID, b.ID))
			if desc {
				return -c
			}
			return c
		})
		out := []string{}
		for _, o := range list {
			if keep(o) {
				out = append(out, o.ID)
			}
		}
		return out
	}
	every := func(storage.Organisation) bool { return true }
	for _, tc := range []struct {
		name string
		sort storage.Sort
		text string
		key  func(storage.Organisation) string
		keep func(storage.Organisation) bool
	}{
		{"name", storage.Sort{Key: storage.SortName}, "", func(o storage.Organisation) string { return o.Name }, every},
		{"name descending", storage.Sort{Key: storage.SortName, Desc: true}, "", func(o storage.Organisation) string { return o.Name }, every},
		{"INN", storage.Sort{Key: storage.SortINN}, "", func(o storage.Organisation) string { return o.INN }, every},
		{"created descending", storage.Sort{Key: storage.SortCreated, Desc: true}, "", func(o storage.Organisation) string { return storage.SortTime(o.CreatedAt) }, every},
		{"name with a search", storage.Sort{Key: storage.SortName, Desc: true}, "альф", func(o storage.Organisation) string { return o.Name },
			func(o storage.Organisation) bool { return o.Name == "Альфа" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := pageAll(t, orgID, func(after string) ([]storage.Organisation, string, error) {
				return s.ListOrganisations(ctx, storage.OrgQuery{Sort: tc.sort, Text: tc.text, After: after, Limit: 2})
			})
			if w := want(tc.key, tc.sort.Desc, tc.keep); !slices.Equal(got, w) {
				t.Fatalf("paged through %v, want %v", got, w)
			}
		})
	}
	// A damaged cursor is the first page, never an error.
	first, _, err := s.ListOrganisations(ctx, storage.OrgQuery{Sort: storage.Sort{Key: storage.SortName}, After: "%%%", Limit: 2})
	must(t, err)
	if w := want(func(o storage.Organisation) string { return o.Name }, false, every)[:2]; !slices.Equal(ids(first, orgID), w) {
		t.Fatalf("a damaged cursor gave %v, want the first page %v", ids(first, orgID), w)
	}

	// Join requests by the time they were made, newest first.
	var ms []storage.Membership
	for i := range 5 {
		m := storage.Membership{UserID: fmt.Sprintf("u%d", i), OrgID: "s00", Status: storage.MemberRequested, CreatedAt: base.Add(time.Duration(i%2) * time.Hour)}
		must(t, s.CreateMembership(ctx, m))
		m.ID = storage.MembershipID(m.UserID, m.OrgID)
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b storage.Membership) int {
		return -cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	gotM := pageAll(t, func(m storage.Membership) string { return m.ID }, func(after string) ([]storage.Membership, string, error) {
		return s.ListMemberships(ctx, storage.MembershipQuery{Status: storage.MemberRequested, Sort: storage.Sort{Key: storage.SortCreated, Desc: true}, After: after, Limit: 2})
	})
	if w := ids(ms, func(m storage.Membership) string { return m.ID }); !slices.Equal(gotM, w) {
		t.Fatalf("requests newest first: %v, want %v", gotM, w)
	}

	// Accounts by the time they were made, oldest first (ListUsers pages as
	// UserAdmin does: one more than the page, the last shown row's cursor).
	var us []storage.User
	for i := range 5 {
		u := storage.User{ID: fmt.Sprintf("p%d", 4-i), Login: fmt.Sprintf("login%d", i), CreatedAt: base.Add(time.Duration(i%3) * time.Second)}
		must(t, s.CreateUser(ctx, u))
		us = append(us, u)
	}
	slices.SortFunc(us, func(a, b storage.User) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	by := storage.Sort{Key: storage.SortCreated}
	gotU := pageAll(t, func(u storage.User) string { return u.ID }, func(after string) ([]storage.User, string, error) {
		page, err := s.ListUsers(ctx, storage.UserQuery{Text: "login", Sort: by, After: after, Limit: 3})
		if err != nil || len(page) < 3 {
			return page, "", err
		}
		return page[:2], storage.UserCursor(page[1], by), nil
	})
	if w := ids(us, func(u storage.User) string { return u.ID }); !slices.Equal(gotU, w) {
		t.Fatalf("accounts oldest first: %v, want %v", gotU, w)
	}

	// The audit log oldest first, continued after an event sharing its time.
	for i := range 5 {
		must(t, s.AppendAudit(ctx, storage.AuditEvent{ID: fmt.Sprintf("e%d", 4-i), Time: base.Add(time.Duration(i/2) * time.Second), Type: "sorted"}))
	}
	var gotA []string
	var q = storage.AuditQuery{Type: "sorted", Oldest: true, Limit: 2}
	for range 5 {
		page, err := s.QueryAudit(ctx, q)
		must(t, err)
		if len(page) == 0 {
			break
		}
		gotA = append(gotA, ids(page, func(e storage.AuditEvent) string { return e.ID })...)
		q.After, q.AfterID = page[len(page)-1].Time, page[len(page)-1].ID
	}
	if w := []string{"e3", "e4", "e1", "e2", "e0"}; !slices.Equal(gotA, w) {
		t.Fatalf("audit oldest first: %v, want %v", gotA, w)
	}
}
