package admin

import (
	"encoding/base64"
	"net/http"
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
	q, limit, detail, bad := auditQuery(r.URL.Query())
	if !p.operator && !(q.OrgID != "" && p.adminOf[q.OrgID]) {
		writeProblem(w, http.StatusForbidden, "forbidden", "operators read the audit log; an organisation's admin reads it with org= of their organisation")
		return
	}
	if bad != nil {
		writeProblemFields(w, http.StatusBadRequest, "invalid-query", detail, bad)
		return
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
