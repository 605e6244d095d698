package admin

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// checkRequest refuses, with 400 problem details, a request whose path or query
// string is malformed: a bad percent-escape, bytes that are not UTF-8, control
// characters, too many or too long parameters. Such input means nothing to any
// resource here, and passed on it made the store fail (a 500) or could reach a
// log line; checked once here, no handler and no store sees it.
func checkRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bad := directory.BadText(r.URL.Path); bad != "" {
			writeProblemFields(w, http.StatusBadRequest, "invalid-path", "the path is not valid", map[string]string{"path": bad})
			return
		}
		if name, bad := directory.CheckQuery(r.URL.RawQuery); bad != "" {
			writeProblemFields(w, http.StatusBadRequest, "invalid-query", "the query string is not valid", map[string]string{name: bad})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// auditQuery reads the filters, range and cursor of GET /audit; bad names the
// invalid parameters (nil when none is).
func auditQuery(v url.Values) (q storage.AuditQuery, limit int, detail string, bad map[string]string) {
	q = storage.AuditQuery{UserID: v.Get("user"), OrgID: v.Get("org"), ClientID: v.Get("client"), Type: v.Get("type")}
	limit, ok := limitValue(v.Get("limit"))
	if !ok {
		return q, 0, "limit is 1 to 200", map[string]string{"limit": "1 to 200"}
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := v.Get(f.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return q, 0, "times are RFC 3339", map[string]string{f.name: "e.g. 2026-11-21T09:00:00Z"}
			}
			*f.dst = t
		}
	}
	if c := v.Get("cursor"); c != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c)
		at, id, ok := strings.Cut(string(raw), "|")
		t, terr := time.Parse(time.RFC3339Nano, at)
		if err != nil || !ok || terr != nil || directory.BadText(id) != "" {
			return q, 0, "the cursor is not one this API gave", map[string]string{"cursor": "give the next of the last page"}
		}
		q.Before, q.BeforeID = t, id
	}
	return q, limit, "", nil
}
