package admin

import (
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/storage"
)

func (a *API) mountAudit(r *mux.Router) {
	r.HandleFunc("/audit", a.queryAudit).Methods(http.MethodGet)
}

// queryAudit pages through audit events, newest first, by person,
// organisation, client, type and time range. An organisation's admin reads
// only events of their organisation.
func (a *API) queryAudit(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	v := r.URL.Query()
	q := storage.AuditQuery{UserID: v.Get("user"), OrgID: v.Get("org"), ClientID: v.Get("client"), Type: v.Get("type")}
	if !p.operator && !(q.OrgID != "" && p.adminOf[q.OrgID]) {
		writeProblem(w, http.StatusForbidden, "forbidden", "operators read the audit log; an organisation's admin reads it with org= of their organisation")
		return
	}
	limit, ok := limitOf(r)
	if !ok {
		writeProblem(w, http.StatusBadRequest, "invalid-query", "limit is 1 to 200")
		return
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := v.Get(f.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				writeProblemFields(w, http.StatusBadRequest, "invalid-query", "times are RFC 3339", map[string]string{f.name: "e.g. 2026-11-21T09:00:00Z"})
				return
			}
			*f.dst = t
		}
	}
	if c := v.Get("cursor"); c != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c)
		at, id, ok := strings.Cut(string(raw), "|")
		t, terr := time.Parse(time.RFC3339Nano, at)
		if err != nil || !ok || terr != nil {
			writeProblem(w, http.StatusBadRequest, "invalid-query", "the cursor is not one this API gave")
			return
		}
		q.Before, q.BeforeID = t, id
	}
	q.Limit = limit + 1
	events, err := a.cfg.Store.QueryAudit(r.Context(), q)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	out := page[storage.AuditEvent]{Items: []storage.AuditEvent{}}
	for i, e := range events {
		if i == limit {
			last := events[limit-1]
			out.Next = base64.RawURLEncoding.EncodeToString([]byte(last.Time.UTC().Format(time.RFC3339Nano) + "|" + last.ID))
			break
		}
		e.Time = e.Time.UTC()
		out.Items = append(out.Items, e)
	}
	writeJSON(w, http.StatusOK, out)
}
