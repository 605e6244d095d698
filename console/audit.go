package console

import (
	"net/http"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// consoleAudit shows the newest audit events matching the filters: person,
// organisation, client, type and a range of days (GET /console/audit).
func (h *Handler) consoleAudit(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	v := r.URL.Query()
	filter := map[string]string{"user": v.Get("user"), "org": v.Get("org"), "client": v.Get("client"), "type": v.Get("type"),
		"from": v.Get("from"), "to": v.Get("to")}
	q := storage.AuditQuery{UserID: filter["user"], OrgID: filter["org"], ClientID: filter["client"], Type: filter["type"], Limit: 200}
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
	page := consolePage{Section: "audit", Filter: filter, Errors: bad}
	if len(bad) > 0 {
		page.Error = "console.invalid"
		h.renderConsole(w, r, http.StatusBadRequest, u, page)
		return
	}
	events, err := h.cfg.Store.QueryAudit(r.Context(), q)
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	page.Events = events
	h.renderConsole(w, r, http.StatusOK, u, page)
}
