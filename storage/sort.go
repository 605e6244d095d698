package storage

import (
	"encoding/base64"
	"strings"
	"time"
)

// Sort keys a list may be ordered by besides its ID. Each names a field every
// document of the collection has (a missing field would fall out of the range
// filter that continues a page), so that a sorted page never skips or repeats
// a row.
const (
	SortName    = "name"    // organisations: the short name
	SortINN     = "inn"     // organisations: the INN
	SortCreated = "created" // organisations, memberships, accounts: when made
)

// Sort orders a page by Key (one of the Sort… keys; "" is the ID order), the
// ID breaking ties in the same direction; Desc reverses both. A sorted query
// takes as After the cursor its previous page returned (SortCursor): the last
// row's sort value and ID, so that rows sharing a value are neither skipped
// nor repeated across pages.
type Sort struct {
	Key  string
	Desc bool
}

// SortCursor is the cursor after a row whose sort value is value: the value
// in base64url (no dots) and the ID, joined by a dot.
func SortCursor(value, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(value)) + "." + id
}

// ParseSortCursor reads a SortCursor; ok is false for anything else (a cursor
// of another order, a damaged link), which callers treat as the first page.
func ParseSortCursor(c string) (value, id string, ok bool) {
	enc, id, found := strings.Cut(c, ".")
	if !found || id == "" {
		return "", "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", "", false
	}
	return string(b), id, true
}

// SortTime is how a time is a sort value: RFC 3339 in UTC to the nanosecond.
func SortTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// OrgCursor is the cursor after o in the order s.
func OrgCursor(o Organisation, s Sort) string {
	switch s.Key {
	case SortName:
		return SortCursor(o.Name, o.ID)
	case SortINN:
		return SortCursor(o.INN, o.ID)
	case SortCreated:
		return SortCursor(SortTime(o.CreatedAt), o.ID)
	}
	return o.ID
}

// MembershipCursor is the cursor after m in the order s.
func MembershipCursor(m Membership, s Sort) string {
	if s.Key == SortCreated {
		return SortCursor(SortTime(m.CreatedAt), m.ID)
	}
	return m.ID
}

// UserCursor is the cursor after u in the order s.
func UserCursor(u User, s Sort) string {
	if s.Key == SortCreated {
		return SortCursor(SortTime(u.CreatedAt), u.ID)
	}
	return u.ID
}
