package account

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// withCatalogue adds a catalogue of "viewer" (a default role) and "buyer".
func withCatalogue(t *testing.T, ts *testServer) {
	t.Helper()
	if err := ts.store.PutRoleCatalogue(t.Context(), storage.RoleCatalogue{ID: "svet", Clients: []string{"portal"}, Roles: []storage.Role{
		{Key: "viewer", Name: map[string]string{"ru": "Просмотр", "en": "Viewer"}, Default: true},
		{Key: "buyer", Name: map[string]string{"ru": "Закупщик", "en": "Buyer"}}}}); err != nil {
		t.Fatal(err)
	}
}

// checked tells whether the page has the checkbox of role ticked in the form
// posting to action.
func checked(body, action, role string) bool {
	i := strings.Index(body, `action="`+action+`"`)
	if i < 0 {
		return false
	}
	form := body[i:]
	form = form[:strings.Index(form, "</form>")]
	j := strings.Index(form, `value="`+role+`"`)
	return j >= 0 && strings.HasPrefix(form[j+len(`value="`+role+`"`):], " checked")
}

// TestApproveWithRolesAndGiveBack: the org admin approves a request with the
// roles ticked beside the button (the default ones ticked in advance); unticking
// every role later leaves the member on the page as "Removed", and ticking
// roles there gives them back — audited, and seen by the person.
func TestApproveWithRolesAndGiveBack(t *testing.T) {
	ts := newTestServer(t, nil)
	withCatalogue(t, ts)
	org, petrov := orgWithRequest(t, ts)
	base := "/account/companies/" + org.ID
	p := ts.get(base + "/members")
	approve := base + "/requests/" + petrov.ID + "/approve"
	if !checked(p.body, approve, "viewer") || checked(p.body, approve, "buyer") || checked(p.body, approve, storage.RoleOrgAdmin) {
		t.Fatalf("the default role is not the one ticked in advance: %.3000s", p.body)
	}
	p.has(t, "Roles of petrov once approved", "Viewer", "Buyer")
	if p := ts.post(approve, url.Values{"role": {"viewer", "nonsense"}}); p.code != http.StatusBadRequest {
		t.Fatalf("a role of no catalogue: %d", p.code)
	}
	if p := ts.post(approve, url.Values{"role": {"viewer", "buyer"}}); p.code != http.StatusSeeOther {
		t.Fatalf("approve: %d %.500s", p.code, p.body)
	}
	m, _ := ts.store.MembershipByID(t.Context(), petrov.ID, org.ID)
	if m.Status != storage.MemberActive || !slices.Equal(m.Roles, []string{"viewer", "buyer"}) {
		t.Fatalf("approved as %+v", m)
	}
	// Every role removed, confirmed: the member stays listed as removed.
	roles := base + "/members/" + petrov.ID + "/roles"
	confirmed := ts.asks(roles, nil, "Remove the member?", "They stay on the members page as removed")
	if p := ts.post(roles, confirmed); p.location != base+"/members?notice=removed" {
		t.Fatalf("remove: %d %s", p.code, p.location)
	}
	p = ts.get(base + "/members?notice=removed")
	p.has(t, "Removed members", "petrov · <span class=\"status\">Removed</span>", "Give the ticked roles back to petrov")
	ts.signIn(petrov.ID, 0)
	ts.get("/account/companies").has(t, "ООО\u00a0«Ромашка»", "Removed")
	ts.signIn(ts.user.ID, 0)
	// Given back without a role: said so; with roles: active again.
	if p := ts.post(roles, url.Values{"restore": {"1"}}); p.code != http.StatusBadRequest {
		t.Fatalf("given back without roles: %d", p.code)
	} else {
		p.has(t, "Tick at least one role to give the member back.")
	}
	if p := ts.post(roles, url.Values{"restore": {"1"}, "role": {"buyer"}}); p.location != base+"/members?notice=restored" {
		t.Fatalf("give back: %d %s %.500s", p.code, p.location, p.body)
	}
	m, _ = ts.store.MembershipByID(t.Context(), petrov.ID, org.ID)
	if m.Status != storage.MemberActive || !slices.Equal(m.Roles, []string{"buyer"}) || m.Ended != "" {
		t.Fatalf("given back as %+v", m)
	}
	events, _ := ts.store.QueryAudit(t.Context(), storage.AuditQuery{OrgID: org.ID, Type: directory.EventMembershipChanged, Limit: 10})
	var changes []string
	for _, e := range events {
		if e.Actor == ts.user.ID && e.UserID == petrov.ID {
			changes = append(changes, e.Details["change"])
		}
	}
	if !slices.Contains(changes, "removed") || !slices.Contains(changes, "restored") {
		t.Fatalf("audited changes %v", changes)
	}
	if strings.Contains(ts.get(base+"/members").body, "Removed members") {
		t.Fatal("a member given back is still listed as removed")
	}
}

