package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/rptest"
	"github.com/vhod-id/vhod/storage"
)

// TestApprovalIsTheSameOnThePageAndInTheAPI: a moderator approves one company
// on the moderation page, a moderator client another through
// POST /api/v1/organisations/{id}/approve. Both go through orgs.Service, so
// the registrant gets the same mail and the same audit event is written.
func TestApprovalIsTheSameOnThePageAndInTheAPI(t *testing.T) {
	h := newAPIHarness(t, func(c *Config) {
		c.dev, c.Email.Provider = true, "outbox"
		c.Bootstrap.Moderators = []string{"moderator"}
		c.Bootstrap.Users = append(c.Bootstrap.Users, BootstrapUser{Login: "moderator", Password: "Moderator-pass-1"})
	})
	ctx := t.Context()
	ivanov, err := h.ta.app.dir.UserByLogin(ctx, "ivanov")
	if err != nil {
		t.Fatal(err)
	}
	register := func(name, kpp string) storage.Organisation {
		org, err := h.ta.app.orgs.Register(ctx, storage.Organisation{Kind: storage.OrgLegalEntity, Name: name,
			INN: "7728824599", KPP: kpp, OGRN: "1177746151021"}, directory.Actor{ID: ivanov.ID})
		if err != nil {
			t.Fatal(err)
		}
		return org
	}

	// On the page.
	onPage := register("Ромашка-Север", "784201001")
	b := rptest.NewBrowser("")
	p, err := b.Get(h.ta.URL + "/account")
	if err == nil {
		p, err = b.Submit(p, "/password", url.Values{"login": {"moderator"}, "password": {"Moderator-pass-1"}})
	}
	if err == nil {
		p, err = b.Get(h.ta.URL + "/moderation")
	}
	if err == nil {
		p, err = b.Submit(p, "/moderation/orgs/"+onPage.ID+"/approve", nil)
	}
	if err != nil || !strings.Contains(p.URL.String(), "notice=approved") {
		t.Fatalf("approval on the page: %v %.300s", err, p.Body)
	}
	pageMail := waitForMail(t, h.ta, 1)

	// Through the API.
	inAPI := register("Ромашка-Юг", "784301001")
	h.want(h.call(h.clientToken("mods", "mods-secret-123"), "POST", "/organisations/"+inAPI.ID+"/approve", nil), 200, "approve")
	apiMail := waitForMail(t, h.ta, 2)

	if pageMail.To != "ivanov@example.com" || apiMail.To != pageMail.To ||
		apiMail.Subject != strings.Replace(pageMail.Subject, onPage.Name, inAPI.Name, 1) ||
		apiMail.Text != strings.Replace(pageMail.Text, onPage.Name, inAPI.Name, 1) {
		t.Fatalf("the API's mail differs from the page's:\npage %+v\napi  %+v", pageMail, apiMail)
	}
	event := func(orgID string) storage.AuditEvent {
		t.Helper()
		list, err := h.ta.app.store.QueryAudit(ctx, storage.AuditQuery{OrgID: orgID, Type: directory.EventOrgApproved})
		if err != nil || len(list) != 1 {
			t.Fatalf("approval events of %s: %v %+v", orgID, err, list)
		}
		return list[0]
	}
	pe, ae := event(onPage.ID), event(inAPI.ID)
	for _, e := range []storage.AuditEvent{pe, ae} {
		if e.Outcome != directory.OutcomeSuccess || e.UserID != ivanov.ID || e.Actor == "" || e.IP == "" {
			t.Fatalf("approval event %+v", e)
		}
	}
	if ae.Actor != "client:mods" || ae.Details["api"] == "" {
		t.Fatalf("the API's event does not name its caller: %+v", ae)
	}
}

// waitForMail waits (at most 5 s) for the outbox sender to hand the nth
// message to the dev gateway and returns it.
func waitForMail(t *testing.T, ta *testApp, n int) notify.MemoryMessage {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if msgs := ta.app.memory.Messages(); len(msgs) >= n {
			return msgs[n-1]
		}
	}
	t.Fatalf("message %d did not reach the dev gateway", n)
	return notify.MemoryMessage{}
}

