package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/idp"
	"github.com/vhod-id/vhod/storage/mongo"
)

// newTestIdentityProviders are directory/idp's rules over the test store,
// with one provider of the configuration file.
func newTestIdentityProviders(t *testing.T, st *mongo.Store, audit *directory.Auditor) *idp.Service {
	t.Helper()
	svc, err := idp.New(st, idp.Config{Key: []byte(strings.Repeat("k", 32)), Audit: audit,
		Configured: []idp.Settings{{ID: "corp", Type: idp.DefaultType, DisplayName: idp.DisplayName{RU: "Корпоративный вход"},
			ClientID: "vhod", ClientSecret: "file-secret", Issuer: "https://idp.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestConsoleIdentityProviders: an operator adds a provider, sees it in the
// list, its secret only as set, saves it keeping the secret, turns it off,
// and deletes it after a page of its own asking to; the file's provider is
// shown and refuses changes; every change is audited as the console's.
func TestConsoleIdentityProviders(t *testing.T) {
	ts := newTestServer(t)
	ts.user("op", "operator")
	ts.user("plain")
	ts.signIn("plain")
	code, body := ts.get("/console/identity-providers")
	want(t, "not an operator", code, body, http.StatusForbidden)
	ts.signIn("op")

	code, body = ts.get("/console/identity-providers")
	want(t, "list", code, body, http.StatusOK, "Identity providers", "Корпоративный", "Configuration file", "Any OpenID provider", "Gosuslugi (ESIA)")
	code, body = ts.get("/console/identity-providers/new?type=yandex")
	want(t, "new form", code, body, http.StatusOK, "Your app registered with the provider", `<option value="yandex" selected>`)

	form := url.Values{"id": {"yandex"}, "type": {"yandex"}, "display_name_ru": {"Яндекс ID"}, "display_name_en": {"Yandex ID"},
		"client_id": {"app-1"}, "enabled": {"yes"}, "order": {"1"}, "scopes": {"login:info login:email"},
		"acr": {"urn:vhod:acr:password"}}
	code, body = ts.post("/console/identity-providers/new", "/console/identity-providers/new", form)
	want(t, "no secret", code, body, http.StatusBadRequest, "client_secret")
	form.Set("client_secret", "yandex-secret-value")
	form.Set("timeout", "soon")
	code, body = ts.post("/console/identity-providers/new", "/console/identity-providers/new", form)
	want(t, "bad timeout", code, body, http.StatusBadRequest, "timeout")
	form.Del("timeout")
	code, body = ts.post("/console/identity-providers/new", "/console/identity-providers/new", form)
	want(t, "create", code, body, http.StatusSeeOther, "/console/identity-providers/yandex?notice=created")
	code, body = ts.get("/console/identity-providers/yandex?notice=created")
	want(t, "read", code, body, http.StatusOK, "The provider is added.", "The client secret is set.", "Replace the client secret", "login:info login:email",
		`<option value="urn:vhod:acr:password" selected>password</option>`)
	if strings.Contains(body, "yandex-secret-value") {
		t.Fatal("the secret is on the page")
	}
	code, body = ts.get("/console/identity-providers")
	want(t, "listed", code, body, http.StatusOK, "Yandex ID", "Added here", "On")

	form.Del("client_secret")
	form.Set("display_name_ru", "Яндекс")
	form.Set("version", "0")
	code, body = ts.post("/console/identity-providers/yandex", "/console/identity-providers/yandex/save", form)
	want(t, "save", code, body, http.StatusSeeOther, "notice=saved")
	code, body = ts.post("/console/identity-providers/yandex", "/console/identity-providers/yandex/save", form)
	want(t, "save stale", code, body, http.StatusConflict)
	code, body = ts.get("/console/identity-providers/yandex")
	want(t, "saved", code, body, http.StatusOK, "Яндекс", "The client secret is set.")

	code, body = ts.post("/console/identity-providers/yandex", "/console/identity-providers/yandex/disable", nil)
	want(t, "disable", code, body, http.StatusSeeOther, "notice=disabled")
	code, body = ts.get("/console/identity-providers/yandex?notice=disabled")
	want(t, "off", code, body, http.StatusOK, "The provider is off", "Turn on")

	confirmed := ts.asks("/console/identity-providers/yandex", "/console/identity-providers/yandex/delete", nil,
		"Delete the identity provider?", "“Яндекс” will be deleted", `href="/console/identity-providers/yandex"`)
	if _, err := ts.st.IdentityProviderByID(t.Context(), "yandex"); err != nil {
		t.Fatalf("deleted before the confirmation: %v", err)
	}
	code, body = ts.post("/console/identity-providers/yandex", "/console/identity-providers/yandex/delete", confirmed)
	want(t, "delete", code, body, http.StatusSeeOther, "notice=deleted")
	code, body = ts.get("/console/identity-providers/yandex")
	want(t, "gone", code, body, http.StatusNotFound)

	code, body = ts.get("/console/identity-providers/corp")
	want(t, "file provider", code, body, http.StatusOK, "comes from the configuration file", "The client secret is set.")
	if strings.Contains(body, "file-secret") || strings.Contains(body, `action="/console/identity-providers/corp/delete"`) {
		t.Fatal("the file's provider shows its secret or a delete button")
	}
	code, body = ts.post("/console/identity-providers/corp", "/console/identity-providers/corp/delete", nil)
	want(t, "file provider delete", code, body, http.StatusConflict, "can be changed only there")

	for _, typ := range []string{directory.EventIdentityProviderCreated, directory.EventIdentityProviderUpdated,
		directory.EventIdentityProviderEnabled, directory.EventIdentityProviderDeleted} {
		events := ts.events(typ)
		if len(events) != 1 || events[0].Actor != "op" || events[0].Details["via"] != "console" {
			t.Fatalf("%s: %+v", typ, events)
		}
	}
}

// TestConsoleIdentityProvidersInRussian: the list and the form speak Russian
// by default, types and states in words.
func TestConsoleIdentityProvidersInRussian(t *testing.T) {
	ts := newTestServer(t)
	ts.user("op", "operator")
	ts.signIn("op")
	req, _ := http.NewRequest(http.MethodGet, ts.srv.URL+"/console/identity-providers", nil)
	req.Header.Set("Accept-Language", "ru")
	code, body := ts.do(req)
	want(t, "list", code, body, http.StatusOK, "Внешние провайдеры", "Файл конфигурации", "Включён", "Госуслуги (ЕСИА)", "Любой провайдер OpenID")
	req, _ = http.NewRequest(http.MethodGet, ts.srv.URL+"/console/identity-providers/new?type=esia", nil)
	req.Header.Set("Accept-Language", "ru")
	code, body = ts.do(req)
	want(t, "form", code, body, http.StatusOK, "Только для Госуслуг (ЕСИА)", "Закрытый ключ системы (PEM)", "Ваше приложение у провайдера")
	if strings.Contains(body, "console.idp.") {
		t.Fatal("a raw key on the page")
	}
}
