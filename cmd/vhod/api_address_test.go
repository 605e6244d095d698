package main

import (
	"strings"
	"testing"
)

// TestAPIOrganisationAddress: the API writes and reads an address in its
// parts (each answer checked against the OpenAPI document); a one-line
// address written without parts is split where it is safe; too long a part is
// refused by its field.
func TestAPIOrganisationAddress(t *testing.T) {
	h := newAPIHarness(t)
	ops := h.clientToken("ops", "ops-secret-123")
	o := h.want(h.call(ops, "POST", "/organisations", map[string]any{"name": "АО «КИП-Сервис»", "inn": "7728824599", "kpp": "784201001",
		"addresses": map[string]any{
			"Legal":  map[string]any{"Postcode": "191186", "City": "г Санкт-Петербург", "Street": "Невский пр-кт", "House": "д 1, корп 2", "Office": "офис 5"},
			"Postal": map[string]any{"Postcode": "191186", "Line": "Невский пр-кт, д 1, а/я 7"},
		}}), 201, "create with an address")
	id := o.Body["id"].(string)
	got := h.want(h.call(ops, "GET", "/organisations/"+id, nil), 200, "get")
	addrs := got.Body["addresses"].(map[string]any)
	legal, postal := addrs["Legal"].(map[string]any), addrs["Postal"].(map[string]any)
	if legal["Street"] != "Невский пр-кт" || legal["House"] != "д 1, корп 2" || legal["Office"] != "офис 5" {
		t.Fatalf("legal address: %v", legal)
	}
	// "а/я 7" is neither a building nor an office: the line is kept whole as the street.
	if postal["Street"] != "Невский пр-кт, д 1, а/я 7" || postal["House"] != "" || postal["Line"] != "" {
		t.Fatalf("postal address: %v", postal)
	}
	long := make([]rune, 61)
	for i := range long {
		long[i] = 'д'
	}
	bad := h.want(h.call(ops, "PATCH", "/organisations/"+id, map[string]any{"addresses": map[string]any{"Legal": map[string]any{"House": string(long)}}},
		"If-Match", got.Header.Get("ETag")), 400, "too long a house")
	if !strings.Contains(string(bad.Raw), `"legal_house":"invalid.house"`) {
		t.Fatalf("the refusal does not name the field: %s", bad.Raw)
	}
}
