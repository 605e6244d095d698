package main

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// pageThrough follows the next cursors of a list from its first page and
// returns the IDs in the order they came; it fails on a page over the limit.
func (h *apiHarness) pageThrough(token, path string, limit int, id string) []string {
	h.t.Helper()
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 20 {
			h.t.Fatalf("%s: no end of pages after %v", path, got)
		}
		q := url.Values{"limit": {fmt.Sprint(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		a := h.want(h.call(token, "GET", path+"&"+q.Encode(), nil), 200, "page of "+path)
		items := a.Body["items"].([]any)
		if len(items) > limit {
			h.t.Fatalf("%s: %d items over the limit of %d", path, len(items), limit)
		}
		for _, it := range items {
			got = append(got, it.(map[string]any)[id].(string))
		}
		next, _ := a.Body["next"].(string)
		if next == "" {
			return got
		}
		cursor = next
	}
}

// TestAPIListsPageInTheDatabase: the organisation and member lists come a page
// at a time by the next cursor, filtered, each item once, in a stable order.
func TestAPIListsPageInTheDatabase(t *testing.T) {
	h := newAPIHarness(t)
	ops := h.clientToken("ops", "ops-secret-123")
	ctx := t.Context()
	now := time.Now().UTC()
	var pending, members []string
	for i := range 7 {
		o := storage.Organisation{ID: fmt.Sprintf("p%d", 6-i), Kind: storage.OrgLegalEntity, Status: storage.OrgPending,
			Name: fmt.Sprintf("ООО «Лютик %d»", i), INN: fmt.Sprintf("50000000%02d", i), CreatedAt: now, UpdatedAt: now}
		if err := h.ta.app.store.CreateOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
		pending = append(pending, o.ID)
		m := storage.Membership{UserID: fmt.Sprintf("user-%d", i), OrgID: "vasilek", Status: storage.MemberRequested, CreatedAt: now}
		if i == 3 {
			m.Status = storage.MemberActive
		} else {
			members = append(members, m.UserID)
		}
		if err := h.ta.app.store.CreateMembership(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(pending)
	slices.Sort(members)
	if got := h.pageThrough(ops, "/organisations?status=pending", 2, "id"); !slices.Equal(got, pending) {
		t.Fatalf("pending organisations by pages: %v, want %v", got, pending)
	}
	if got := h.pageThrough(ops, "/organisations?q=лютик", 3, "id"); !slices.Equal(got, pending) {
		t.Fatalf("found by name by pages: %v, want %v", got, pending)
	}
	if got := h.pageThrough(ops, "/organisations/vasilek/members?status=requested", 2, "user_id"); !slices.Equal(got, members) {
		t.Fatalf("requests by pages: %v, want %v", got, members)
	}
	// An org admin pages through their own organisations only.
	admin := h.userToken("admin")
	if got := h.pageThrough(admin, "/organisations?status=active", 1, "id"); !slices.Equal(got, []string{"romashka"}) {
		t.Fatalf("an org admin's organisations: %v", got)
	}
}
