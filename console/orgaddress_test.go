package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// TestConsoleOrganisationAddress: the console's form has street, house and
// office; a company stored with a one-line address shows that line, split into
// the parts' fields, and saving keeps the parts.
func TestConsoleOrganisationAddress(t *testing.T) {
	ts := newTestServer(t)
	ts.user("op", storage.AuthorityOperator)
	ts.signIn("op")
	old := storage.Organisation{ID: "old", Kind: storage.OrgLegalEntity, Status: storage.OrgActive, Name: "ООО «Старое»", INN: "7707083893", KPP: "773601001",
		Addresses: storage.Addresses{Legal: storage.Address{Postcode: "117312", City: "г Москва", Line: "ул. Вавилова, д. 19, офис 4"}}, CreatedAt: time.Now()}
	if err := ts.st.CreateOrganisation(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	code, body := ts.get("/console/organisations/old")
	want(t, "read", code, body, http.StatusOK, "Address as one line (stored before it had parts): ул. Вавилова, д. 19, офис 4",
		`name="legal_street" type="text" value="ул. Вавилова"`, `name="legal_house" type="text" value="д. 19"`, `name="legal_office" type="text" value="офис 4"`)
	o, _ := ts.orgs.Get(t.Context(), "old")
	save := url.Values{"kind": {"legal_entity"}, "name": {"ООО «Старое»"}, "version": {itoa(o.Version)}, "legal_postcode": {"117312"},
		"legal_street": {"ул. Вавилова"}, "legal_house": {"д. 19, корп. 1"}, "legal_office": {strings.Repeat("о", 61)}}
	code, body = ts.post("/console/organisations/old", "/console/organisations/old/save", save)
	want(t, "too long", code, body, http.StatusBadRequest, "Office, room, flat: at most 60 characters.")
	save.Set("legal_office", "офис 4")
	code, body = ts.post("/console/organisations/old", "/console/organisations/old/save", save)
	want(t, "save", code, body, http.StatusSeeOther, "notice=saved")
	o, _ = ts.orgs.Get(t.Context(), "old")
	if a := o.Addresses.Legal; a.Street != "ул. Вавилова" || a.House != "д. 19, корп. 1" || a.Office != "офис 4" || a.Line != "" {
		t.Fatalf("saved address: %+v", a)
	}
	code, body = ts.get("/console/organisations/old")
	want(t, "read again", code, body, http.StatusOK, `value="д. 19, корп. 1"`)
	if strings.Contains(body, "Address as one line") {
		t.Fatal("a saved address still shows as one line")
	}
}