// TestInvitationsListedAndWithdrawn: the members page lists the invitations
// sent with their state; one that waits is withdrawn after a confirmation
// page (audited), is listed as withdrawn, and no longer reaches the person.
func TestInvitationsListedAndWithdrawn(t *testing.T) {
	ts := newTestServer(t, nil)
	withCatalogue(t, ts)
	org := ts.activeOrg("7728824599")
	base := "/account/companies/" + org.ID
	for _, to := range []string{"petrov@example.com", "sidorov@example.com"} {
		if p := ts.post(base+"/invitations", url.Values{"address": {to}, "role": {"buyer"}}); p.code != http.StatusSeeOther {
			t.Fatalf("invite %s: %d", to, p.code)
		}
	}
	sidorov, _ := ts.dir.CreateUser(t.Context(), directory.NewUser{Login: "sidorov", Email: "sidorov@example.com", Password: testPassword, EmailVerified: true})
	ts.signIn(sidorov.ID, 0)
	if p := ts.post(base+"/accept", nil); p.location != "/account/companies?notice=accepted" {
		t.Fatalf("accept: %d %s", p.code, p.location)
	}
	ts.signIn(ts.user.ID, 0)
	p := ts.get(base + "/members")
	p.has(t, "Invitations sent", "petrov@example.com", "Sent, no answer yet", "sidorov@example.com", "Accepted", "Buyer",
		"Withdraw the invitation to petrov@example.com")
	if strings.Contains(p.body, "Withdraw the invitation to sidorov@example.com") {
		t.Fatal("an accepted invitation offers to be withdrawn")
	}
	withdraw := base + "/invitations/withdraw"
	if p := ts.post(withdraw, url.Values{"identifier": {"email:sidorov@example.com"}}); p.code != http.StatusNotFound {
		t.Fatalf("withdrawing an accepted one: %d", p.code)
	}
	confirmed := ts.asks(withdraw, url.Values{"identifier": {"email:petrov@example.com"}}, "Withdraw the invitation?",
		"The invitation of petrov@example.com to ООО\u00a0«Ромашка» will be withdrawn", `href="`+base+`/members"`)
	if ts.audited(directory.EventInvitationWithdrawn, directory.OutcomeSuccess) {
		t.Fatal("withdrawn before the confirmation")
	}
	if p := ts.post(withdraw, confirmed); p.location != base+"/members?notice=withdrawn" {
		t.Fatalf("withdraw: %d %s", p.code, p.location)
	}
	if !ts.audited(directory.EventInvitationWithdrawn, directory.OutcomeSuccess) {
		t.Fatal("not audited")
	}
	ts.get(base+"/members?notice=withdrawn").has(t, "The invitation is withdrawn.", "Withdrawn")
	petrov, _ := ts.dir.CreateUser(t.Context(), directory.NewUser{Login: "petrov", Email: "petrov@example.com", Password: testPassword, EmailVerified: true})
	ts.signIn(petrov.ID, 0)
	if strings.Contains(ts.get("/account/companies").body, base+"/accept") {
		t.Fatal("a withdrawn invitation is offered")
	}
	if p := ts.post(base+"/accept", nil); p.code != http.StatusNotFound {
		t.Fatalf("a withdrawn invitation accepted: %d", p.code)
	}
	// Only the org admin withdraws.
	if p := ts.post(withdraw, url.Values{"identifier": {"email:petrov@example.com"}}); p.code != http.StatusForbidden {
		t.Fatalf("withdrawn by someone else: %d", p.code)
	}
}

