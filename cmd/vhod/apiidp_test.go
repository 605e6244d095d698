package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/connector"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// TestAPIIdentityProviders: an operator adds a provider through the API; it
// is offered by the registry login asks at once, its secret never comes back
// and is sealed in the database, a change needs If-Match, switched off it is
// no longer offered, deleted it is gone; every answer matches the OpenAPI
// document and every change is audited.
func TestAPIIdentityProviders(t *testing.T) {
	h := newAPIHarness(t)
	ops := h.clientToken("ops", "ops-secret-123")
	ctx := t.Context()
	reg := h.ta.app.idps.registry

	body := map[string]any{"id": "yandex", "type": "yandex", "display_name": map[string]string{"ru": "Яндекс ID", "en": "Yandex ID"},
		"client_id": "app-1", "client_secret": "yandex-secret-value", "order": 1}
	h.want(h.call(h.clientToken("plain", "plain-secret-123"), "POST", "/identity-providers", body), 403, "not an operator")

	bad := h.want(h.call(ops, "POST", "/identity-providers", map[string]any{"id": "corp", "type": "oidc",
		"display_name": map[string]string{"ru": "Корп"}, "client_id": "x"}), 400, "oidc without issuer")
	if errs, _ := bad.Body["errors"].(map[string]any); errs["issuer"] == nil {
		t.Fatalf("no error on issuer: %s", bad.Raw)
	}
	h.want(h.call(ops, "POST", "/identity-providers", map[string]any{"id": "y2", "type": "yandex",
		"display_name": map[string]string{"ru": "Я"}, "client_id": "x", "client_secret_file": "/etc/passwd"}), 400, "secret from a file")

	created := h.want(h.call(ops, "POST", "/identity-providers", body), 201, "create")
	if strings.Contains(string(created.Raw), "yandex-secret-value") || created.Body["client_secret_set"] != true || created.Body["source"] != "api" {
		t.Fatalf("created: %s", created.Raw)
	}
	h.want(h.call(ops, "POST", "/identity-providers", body), 409, "create twice")

	c, err := reg.Connector(ctx, "yandex")
	if err != nil || c.DisplayName("en") != "Yandex ID" {
		t.Fatalf("registry after create: %v, %v", c, err)
	}
	stored, err := h.ta.app.store.IdentityProviderByID(ctx, "yandex")
	if err != nil || strings.Contains(stored.Config+stored.Secrets["client_secret"], "yandex-secret-value") {
		t.Fatalf("stored %+v, %v", stored, err)
	}

	got := h.want(h.call(ops, "GET", "/identity-providers/yandex", nil), 200, "get")
	list := h.want(h.call(ops, "GET", "/identity-providers", nil), 200, "list")
	if items, _ := list.Body["items"].([]any); len(items) != 1 || strings.Contains(string(list.Raw), "yandex-secret-value") {
		t.Fatalf("list: %s", list.Raw)
	}

	off := map[string]any{"type": "yandex", "display_name": map[string]string{"ru": "Яндекс ID"}, "client_id": "app-1", "enabled": false}
	h.want(h.call(ops, "PUT", "/identity-providers/yandex", off), 428, "update without If-Match")
	h.want(h.call(ops, "PUT", "/identity-providers/yandex", map[string]any{"type": "yandex", "display_name": map[string]string{"ru": ""},
		"client_id": "app-1"}, "If-Match", got.Header.Get("ETag")), 400, "update without a name")
	saved := h.want(h.call(ops, "PUT", "/identity-providers/yandex", off, "If-Match", got.Header.Get("ETag")), 200, "switch off")
	if saved.Body["enabled"] != false || saved.Body["client_secret_set"] != true {
		t.Fatalf("saved: %s", saved.Raw)
	}
	h.want(h.call(ops, "PUT", "/identity-providers/yandex", off, "If-Match", got.Header.Get("ETag")), 412, "stale If-Match")
	if again := h.want(h.call(ops, "GET", "/identity-providers/yandex", nil), 200, "read after update"); again.Header.Get("ETag") != saved.Header.Get("ETag") {
		t.Fatalf("the ETag of the update %s is not the next read's %s", saved.Header.Get("ETag"), again.Header.Get("ETag"))
	}
	if _, err := reg.Connector(ctx, "yandex"); !errors.Is(err, connector.ErrUnknownProvider) {
		t.Fatalf("a provider switched off is offered: %v", err)
	}

	h.want(h.call(ops, "DELETE", "/identity-providers/yandex", nil), 204, "delete")
	h.want(h.call(ops, "GET", "/identity-providers/yandex", nil), 404, "get deleted")
	h.want(h.call(ops, "DELETE", "/identity-providers/yandex", nil), 404, "delete twice")

	for _, typ := range []string{directory.EventIdentityProviderCreated, directory.EventIdentityProviderUpdated, directory.EventIdentityProviderDeleted} {
		events, err := h.ta.app.store.QueryAudit(ctx, storage.AuditQuery{Type: typ})
		if err != nil || len(events) != 1 || events[0].Actor != "client:ops" || events[0].Details["api"] == "" {
			t.Fatalf("%s events: %+v, %v", typ, events, err)
		}
	}
}
