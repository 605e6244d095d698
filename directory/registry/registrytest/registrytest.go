// Package registrytest is a stand-in for a DaData-style registry API, for tests.
package registrytest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory/registry"
)

// StandIn answers like DaData's suggestions API (findById/party, findById/bank,
// suggest/address) from an offline registry; delay and status let tests make it
// slow or failing. Requests need "Authorization: Token test-token".
func StandIn(t testing.TB, data *registry.Offline, delay time.Duration, status int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Token test-token" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if status != http.StatusOK {
			http.Error(w, "down", status)
			return
		}
		var q struct{ Query string }
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &q)
		var out []map[string]any
		switch r.URL.Path {
		case "/findById/party":
			for _, c := range data.Companies {
				if c.INN != q.Query && c.OGRN != q.Query {
					continue
				}
				typ, branch, okveds := "LEGAL", "MAIN", []map[string]any{{"code": c.OKVED, "main": true}}
				if c.Entrepreneur {
					typ = "INDIVIDUAL"
				}
				if c.Branch {
					branch = "BRANCH"
				}
				for _, o := range c.OKVEDOther {
					okveds = append(okveds, map[string]any{"code": o, "main": false})
				}
				out = append(out, map[string]any{"value": c.Name, "data": map[string]any{
					"inn": c.INN, "kpp": c.KPP, "ogrn": c.OGRN, "okpo": c.OKPO, "type": typ, "branch_type": branch,
					"name": map[string]any{"full_with_opf": c.FullName, "short_with_opf": c.Name},
					"opf":  map[string]any{"full": c.LegalForm}, "state": map[string]any{"status": "ACTIVE"},
					"management": map[string]any{"name": c.DirectorName, "post": c.DirectorTitle},
					"okved":      c.OKVED, "okveds": okveds,
					"address": map[string]any{"value": c.Address.Line, "data": map[string]any{"postal_code": c.Address.Postcode,
						"region_with_type": c.Address.Region, "city_with_type": c.Address.City}},
				}})
			}
		case "/findById/bank":
			for _, b := range data.Banks {
				if b.BIK == q.Query {
					out = append(out, map[string]any{"value": b.Name, "data": map[string]any{"bic": b.BIK,
						"name": map[string]any{"payment": b.Name}, "correspondent_account": b.CorrAccount, "payment_city": b.City}})
				}
			}
		case "/suggest/address":
			for _, p := range data.Places {
				if p.Postcode == q.Query {
					out = append(out, map[string]any{"value": p.City, "data": map[string]any{"postal_code": p.Postcode,
						"region_with_type": p.Region, "city_with_type": p.City}})
				}
			}
		default:
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"suggestions": out})
	}))
	t.Cleanup(srv.Close)
	return srv
}
