package console

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/storage"
)

// TestParseSort: a known key reads with its direction; anything else falls
// back to the list's default, never to an error.
func TestParseSort(t *testing.T) {
	for _, tc := range []struct {
		name, raw, def string
		key            string
		desc           bool
	}{
		{name: "ascending", raw: "name", key: "name"},
		{name: "descending", raw: "-inn", key: "inn", desc: true},
		{name: "empty is the default", raw: "", def: "-time", key: "time", desc: true},
		{name: "unknown key is the default", raw: "password", def: "name", key: "name"},
		{name: "unknown key without a default is the ID order", raw: "-$where", key: ""},
		{name: "two dashes are not a key", raw: "--name", def: "", key: ""},
		{name: "key of another list", raw: "created", def: "-inn", key: "inn", desc: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, desc := parseSort(tc.raw, tc.def, "name", "inn", "time")
			if key != tc.key || desc != tc.desc {
				t.Fatalf("parseSort(%q, %q) = %q, %v; want %q, %v", tc.raw, tc.def, key, desc, tc.key, tc.desc)
			}
		})
	}
}

// TestListSortLinks: a header links to its own order (the other way when
// sorted by it already), keeps the filters and drops the cursor; only the
// sorted column has aria-sort; the next-page links carry the order.
func TestListSortLinks(t *testing.T) {
	v := url.Values{"sort": {"name"}, "cursor": {"x"}, "q": {"ООО"}}
	s := newListSort("/console/organisations", v, url.Values{"q": {"ООО"}, "status": {""}}, "", "name", "inn")
	if s.Key != "name" || s.Desc {
		t.Fatalf("read %+v", s)
	}
	if got := s.Href("name"); got != "/console/organisations?q=%D0%9E%D0%9E%D0%9E&sort=-name" {
		t.Fatalf("name header: %s", got)
	}
	if got := s.Href("inn"); got != "/console/organisations?q=%D0%9E%D0%9E%D0%9E&sort=inn" {
		t.Fatalf("INN header: %s", got)
	}
	if s.Aria("name") != "ascending" || s.Aria("inn") != "" {
		t.Fatalf("aria-sort: %q %q", s.Aria("name"), s.Aria("inn"))
	}
	head := string(s.Head("name", "Name <x>"))
	if !strings.Contains(head, `aria-sort="ascending"`) || !strings.Contains(head, "Name &lt;x&gt;") || !strings.Contains(head, `href="/console/organisations?q=%D0%9E%D0%9E%D0%9E&amp;sort=-name"`) {
		t.Fatalf("head: %s", head)
	}
	if got := s.Search().Encode(); got != "q=%D0%9E%D0%9E%D0%9E&sort=name" {
		t.Fatalf("search of the next page: %s", got)
	}
	// The default order is not spelt out in links.
	d := newListSort("/console/audit", url.Values{}, nil, "-time", "time")
	if !d.Desc || d.Param() != "" || d.Href("time") != "/console/audit?sort=time" || d.Aria("time") != "descending" {
		t.Fatalf("default order: %+v %q %q", d, d.Param(), d.Href("time"))
	}
}

// TestConsoleListsSorted: a sorted list asks storage for that order with the
// cursor of the address, and its next page keeps the order and the filters;
// an unknown key is the default order, not a failure.
func TestConsoleListsSorted(t *testing.T) {
	st := &pagedStore{}
	code, body := pagedGet(t, st, "/console/organisations?status=active&sort=-inn&cursor=abc.o0")
	if code != http.StatusOK || len(st.orgQueries) != 1 ||
		!reflect.DeepEqual(st.orgQueries[0], storage.OrgQuery{Status: storage.OrgActive, After: "abc.o0", Sort: storage.Sort{Key: storage.SortINN, Desc: true}}) {
		t.Fatalf("organisations: %d, asked %+v", code, st.orgQueries)
	}
	for _, want := range []string{`<a href="/console/organisations?cursor=o2&sort=-inn&status=active">Next page</a>`,
		`aria-sort="descending"><a class="sort" href="/console/organisations?sort=inn&status=active">INN`} {
		if !strings.Contains(body, want) {
			t.Fatalf("no %q in %s", want, body[strings.Index(body, "<h1"):])
		}
	}
	code, _ = pagedGet(t, st, "/console/organisations?sort=password")
	if code != http.StatusOK || st.orgQueries[1].Sort != (storage.Sort{}) {
		t.Fatalf("unknown key: %d, asked %+v", code, st.orgQueries[1])
	}
	code, body = pagedGet(t, st, "/console/users?q=user&sort=-created")
	if code != http.StatusOK || st.userQueries[0].Sort != (storage.Sort{Key: storage.SortCreated, Desc: true}) {
		t.Fatalf("users: %d, asked %+v", code, st.userQueries)
	}
	if !strings.Contains(body, `&q=user&sort=-created">Next page</a>`) {
		t.Fatalf("users' next page: %s", body[strings.Index(body, "<h1"):])
	}
}
