package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestConsoleIdentityProviders: in the built binary an operator adds an
// outside identity provider in the console (a wrong one is refused with the
// field named), finds it after a restart with its secret only as "set",
// turns it off, and deletes it after a page asking to.
func TestConsoleIdentityProviders(t *testing.T) {
	srv := consoleServer(t)
	op := accountBrowser(t, srv, "admin", "Admin-pass-123")
	p := mustGet(t, op, srv.Issuer+"/console/identity-providers")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Identity providers") || !strings.Contains(p.Body, "Gosuslugi (ESIA)") {
		t.Fatalf("list: %d %.600s", p.Status, p.Body)
	}
	p = mustGet(t, op, srv.Issuer+"/console/identity-providers/new?type=yandex")
	fields := url.Values{"id": {"yandex"}, "type": {"yandex"}, "display_name_ru": {"Яндекс ID"}, "display_name_en": {"Yandex ID"},
		"client_id": {"app-1"}, "enabled": {"yes"}}
	bad := mustSubmit(t, op, p, "/console/identity-providers/new", fields)
	if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, "client_secret:") {
		t.Fatalf("without a secret: %d %.600s", bad.Status, bad.Body)
	}
	fields.Set("client_secret", "yandex-secret-value")
	created := mustSubmit(t, op, bad, "/console/identity-providers/new", fields)
	if created.Status != http.StatusOK || !strings.Contains(created.Body, "The provider is added.") || !strings.Contains(created.Body, "The client secret is set.") ||
		strings.Contains(created.Body, "yandex-secret-value") {
		t.Fatalf("created: %d %.800s", created.Status, created.Body)
	}

	srv.Restart()
	op = accountBrowser(t, srv, "admin", "Admin-pass-123")
	p = mustGet(t, op, srv.Issuer+"/console/identity-providers/yandex")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "The client secret is set.") || !strings.Contains(p.Body, "On") {
		t.Fatalf("after a restart: %d %.800s", p.Status, p.Body)
	}
	p = mustSubmit(t, op, p, "/console/identity-providers/yandex/disable", nil)
	if !strings.Contains(p.Body, "The provider is off") {
		t.Fatalf("turned off: %d %.600s", p.Status, p.Body)
	}
	p = mustConfirm(t, op, p, "/console/identity-providers/yandex/delete", nil, "Delete the identity provider?")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "The provider is deleted.") || strings.Contains(p.Body, `href="/console/identity-providers/yandex"`) {
		t.Fatalf("deleted: %d %.800s", p.Status, p.Body)
	}
	if a := mustGet(t, op, srv.Issuer+"/console/audit?type=identity_provider.deleted"); a.Status != http.StatusOK ||
		!strings.Contains(a.Body, "provider=yandex") {
		t.Fatalf("audit: %.600s", a.Body)
	}
}
