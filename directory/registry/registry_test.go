package registry

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestOffline(t *testing.T) {
	o, err := LoadOffline("testdata/registry.json")
	if err != nil {
		t.Fatal(err)
	}
	testRegistry(t, o)
}

// testRegistry: the same answers from any provider that knows the test data.
func testRegistry(t *testing.T, r Registry) {
	t.Helper()
	ctx := context.Background()
	cs, err := r.CompaniesByINN(ctx, "7728824599")
	if err != nil || len(cs) != 2 {
		t.Fatalf("by INN: %v %+v", err, cs)
	}
	head := cs[0]
	if cs[0].Branch {
		head = cs[1]
	}
	if head.KPP != "772801001" || head.DirectorName != "Петров Иван Сергеевич" || head.Address.Postcode != "125009" || head.OKVED != "62.01" {
		t.Fatalf("head office: %+v", head)
	}
	if c, err := r.CompanyByOGRN(ctx, "319508135058602"); err != nil || !c.Entrepreneur || c.INN != "500371521396" {
		t.Fatalf("by OGRNIP: %v %+v", err, c)
	}
	if b, err := r.BankByBIK(ctx, "044525225"); err != nil || b.CorrAccount != "30101810400000000225" || b.Name == "" {
		t.Fatalf("bank: %v %+v", err, b)
	}
	if p, err := r.PlaceByPostcode(ctx, "191186"); err != nil || p.City != "г Санкт-Петербург" {
		t.Fatalf("place: %v %+v", err, p)
	}
	if _, err := r.CompaniesByINN(ctx, "7707083893"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown INN: %v", err)
	}
	if _, err := r.BankByBIK(ctx, "044525999"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown BIK: %v", err)
	}
}

// standIn answers like DaData from the test data.
func standIn(t *testing.T, data *Offline, delay time.Duration, status int) *httptest.Server {
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

func TestDaData(t *testing.T) {
	data, err := LoadOffline("testdata/registry.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := standIn(t, data, 0, http.StatusOK)
	testRegistry(t, &DaData{BaseURL: srv.URL, Token: "test-token"})
}

// A slow or failing registry is "unavailable", within the time limit: the
// person then fills the form by hand.
func TestDaDataFailures(t *testing.T) {
	data, _ := LoadOffline("testdata/registry.json")
	slow := standIn(t, data, time.Second, http.StatusOK)
	d := &DaData{BaseURL: slow.URL, Token: "test-token", Client: &http.Client{Timeout: 200 * time.Millisecond}}
	if _, err := d.CompaniesByINN(context.Background(), "7728824599"); !errors.Is(err, ErrUnavailable) || !IsExpected(err) {
		t.Fatalf("slow registry: %v", err)
	}
	down := standIn(t, data, 0, http.StatusInternalServerError)
	if _, err := (&DaData{BaseURL: down.URL, Token: "test-token"}).BankByBIK(context.Background(), "044525225"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("failing registry: %v", err)
	}
	ok := standIn(t, data, 0, http.StatusOK)
	if _, err := (&DaData{BaseURL: ok.URL, Token: "wrong"}).PlaceByPostcode(context.Background(), "125009"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("refused token: %v", err)
	}
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	if _, err := (&DaData{BaseURL: gone.URL}).CompanyByOGRN(context.Background(), "1177746151021"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("unreachable registry: %v", err)
	}
}
