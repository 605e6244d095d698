package storage

// Lists are read a page at a time, in the database: a query names its filters,
// the ID after which the page starts (the last ID of the previous page) and a
// size, and gets the page with the After of the next one ("" after the last).
// A page is never larger than MaxPage, so no request reads a whole collection,
// however large it grows.
const (
	MaxPage     = 200
	DefaultPage = 50
)

// PageSize is the size a backend reads for a query's Limit: DefaultPage when
// zero or less, MaxPage at most.
func PageSize(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPage
	case limit > MaxPage:
		return MaxPage
	}
	return limit
}

// OrgQuery pages through organisations: those passing every filter that is
// set, after the ID After, at most Limit (see PageSize), in ID order.
type OrgQuery struct {
	Status       string // one status; "" for any
	RegisteredBy string // registered by this user
	// IDs limits the answer to these organisations (an org admin's own); nil
	// for any. An empty, non-nil list matches none.
	IDs []string
	// Text is a part of the name or the full name (in any case), or the whole
	// INN or OGRN.
	Text string
	// Invited keeps the organisations holding an invitation, of any age, for
	// one of these identifier keys (the embedded server has no $elemMatch on
	// fields, so the age is for the caller to check).
	Invited []string
	// Moderated keeps the organisations a moderator decided on, the latest
	// decision first (the moderation history); After does not apply then.
	Moderated bool
	// Sort orders the page (SortName, SortINN, SortCreated); After is then
	// a cursor of that order (OrgCursor). The zero Sort is the ID order.
	Sort  Sort
	After string
	Limit int
}

// MembershipQuery pages through memberships like OrgQuery, by membership ID.
type MembershipQuery struct {
	OrgID  string // one organisation's; "" across organisations
	Status string // one status; "" for any
	// NotApprovedBy leaves out the requests that already have this approval
	// (the moderator's queue skips those waiting for the org admin).
	NotApprovedBy string
	// Ended keeps the removed memberships that ended so (MemberEndedRoles:
	// the members an org admin removed, listed to be given roles again).
	Ended string
	// Sort orders the page (SortCreated); After is then a MembershipCursor.
	Sort  Sort
	After string // a membership ID (MembershipID), or a MembershipCursor
	Limit int
}
