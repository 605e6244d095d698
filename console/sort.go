package console

import (
	"html"
	"html/template"
	"net/url"
	"strings"

	"github.com/vhod-id/vhod/storage"
)

// sortParam is the query parameter of a list's order: a key for ascending,
// "-" and the key for descending ("name", "-time").
const sortParam = "sort"

// listSort is the order of one console list and what its headers need to link
// to another: the list's path and filters (kept by every header link, while
// the cursor is dropped: a new order starts at its first page), the keys the
// list sorts by, and the key and direction in force.
type listSort struct {
	Path    string
	Key     string
	Desc    bool
	allowed []string
	search  url.Values
	def     string // the default order, as in the parameter ("" for the ID order)
}

// parseSort reads the order of a list from raw (the sort parameter): one of
// the allowed keys, with "-" for descending. Anything else (an unknown key, a
// damaged link) is the list's default def, never an error.
func parseSort(raw, def string, allowed ...string) (key string, desc bool) {
	for _, v := range []string{raw, def} {
		k, d := strings.CutPrefix(v, "-")
		for _, a := range allowed {
			if k == a {
				return k, d
			}
		}
	}
	return "", false
}

// newListSort reads the order of the list at path from its query v; search
// are the filters its links keep.
func newListSort(path string, v url.Values, search url.Values, def string, allowed ...string) listSort {
	s := listSort{Path: path, allowed: allowed, search: search, def: def}
	s.Key, s.Desc = parseSort(v.Get(sortParam), def, allowed...)
	return s
}

// Param is the order as the sort parameter says it ("" for the default),
// which the next-page links carry so that paging continues in that order.
func (s listSort) Param() string {
	if s.Key == "" {
		return ""
	}
	p := s.Key
	if s.Desc {
		p = "-" + p
	}
	if p == s.def {
		return ""
	}
	return p
}

// Search is the list's filters with the order, for its next-page links.
func (s listSort) Search() url.Values {
	v := url.Values{}
	for k, vs := range s.search {
		if len(vs) > 0 && vs[0] != "" {
			v.Set(k, vs[0])
		}
	}
	if p := s.Param(); p != "" {
		v.Set(sortParam, p)
	}
	return v
}

// Storage is the order as storage reads it.
func (s listSort) Storage(keys map[string]string) storage.Sort {
	return storage.Sort{Key: keys[s.Key], Desc: s.Desc}
}

// Href links to the list sorted by key: the other way when it is sorted by
// key already, else ascending.
func (s listSort) Href(key string) string {
	v := url.Values{}
	for k, vs := range s.search {
		if len(vs) > 0 && vs[0] != "" {
			v.Set(k, vs[0])
		}
	}
	p := key
	if key == s.Key && !s.Desc {
		p = "-" + key
	}
	v.Set(sortParam, p)
	return s.Path + "?" + v.Encode()
}

// Aria is the aria-sort of key's column: "ascending" or "descending" on the
// sorted column, "" on the others (which then have none).
func (s listSort) Aria(key string) string {
	switch {
	case key != s.Key:
		return ""
	case s.Desc:
		return "descending"
	}
	return "ascending"
}

// Head is the header cell of a sortable column: a link to the list in the
// column's order (no script), with aria-sort on the sorted column and an
// arrow that sighted people see (hidden from screen readers, which hear
// aria-sort).
func (s listSort) Head(key, label string) template.HTML {
	var b strings.Builder
	b.WriteString(`<th scope="col"`)
	if a := s.Aria(key); a != "" {
		b.WriteString(` aria-sort="` + a + `"`)
	}
	b.WriteString(`><a class="sort" href="` + html.EscapeString(s.Href(key)) + `">` + html.EscapeString(label))
	switch s.Aria(key) {
	case "ascending":
		b.WriteString(` <span aria-hidden="true">▲</span>`)
	case "descending":
		b.WriteString(` <span aria-hidden="true">▼</span>`)
	}
	b.WriteString(`</a></th>`)
	return template.HTML(b.String()) //nolint:gosec // every part is escaped above
}
