package console

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// TestAuditEventsInWords: every audit event type has its name in words in
// Russian and English, so that the log never shows a raw type.
func TestAuditEventsInWords(t *testing.T) {
	cat, err := web.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []language.Tag{language.Russian, language.English} {
		tr := cat.Translator(lang)
		for _, typ := range directory.EventTypes {
			if key := "audit.event." + typ; tr.T(key) == key {
				t.Errorf("%s: no %s", lang, key)
			}
		}
	}
}

// TestAuditTable: the audit log is a table of time, who (by name), action
// in words, object (by name) and outcome; it filters by type and by a
// person's login, and pages by cursor.
func TestAuditTable(t *testing.T) {
	ts := newTestServer(t)
	ts.user("op", storage.AuthorityOperator)
	ts.signIn("op")
	ivanov := storage.User{ID: "u-ivanov", Login: "ivanov", FamilyName: "Иванов", GivenName: "Иван"}
	if err := ts.st.CreateUser(t.Context(), ivanov); err != nil {
		t.Fatal(err)
	}
	if err := ts.st.CreateOrganisation(t.Context(), storage.Organisation{ID: "o1", Kind: storage.OrgLegalEntity, Name: "ООО «Ромашка»",
		INN: "7728824599", Status: storage.OrgActive}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 4, 22, 30, 0, 0, time.UTC)
	add := func(e storage.AuditEvent) {
		if err := ts.st.AppendAudit(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	add(storage.AuditEvent{ID: "e-signin", Time: at, Type: directory.EventSignIn, Outcome: directory.OutcomeFailure, UserID: ivanov.ID})
	add(storage.AuditEvent{ID: "e-org", Time: at.Add(time.Minute), Type: directory.EventOrgSuspended, Outcome: directory.OutcomeSuccess,
		Actor: "op", OrgID: "o1", UserID: ivanov.ID})
	for i := range auditPageSize + 5 {
		add(storage.AuditEvent{ID: fmt.Sprintf("k%03d", i), Time: at.Add(time.Hour + time.Duration(i)*time.Second),
			Type: directory.EventKeyRotated, Outcome: directory.OutcomeSuccess, Actor: "op"})
	}

	req, _ := http.NewRequest(http.MethodGet, ts.srv.URL+"/console/audit?user=ivanov", nil)
	req.Header.Set("Accept-Language", "ru")
	code, body := ts.do(req)
	want(t, "ru by login", code, body, http.StatusOK, "<table class=\"list audit\">", "05.12.2026 01:30",
		`<td data-label="Кто">Иванов Иван</td>`, `<td data-label="Действие">Вход</td>`, `<td data-label="Результат">неудачно</td>`,
		"Организация приостановлена", "Организация: ООО\u00a0«Ромашка»", "Учётная запись: Иванов Иван", `<td data-label="Кто">op</td>`)
	for _, raw := range []string{">signin<", ">org.suspend<", "o1<", `<td data-label="Действие">Заменён ключ подписи</td>`} {
		if strings.Contains(body, raw) {
			t.Errorf("ru: %q on the page filtered by ivanov", raw)
		}
	}

	code, body = ts.get("/console/audit?type=key.rotated")
	want(t, "first page", code, body, http.StatusOK, "Signing key rotated", "Next page")
	if n := strings.Count(body, "<tr>") - 1; n != auditPageSize { // less the header row
		t.Fatalf("%d rows on the first page", n)
	}
	next := body[strings.Index(body, "/console/audit?before="):]
	next = next[:strings.Index(next, `"`)]
	code, body = ts.get(next)
	want(t, "second page", code, body, http.StatusOK, "Newest events")
	if n := strings.Count(body, "<tr>") - 1; n != 5 || strings.Contains(body, "Next page") {
		t.Fatalf("%d rows on the second page: %s", n, body)
	}
	if !strings.Contains(body, "Signing key rotated") || strings.Contains(body, `<td data-label="Action">Organisation suspended</td>`) {
		t.Error("the type filter was lost on the next page")
	}

	code, body = ts.get("/console/audit?user=nobody")
	want(t, "unknown person", code, body, http.StatusOK, "No account is found")
	code, body = ts.get("/console/audit?before=garbage")
	want(t, "bad cursor", code, body, http.StatusBadRequest)
}
