package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// auditPageSize is how many events a page of the audit log shows; older ones
// are a "next page" away (cursor: the last event's time and ID).
const auditPageSize = 50

// auditRow is an audit event as the log's table shows it: the people,
// organisation and app by their names, the type and outcome in words (the
// template's), the details as recorded.
type auditRow struct {
	storage.AuditEvent
	// ActorName is who acted: the actor, else the person the event is about
	// (who signed in, changed their password…); "" when neither is known.
	ActorName string
	// Objects are what the event was about, each with what it is.
	Objects []auditObject
}

type auditObject struct{ Kind, Name string }

// consoleAudit shows the audit log as a table, newest first, a page at a
// time, filtered by event type, person (login, email or ID), organisation,
// client and a range of days (GET /console/audit).
func (h *Handler) consoleAudit(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	v := r.URL.Query()
	filter := map[string]string{"user": v.Get("user"), "org": v.Get("org"), "client": v.Get("client"), "type": v.Get("type"),
		"from": v.Get("from"), "to": v.Get("to")}
	q := storage.AuditQuery{OrgID: filter["org"], ClientID: filter["client"], Type: filter["type"], Limit: auditPageSize + 1}
	bad := map[string]string{}
	if s := filter["from"]; s != "" {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			q.From = t
		} else {
			bad["from"] = "YYYY-MM-DD"
		}
	}
	if s := filter["to"]; s != "" {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			q.To = t.AddDate(0, 0, 1) // the whole last day
		} else {
			bad["to"] = "YYYY-MM-DD"
		}
	}
	search := url.Values{}
	for k, s := range filter {
		search.Set(k, s)
	}
	// Newest first unless the time header asked for the oldest; the cursor
	// is the last event's time and ID, in the parameter of that direction.
	order := newListSort("/console/audit", v, search, "-time", "time")
	q.Oldest = !order.Desc
	cursorParam := map[bool]string{true: "before", false: "after"}[order.Desc]
	if c := v.Get(cursorParam); c != "" {
		at, id, _ := strings.Cut(c, "_")
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil || id == "" {
			bad[cursorParam] = "?"
		}
		if q.Oldest {
			q.After, q.AfterID = t, id
		} else {
			q.Before, q.BeforeID = t, id
		}
	}
	page := consolePage{Section: "audit", Filter: filter, Errors: bad, EventTypes: directory.EventTypes, Sort: order}
	if len(bad) > 0 {
		page.Error = "console.invalid"
		h.renderConsole(w, r, http.StatusBadRequest, u, page)
		return
	}
	if who := filter["user"]; who != "" {
		id, err := h.personID(r.Context(), who)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			page.Error = "layout.audit.person_unknown"
			h.renderConsole(w, r, http.StatusOK, u, page)
			return
		case err != nil:
			h.consoleFailure(w, r, u, err)
			return
		}
		q.UserID = id
	}
	events, err := h.cfg.Store.QueryAudit(r.Context(), q)
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	if len(events) > auditPageSize {
		events = events[:auditPageSize]
		last := events[len(events)-1]
		page.Next = web.NextPageURL("/console/audit", cursorParam, last.Time.UTC().Format(time.RFC3339Nano)+"_"+last.ID, order.Search())
	}
	page.First = v.Get(cursorParam) != ""
	page.Audit = h.auditRows(r.Context(), events)
	h.renderConsole(w, r, http.StatusOK, u, page)
}

// personID finds the account a filter names: by ID, else by an exact login,
// email or phone (the search's first few answers).
func (h *Handler) personID(ctx context.Context, who string) (string, error) {
	if u, err := h.cfg.Store.UserByID(ctx, who); err == nil {
		return u.ID, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return "", err
	}
	found, _, err := h.cfg.Users.Find(ctx, who, "", 10)
	if err != nil {
		return "", err
	}
	for _, u := range found {
		if strings.EqualFold(u.Login, who) || strings.EqualFold(u.Email, who) || u.Phone == who {
			return u.ID, nil
		}
	}
	return "", storage.ErrNotFound
}

// auditRows names the people, organisations and apps of events, each read
// once a page; a name that cannot be read (deleted since) stays its ID.
func (h *Handler) auditRows(ctx context.Context, events []storage.AuditEvent) []auditRow {
	people, apps := map[string]string{}, map[string]string{}
	person := func(id string) string {
		if id == "" {
			return ""
		}
		if n, ok := people[id]; ok {
			return n
		}
		n := id
		if u, err := h.cfg.Store.UserByID(ctx, id); err == nil {
			n = personName(u)
		}
		people[id] = n
		return n
	}
	app := func(id string) string {
		if n, ok := apps[id]; ok {
			return n
		}
		n := id
		if c, err := h.cfg.Clients.Get(ctx, id); err == nil && c.Name != "" {
			n = c.Name
		}
		apps[id] = n
		return n
	}
	var orgIDs []string
	for _, e := range events {
		if e.OrgID != "" && !slices.Contains(orgIDs, e.OrgID) {
			orgIDs = append(orgIDs, e.OrgID)
		}
	}
	orgNames := map[string]string{}
	if len(orgIDs) > 0 {
		if list, err := h.cfg.Store.OrganisationsByIDs(ctx, orgIDs); err == nil {
			for _, o := range list {
				orgNames[o.ID] = o.Name
			}
		}
	}
	rows := make([]auditRow, 0, len(events))
	for _, e := range events {
		row := auditRow{AuditEvent: e}
		switch {
		case e.Actor != "":
			row.ActorName = person(e.Actor)
			if e.UserID != "" && e.UserID != e.Actor {
				row.Objects = append(row.Objects, auditObject{"layout.audit.account", person(e.UserID)})
			}
		case e.UserID != "":
			row.ActorName = person(e.UserID)
		}
		if e.OrgID != "" {
			row.Objects = append(row.Objects, auditObject{"layout.audit.org", web.NBSP(firstOf(orgNames[e.OrgID], e.OrgID))})
		}
		if e.ClientID != "" {
			row.Objects = append(row.Objects, auditObject{"layout.audit.client", app(e.ClientID)})
		}
		rows = append(rows, row)
	}
	return rows
}