// TestRejectedRegistrationResubmitted: a rejected company stays on its
// registrant's list with the moderator's reason and "Correct and resubmit",
// which opens the wizard with everything filled in; sending it files the same
// company for moderation again, marked as resubmitted.
func TestRejectedRegistrationResubmitted(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.Registry = fakeRegistry{} })
	org, err := ts.orgs.Register(t.Context(), storage.Organisation{Kind: storage.OrgLegalEntity, INN: "7728824599", KPP: "772801001",
		OGRN: "1177746151021", Name: "ООО «Ромашка»", FullName: "Общество «Ромашка»", Director: storage.Director{Name: "Петров Иван Сергеевич"},
		Addresses: storage.Addresses{Legal: storage.Address{Postcode: "125009", City: "г Москва", Line: "ул. Тверская, д. 7"}},
		Contact:   storage.Contact{Name: "Петров Иван"}, Email: "office@romashka.example", EmailVerified: true}, directory.Actor{ID: ts.user.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.orgs.RejectOrganisation(t.Context(), org.ID, directory.Actor{ID: "moderator"}, "Полное наименование не как в уставе"); err != nil {
		t.Fatal(err)
	}
	list := ts.get("/account/companies")
	list.has(t, "ООО\u00a0«Ромашка»", "Rejected", "Reason: Полное наименование не как в уставе", "Correct and resubmit",
		`action="/account/companies/`+org.ID+`/resubmit"`)
	// Someone else cannot reopen it.
	other, _ := ts.dir.CreateUser(t.Context(), directory.NewUser{Login: "petrov", Password: testPassword})
	ts.signIn(other.ID, 0)
	if p := ts.post("/account/companies/"+org.ID+"/resubmit", nil); p.code != http.StatusNotFound {
		t.Fatalf("someone else's: %d", p.code)
	}
	ts.signIn(ts.user.ID, 0)
	p := ts.post("/account/companies/"+org.ID+"/resubmit", nil)
	if p.code != http.StatusSeeOther || !strings.HasSuffix(p.location, "?step=general") {
		t.Fatalf("resubmit: %d %s", p.code, p.location)
	}
	flowPath := strings.SplitN(p.location, "?", 2)[0]
	ts.get(p.location).has(t, `value="Общество «Ромашка»"`, `value="Петров Иван Сергеевич"`, `value="1177746151021"`)
	step := func(name string, form url.Values, want int) page {
		t.Helper()
		p := ts.post(flowPath+"/"+name, form)
		if p.code != want {
			t.Fatalf("step %s: %d, want %d: %.1500s", name, p.code, want, p.body)
		}
		return p
	}
	ts.get(flowPath+"?step=address").has(t, `name="legal_street" type="text" value="ул. Тверская"`, `name="legal_house" type="text" value="д. 7"`)
	ts.get(flowPath+"?step=contact").has(t, `value="office@romashka.example"`)
	// The INN stays: another one is another registration.
	step("inn", url.Values{"inn": {"500100732259"}}, http.StatusConflict).has(t, "The INN and KPP of a corrected registration do not change.")
	step("general", url.Values{"legal_form": {"ООО"}, "full_name": {"Общество с ограниченной ответственностью «Ромашка»"},
		"name": {"ООО «Ромашка»"}, "director_name": {"Петров Иван Сергеевич"}, "ogrn": {"1177746151021"}}, http.StatusSeeOther)
	step("contact", url.Values{"contact_name": {"Петров Иван"}, "email": {"office@romashka.example"}}, http.StatusSeeOther)
	step("review", nil, http.StatusOK)
	m, ok := ts.sent.lastEmail("office@romashka.example")
	if !ok || codeIn(m.Text) == "" {
		t.Fatalf("no code to the company: %+v", ts.sent.emails)
	}
	if p := step("code", url.Values{"code": {codeIn(m.Text)}}, http.StatusSeeOther); p.location != "/account/companies?notice=resubmitted" {
		t.Fatalf("resubmitted: %s", p.location)
	}
	got, _ := ts.store.OrganisationByID(t.Context(), org.ID)
	if got.Status != storage.OrgPending || got.FullName != "Общество с ограниченной ответственностью «Ромашка»" || got.Resubmitted != 1 ||
		got.LastRejection != "Полное наименование не как в уставе" {
		t.Fatalf("resubmitted as %+v", got)
	}
	if n, _, _ := ts.store.ListOrganisations(t.Context(), storage.OrgQuery{RegisteredBy: ts.user.ID}); len(n) != 1 {
		t.Fatalf("a second organisation was registered: %+v", n)
	}
	if !ts.audited(directory.EventOrgResubmitted, directory.OutcomeSuccess) {
		t.Fatal("not audited")
	}
	list = ts.get("/account/companies?notice=resubmitted")
	list.has(t, "sent to the moderator again", "Under review")
	if strings.Contains(list.body, "Correct and resubmit") {
		t.Fatal("a pending registration offers to be resubmitted")
	}
}