// TestJoinDecisionIsTheSameOnThePageAndInTheAPI (issue 17 item 2): a join
// request approved in the moderation queue and one approved through
// POST /api/v1/organisations/{id}/members/{user}/approve both mail the person
// and write the same audit event: orgs.Service does both, whoever calls.
// Before, the API approved without a word to the person.
func TestJoinDecisionIsTheSameOnThePageAndInTheAPI(t *testing.T) {
	h := newAPIHarness(t, func(c *Config) {
		c.dev, c.Email.Provider = true, "outbox"
		c.Bootstrap.Moderators = []string{"moderator"}
		c.Bootstrap.Users = append(c.Bootstrap.Users, BootstrapUser{Login: "moderator", Password: "Moderator-pass-1"},
			BootstrapUser{Login: "petrov", Email: "petrov@example.com"}, BootstrapUser{Login: "sidorov", Email: "sidorov@example.com"})
	})
	ctx := t.Context()
	org, bad, err := h.ta.app.orgs.Create(ctx, storage.Organisation{Name: "Ромашка", INN: "7728824599", KPP: "784501001",
		OGRN: "1177746151021"}, directory.Actor{ID: "test"})
	if err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	ask := func(login string) storage.User {
		t.Helper()
		u, err := h.ta.app.dir.UserByLogin(ctx, login)
		if err == nil {
			_, err = h.ta.app.orgs.RequestJoin(ctx, u.ID, org.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	// In the moderation queue.
	petrov := ask("petrov")
	b := rptest.NewBrowser("")
	p, err := b.Get(h.ta.URL + "/account")
	if err == nil {
		p, err = b.Submit(p, "/password", url.Values{"login": {"moderator"}, "password": {"Moderator-pass-1"}})
	}
	if err == nil {
		p, err = b.Get(h.ta.URL + "/moderation")
	}
	if err == nil {
		p, err = b.Submit(p, "/moderation/requests/"+org.ID+"/"+petrov.ID+"/approve", nil)
	}
	if err != nil || !strings.Contains(p.URL.String(), "notice=approved") {
		t.Fatalf("approval on the page: %v %.300s", err, p.Body)
	}
	pageMail := waitForMail(t, h.ta, 1)

	// Through the API.
	sidorov := ask("sidorov")
	h.want(h.call(h.clientToken("mods", "mods-secret-123"), "POST", "/organisations/"+org.ID+"/members/"+sidorov.ID+"/approve", nil), 200, "approve")
	apiMail := waitForMail(t, h.ta, 2)

	if pageMail.To != "petrov@example.com" || apiMail.To != "sidorov@example.com" || apiMail.Subject != pageMail.Subject || apiMail.Text != pageMail.Text {
		t.Fatalf("the API's mail differs from the page's:\npage %+v\napi  %+v", pageMail, apiMail)
	}
	event := func(userID string) storage.AuditEvent {
		t.Helper()
		list, err := h.ta.app.store.QueryAudit(ctx, storage.AuditQuery{UserID: userID, Type: directory.EventJoinApproved})
		if err != nil || len(list) != 1 {
			t.Fatalf("join approvals of %s: %v %+v", userID, err, list)
		}
		return list[0]
	}
	pe, ae := event(petrov.ID), event(sidorov.ID)
	for _, e := range []storage.AuditEvent{pe, ae} {
		if e.Outcome != directory.OutcomeSuccess || e.OrgID != org.ID || e.Actor == "" || e.IP == "" ||
			e.Details["as"] != orgs.ApproverModerator || e.Details["active"] != "yes" {
			t.Fatalf("join approval event %+v", e)
		}
	}
	if ae.Actor != "client:mods" || ae.Details["api"] == "" {
		t.Fatalf("the API's event does not name its caller: %+v", ae)
	}
}
