package registry_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory/registry"
	"github.com/vhod-id/vhod/directory/registry/registrytest"
)

func TestOffline(t *testing.T) {
	o, err := registry.LoadOffline("testdata/registry.json")
	if err != nil {
		t.Fatal(err)
	}
	testRegistry(t, o)
}

// testRegistry: the same answers from any provider that knows the test data.
func testRegistry(t *testing.T, r registry.Registry) {
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
	// The register's one line is split into the parts of the address.
	if a := head.Address; a.Street != "ул Тверская" || a.House != "д 7" || a.Office != "пом 1" {
		t.Fatalf("head office address parts: %+v", a)
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
	if _, err := r.CompaniesByINN(ctx, "7707083893"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("unknown INN: %v", err)
	}
	if _, err := r.BankByBIK(ctx, "044525999"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("unknown BIK: %v", err)
	}
}

func TestDaData(t *testing.T) {
	data, err := registry.LoadOffline("testdata/registry.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := registrytest.StandIn(t, data, 0, http.StatusOK)
	testRegistry(t, &registry.DaData{BaseURL: srv.URL, Token: "test-token"})
}

// A slow or failing registry is "unavailable", within the time limit: the
// person then fills the form by hand.
func TestDaDataFailures(t *testing.T) {
	data, _ := registry.LoadOffline("testdata/registry.json")
	slow := registrytest.StandIn(t, data, time.Second, http.StatusOK)
	d := &registry.DaData{BaseURL: slow.URL, Token: "test-token", Client: &http.Client{Timeout: 200 * time.Millisecond}}
	if _, err := d.CompaniesByINN(context.Background(), "7728824599"); !errors.Is(err, registry.ErrUnavailable) || !registry.IsExpected(err) {
		t.Fatalf("slow registry: %v", err)
	}
	down := registrytest.StandIn(t, data, 0, http.StatusInternalServerError)
	if _, err := (&registry.DaData{BaseURL: down.URL, Token: "test-token"}).BankByBIK(context.Background(), "044525225"); !errors.Is(err, registry.ErrUnavailable) {
		t.Fatalf("failing registry: %v", err)
	}
	ok := registrytest.StandIn(t, data, 0, http.StatusOK)
	if _, err := (&registry.DaData{BaseURL: ok.URL, Token: "wrong"}).PlaceByPostcode(context.Background(), "125009"); !errors.Is(err, registry.ErrUnavailable) {
		t.Fatalf("refused token: %v", err)
	}
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	if _, err := (&registry.DaData{BaseURL: gone.URL}).CompanyByOGRN(context.Background(), "1177746151021"); !errors.Is(err, registry.ErrUnavailable) {
		t.Fatalf("unreachable registry: %v", err)
	}
}
