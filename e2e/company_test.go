package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/directory/registry"
	"github.com/vhod-id/vhod/directory/registry/registrytest"
	"github.com/vhod-id/vhod/internal/rptest"
)

// companyServer: the registry answers from the offline file of the registry
// tests, mail goes to a local SMTP relay, moderator is a moderator, and the
// shop knows the roles of the dmdk catalogue.
func companyServer(t *testing.T, tweaks ...func(cfg string) string) (*server, *mailbox) {
	box, port := newMailbox(t)
	reg, err := filepath.Abs("../directory/registry/testdata/registry.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(testConfig, "bootstrap:\n",
		"email: {provider: smtp, smtp: {host: 127.0.0.1, port: "+strconv.Itoa(port)+", from: noreply@example.com, tls: none}}\n"+
			"organisations: {registry: {provider: file, file: "+reg+"}}\nbootstrap:\n", 1)
	cfg = strings.Replace(cfg, "      access_token_format: jwt\n      first_party: true\n",
		"      access_token_format: jwt\n      first_party: true\n      scopes: [org, orgs]\n", 1)
	cfg = strings.Replace(cfg, "  users:\n", `  role_catalogues:
    - id: dmdk
      clients: [shop]
      roles:
        - {key: participant, name: {ru: Участник, en: Participant}}
        - {key: batches, name: {ru: Операции с партиями, en: Batch operations}}
  moderators: [moderator]
  users:
`, 1) + `    - {login: petrov, password: "Petrov-pass-1", email: petrov@example.com}
    - {login: moderator, password: "Moderator-pass-1"}
    - {login: stranger, password: "Stranger-pass-1"}
`
	for _, tweak := range tweaks {
		cfg = tweak(cfg)
	}
	return startServer(t, cfg), box
}

// accountBrowser signs a person in to the account pages.
func accountBrowser(t *testing.T, srv *server, login, password string) *rptest.Browser {
	b := rptest.NewBrowser("")
	b.Lang = "en"
	p, err := b.Get(srv.Issuer + "/account")
	if err != nil {
		t.Fatal(err)
	}
	if p = mustSubmit(t, b, p, "/password", url.Values{"login": {login}, "password": {password}}); !strings.Contains(p.Body, "Your account") {
		t.Fatalf("%s not signed in: %.300s", login, p.Body)
	}
	return b
}

func mustGet(t *testing.T, b *rptest.Browser, u string) *rptest.Page {
	t.Helper()
	p, err := b.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var codeRe6 = regexp.MustCompile(`\b(\d{6})\b`)

// TestCompanyLifecycle: register a company (prefilled from the registry, BIK and
// postcode filled in, email confirmed by a code) → a moderator approves → the
// registrant is org_admin → another person asks to join → the org admin
// approves and grants a role → tokens carry org and roles → unticking every
// role removes the member and the next token has no org. Another person can
// neither see nor change the company's members.
func TestCompanyLifecycle(t *testing.T) {
	srv, box := companyServer(t)
	director := accountBrowser(t, srv, "ivanov", "S3cure-pass!")
	p := mustGet(t, director, srv.Issuer+"/account/companies")
	p = mustGet(t, director, srv.Issuer+"/account/companies/register")
	// A wrong INN is refused with a sentence and kept in the field.
	p = mustSubmit(t, director, p, "/inn", url.Values{"inn": {"7728824598"}, "kpp": {"772801001"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Not a valid INN") || !strings.Contains(p.Body, `value="7728824598"`) {
		t.Fatalf("wrong INN: %d %.500s", p.Status, p.Body)
	}
	p = mustSubmit(t, director, p, "/inn", url.Values{"inn": {"7728824599"}, "kpp": {"772801001"}})
	if !strings.Contains(p.Body, "Filled in from the state register") || !strings.Contains(p.Body, `value="Петров Иван Сергеевич"`) {
		t.Fatalf("not prefilled: %.800s", p.Body)
	}
	p = mustSubmit(t, director, p, "/general", url.Values{"legal_form": {"Общество с ограниченной ответственностью"},
		"full_name": {"Общество с ограниченной ответственностью «Ромашка»"}, "name": {"ООО «Ромашка»"},
		"director_name": {"Петров Иван Сергеевич"}, "director_genitive": {"Петрова Ивана Сергеевича"}, "director_title": {"Генеральный директор"},
		"acting_on": {"Устава"}, "ogrn": {"1177746151021"}, "okved_main": {"62.01"}, "okved_aux": {"62.02, 63.11"}, "okved_other": {"63.12"}})
	p = mustSubmit(t, director, p, "/bank", url.Values{"bik": {"044525225"}, "action": {"lookup"}})
	if !strings.Contains(p.Body, `value="30101810400000000225"`) || !strings.Contains(p.Body, "ПАО Сбербанк") {
		t.Fatalf("BIK did not fill the bank: %.600s", p.Body)
	}
	// A settlement account that does not match the BIK is refused; nothing typed is lost.
	p = mustSubmit(t, director, p, "/bank", url.Values{"bik": {"044525225"}, "bank_name": {"ПАО Сбербанк"},
		"corr_account": {"30101810400000000225"}, "account": {"40702810038000012345"}, "okpo": {"00032537"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "does not match the BIK") || !strings.Contains(p.Body, `value="00032537"`) {
		t.Fatalf("bad account: %d %.600s", p.Status, p.Body)
	}
	p = mustSubmit(t, director, p, "/bank", url.Values{"bik": {"044525225"}, "bank_name": {"ПАО Сбербанк"},
		"corr_account": {"30101810400000000225"}, "account": {"40702810938000012345"}, "okpo": {"00032537"}})
	p = mustSubmit(t, director, p, "/address", url.Values{"legal_postcode": {"125009"}, "action": {"lookup"}})
	if !strings.Contains(p.Body, `value="г Москва"`) {
		t.Fatalf("postcode did not fill the city: %.600s", p.Body)
	}
	p = mustSubmit(t, director, p, "/address", url.Values{"legal_postcode": {"125009"}, "legal_region": {"г Москва"}, "legal_city": {"г Москва"},
		"legal_street": {"ул. Тверская"}, "legal_house": {"д. 7"}, "legal_office": {"пом. 1"}, "actual_same": {"yes"}, "postal_same": {"yes"}})
	p = mustSubmit(t, director, p, "/contact", url.Values{"contact_name": {"Петров Иван"}, "contact_phone": {"+74950000000"}, "email": {"office@romashka.example"}})
	if !strings.Contains(p.Body, "Review") || !strings.Contains(p.Body, "office@romashka.example") {
		t.Fatalf("review: %.600s", p.Body)
	}
	// Any step can be revisited before submitting.
	q := mustGet(t, director, srv.Issuer+p.URL.Path+"?step=general")
	if !strings.Contains(q.Body, `value="Петрова Ивана Сергеевича"`) {
		t.Fatalf("revisited step lost its values: %.400s", q.Body)
	}
	p = mustSubmit(t, director, p, "/review", nil)
	code := codeRe6.FindStringSubmatch(decodeMail(box.last(t, "office@romashka.example")))
	if code == nil {
		t.Fatal("no code in the company's mail")
	}
	p = mustSubmit(t, director, p, "/code", url.Values{"code": {code[1]}})
	if !strings.Contains(p.Body, "A moderator will check it") || !strings.Contains(p.Body, "Under review") {
		t.Fatalf("after submitting: %.600s", p.Body)
	}

	// The moderator approves; the registrant is told and is org_admin.
	moderator := accountBrowser(t, srv, "moderator", "Moderator-pass-1")
	p = mustGet(t, moderator, srv.Issuer+"/moderation")
	if !strings.Contains(p.Body, "ООО\u00a0«Ромашка»") || !strings.Contains(p.Body, "Петров Иван Сергеевич") {
		t.Fatalf("moderation queue: %.600s", p.Body)
	}
	p = mustSubmit(t, moderator, p, "/approve", nil)
	if !strings.Contains(decodeMail(box.last(t, "ivanov@example.com")), "approved") {
		t.Fatal("no approval mail")
	}
	p = mustGet(t, director, srv.Issuer+"/account/companies")
	orgID := regexp.MustCompile(`/account/companies/([A-Z0-9]+)/members`).FindStringSubmatch(p.Body)
	if orgID == nil {
		t.Fatalf("the registrant does not manage the company: %.600s", p.Body)
	}
	members := srv.Issuer + "/account/companies/" + orgID[1] + "/members"

	// Another person asks to join; the org admin approves and grants a role.
	petrov := accountBrowser(t, srv, "petrov", "Petrov-pass-1")
	p = mustGet(t, petrov, srv.Issuer+"/account/companies/join")
	p = mustSubmit(t, petrov, p, "/account/companies/join", url.Values{"inn": {"7728824599"}})
	if !strings.Contains(p.Body, "Your request has been sent") {
		t.Fatalf("join: %.500s", p.Body)
	}
	// Isolation: a non-admin cannot see or change the members, even posting a valid form.
	if q := mustGet(t, petrov, members); q.Status != http.StatusForbidden {
		t.Fatalf("members page for a non-admin: %d", q.Status)
	}
	stranger := accountBrowser(t, srv, "stranger", "Stranger-pass-1")
	own := mustGet(t, stranger, srv.Issuer+"/account/companies/join")
	token := regexp.MustCompile(`name="csrf_token" value="([^"]*)"`).FindStringSubmatch(own.Body)
	petrovID := ""
	p = mustGet(t, director, members)
	if m := regexp.MustCompile(`/requests/([A-Z0-9]+)/approve`).FindStringSubmatch(p.Body); m != nil {
		petrovID = m[1]
	} else {
		t.Fatalf("no join request on the members page: %.600s", p.Body)
	}
	resp, err := stranger.Client.PostForm(members[:len(members)-len("/members")]+"/requests/"+petrovID+"/approve",
		url.Values{"csrf_token": {token[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a stranger approved a request: %d", resp.StatusCode)
	}
	p = mustSubmit(t, director, p, "/requests/"+petrovID+"/approve", url.Values{"role": {"participant"}})
	if !strings.Contains(p.Body, "Approved.") {
		t.Fatalf("approval: %.500s", p.Body)
	}
	if !strings.Contains(decodeMail(box.last(t, "petrov@example.com")), "approved") {
		t.Fatal("no mail to the employee")
	}
	p = mustSubmit(t, director, p, "/members/"+petrovID+"/roles", url.Values{"role": {"participant"}})
	if !strings.Contains(p.Body, "Roles saved.") {
		t.Fatalf("roles: %.500s", p.Body)
	}

	// The relying app sees the company and the role.
	shop := newRP(t, srv, "shop", "shop-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "org", "orgs")
	a, code2 := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "petrov", "Petrov-pass-1")
	_, _, claims := shop.exchange(a, code2)
	if id, roles := orgOf(claims); id != orgID[1] || !slices.Equal(roles, []string{"participant"}) {
		t.Fatalf("token: org %q roles %v", id, roles)
	}
	// Unticking every role removes the member: the next token has no org.
	p = mustGet(t, director, members)
	p = mustConfirm(t, director, p, "/members/"+petrovID+"/roles", nil, "Remove the member?")
	a, code2 = shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "petrov", "Petrov-pass-1")
	_, _, claims = shop.exchange(a, code2)
	if _, ok := claims["org"]; ok {
		t.Fatalf("a removed member's token still has org: %v", claims)
	}
}

// registerRomashka walks the wizard from the INN step with the test registry's
// data for ООО «Ромашка» and returns the page after the email code.
func registerRomashka(t *testing.T, b *rptest.Browser, p *rptest.Page, box *mailbox) *rptest.Page {
	t.Helper()
	p = mustSubmit(t, b, p, "/inn", url.Values{"inn": {"7728824599"}, "kpp": {"772801001"}})
	p = mustSubmit(t, b, p, "/general", url.Values{"legal_form": {"Общество с ограниченной ответственностью"},
		"full_name": {"Общество с ограниченной ответственностью «Ромашка»"}, "name": {"ООО «Ромашка»"},
		"director_name": {"Петров Иван Сергеевич"}, "director_title": {"Генеральный директор"}, "ogrn": {"1177746151021"}, "okved_main": {"62.01"}})
	p = mustSubmit(t, b, p, "/bank", url.Values{"bik": {"044525225"}, "account": {"40702810938000012345"}})
	p = mustSubmit(t, b, p, "/address", url.Values{"legal_postcode": {"125009"}, "legal_street": {"ул. Тверская"}, "legal_house": {"д. 7"}, "actual_same": {"yes"}, "postal_same": {"yes"}})
	p = mustSubmit(t, b, p, "/contact", url.Values{"contact_name": {"Петров Иван"}, "email": {"office@romashka.example"}})
	p = mustSubmit(t, b, p, "/review", nil)
	code := codeRe6.FindStringSubmatch(decodeMail(box.last(t, "office@romashka.example")))
	if code == nil {
		t.Fatalf("no code mailed: %.300s", p.Body)
	}
	return mustSubmit(t, b, p, "/code", url.Values{"code": {code[1]}})
}

// TestCompanyFromDirectorsCertificate: a director signs in with a qualified
// certificate naming the company; the companies page offers to register it;
// the registry (a DaData stand-in) names the holder as head, so the company is
// active at once and the holder its org_admin. An employee's certificate
// (no OGRN) offers nothing to register.
func TestCompanyFromDirectorsCertificate(t *testing.T) {
	data, err := registry.LoadOffline("../directory/registry/testdata/registry.json")
	if err != nil {
		t.Fatal(err)
	}
	dadata := registrytest.StandIn(t, data, 0, http.StatusOK)
	box, port := newMailbox(t)
	cfg := certConfig(t, newCorpPKI(t), "")
	cfg = strings.Replace(cfg, "bootstrap:\n",
		"email: {provider: smtp, smtp: {host: 127.0.0.1, port: "+strconv.Itoa(port)+", from: noreply@example.com, tls: none}}\n"+
			"organisations: {registry: {provider: dadata, url: \""+dadata.URL+"\", token: test-token}}\nbootstrap:\n", 1)
	srv := startServer(t, cfg)

	b := rptest.NewBrowser("")
	b.Lang = "en"
	p := mustGet(t, b, srv.Issuer+"/account")
	p = follow(t, b, p, certLinkRe)
	key, cert, chain := fixtureSigner(t, "gost/director")
	p = mustSubmit(t, b, p, "/certificate", url.Values{"signature": {vhodSign(t, p, key, cert, chain)}})
	p = mustSubmit(t, b, p, "/certificate/confirm", nil)
	p = mustGet(t, b, srv.Issuer+"/account/companies")
	if !strings.Contains(p.Body, "Your certificate names ООО\u00a0«Ромашка» (INN 7728824599)") {
		t.Fatalf("no offer from the certificate: %.800s", p.Body)
	}
	p = follow(t, b, p, regexp.MustCompile(`href="(/account/companies/register\?inn=7728824599[^"]*)"`))
	if !strings.Contains(p.Body, `value="7728824599"`) {
		t.Fatalf("the INN was not carried over: %.500s", p.Body)
	}
	p = registerRomashka(t, b, p, box)
	if !strings.Contains(p.Body, "you are its administrator") || !strings.Contains(p.Body, "/members") {
		t.Fatalf("not approved by the registry: %.800s", p.Body)
	}

	// The employee's certificate has no OGRN: nothing to register from it.
	e := rptest.NewBrowser("")
	e.Lang = "en"
	p = mustGet(t, e, srv.Issuer+"/account")
	p = follow(t, e, p, certLinkRe)
	key, cert, chain = fixtureSigner(t, "gost/employee")
	p = mustSubmit(t, e, p, "/certificate", url.Values{"signature": {vhodSign(t, p, key, cert, chain)}})
	mustSubmit(t, e, p, "/certificate/confirm", nil)
	if p = mustGet(t, e, srv.Issuer+"/account/companies"); strings.Contains(p.Body, "Register this company") {
		t.Fatalf("an employee's certificate offered a registration: %.500s", p.Body)
	}
}

// TestAccountantSignIn: the org admin sets a PIN for a contract; "By contract"
// with the company's INN, the contract and the PIN signs in to a session whose
// only role is accountant, with no personal profile.
func TestAccountantSignIn(t *testing.T) {
	cfg := strings.Replace(testConfig, "      access_token_format: jwt\n      first_party: true\n",
		"      access_token_format: jwt\n      first_party: true\n      scopes: [org, orgs]\n", 1)
	cfg = strings.Replace(cfg, "  users:\n", `  organisations:
    - {id: romashka, name: ООО «Ромашка», inn: "7728824599", kpp: "772801001", ogrn: "1177746151021", contracts: [Д-2026/15]}
  memberships:
    - {user: ivanov, org: romashka, roles: [org_admin]}
  users:
`, 1)
	srv := startServer(t, cfg)
	admin := accountBrowser(t, srv, "ivanov", "S3cure-pass!")
	p := mustGet(t, admin, srv.Issuer+"/account/companies/romashka/members")
	if q := mustSubmit(t, admin, p, "/contracts", url.Values{"contract": {"Д-2026/15"}, "pin": {"12ab"}}); q.Status != http.StatusBadRequest {
		t.Fatalf("a bad PIN: %d", q.Status)
	}
	p = mustSubmit(t, admin, p, "/contracts", url.Values{"contract": {"Д-2026/15"}, "pin": {"246810"}})
	if !strings.Contains(p.Body, "PIN set.") {
		t.Fatalf("PIN: %.400s", p.Body)
	}
	shop := newRP(t, srv, "shop", "shop-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "profile", "org")
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	b.Lang = "en"
	a := shop.authorization()
	p = mustGet(t, b, a.URL)
	p = follow(t, b, p, regexp.MustCompile(`href="([^"]*/contract\?[^"]*)"`))
	q := mustSubmit(t, b, p, "/contract", url.Values{"inn": {"7728824599"}, "contract": {"Д-2026/15"}, "pin": {"000000"}})
	if q.Status != http.StatusUnauthorized || !strings.Contains(q.Body, "Wrong INN, contract number or PIN.") || !strings.Contains(q.Body, `value="Д-2026/15"`) {
		t.Fatalf("wrong PIN: %d %.400s", q.Status, q.Body)
	}
	p = mustSubmit(t, b, q, "/contract", url.Values{"inn": {"7728824599"}, "contract": {"д-2026/15"}, "pin": {"246810"}})
	_, _, claims := shop.exchange(a, shop.code(a, mustParse(t, p.Location)))
	if id, roles := orgOf(claims); id != "romashka" || !slices.Equal(roles, []string{"accountant"}) {
		t.Fatalf("accountant token: %v", claims)
	}
	if claims["name"] != nil && claims["name"] != "" {
		t.Fatalf("an accountant has no personal profile: %v", claims["name"])
	}
	if q := mustGet(t, b, srv.Issuer+"/account"); q.Status != http.StatusForbidden {
		t.Fatalf("account pages for an accountant: %d", q.Status)
	}
}

// TestInvitationAndRegistryDown: the org admin invites by email; the owner of
// that confirmed address accepts on the companies page and acts for the
// company. With the registry down, a registration goes on by hand.
func TestInvitationAndRegistryDown(t *testing.T) {
	gone := httptestClosedURL(t)
	box, port := newMailbox(t)
	cfg := strings.Replace(testConfig, "bootstrap:\n",
		"email: {provider: smtp, smtp: {host: 127.0.0.1, port: "+strconv.Itoa(port)+", from: noreply@example.com, tls: none}}\n"+
			"organisations: {registry: {provider: dadata, url: \""+gone+"\", timeout: 2s}}\nbootstrap:\n", 1)
	cfg = strings.Replace(cfg, "      access_token_format: jwt\n      first_party: true\n",
		"      access_token_format: jwt\n      first_party: true\n      scopes: [org, orgs]\n", 1)
	cfg = strings.Replace(cfg, "  users:\n", `  role_catalogues:
    - {id: dmdk, clients: [shop], roles: [{key: participant, name: {ru: Участник, en: Participant}}]}
  organisations:
    - {id: romashka, name: ООО «Ромашка», inn: "7728824599", kpp: "772801001", ogrn: "1177746151021"}
  memberships:
    - {user: ivanov, org: romashka, roles: [org_admin]}
  moderators: [ivanov]
  users:
`, 1) + `    - {login: petrov, password: "Petrov-pass-1", email: petrov@example.com}
    - {login: stranger, password: "Stranger-pass-1", email: stranger@example.com}
`
	srv := startServer(t, cfg)
	admin := accountBrowser(t, srv, "ivanov", "S3cure-pass!")
	p := mustGet(t, admin, srv.Issuer+"/account/companies/romashka/members")
	if q := mustSubmit(t, admin, p, "/invitations", url.Values{"address": {"not an address"}}); q.Status != http.StatusBadRequest {
		t.Fatalf("a bad address: %d", q.Status)
	}
	p = mustSubmit(t, admin, p, "/invitations", url.Values{"address": {"Petrov@Example.com"}, "role": {"participant"}})
	if !strings.Contains(p.Body, "The invitation has been sent.") || !strings.Contains(decodeMail(box.last(t, "petrov@example.com")), "/account/companies") {
		t.Fatalf("invitation: %.400s", p.Body)
	}
	if q := mustGet(t, accountBrowser(t, srv, "stranger", "Stranger-pass-1"), srv.Issuer+"/account/companies"); strings.Contains(q.Body, "invites you") {
		t.Fatal("someone else sees the invitation")
	}
	petrov := accountBrowser(t, srv, "petrov", "Petrov-pass-1")
	p = mustGet(t, petrov, srv.Issuer+"/account/companies")
	if !strings.Contains(p.Body, "ООО\u00a0«Ромашка» invites you to join it.") {
		t.Fatalf("no invitation on the companies page: %.500s", p.Body)
	}
	p = mustSubmit(t, petrov, p, "/accept", nil)
	if !strings.Contains(p.Body, "You have joined the company.") {
		t.Fatalf("accept: %.400s", p.Body)
	}
	shop := newRP(t, srv, "shop", "shop-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader, "openid", "org")
	a, code := shop.signIn(rptest.NewBrowser("http://127.0.0.1:8765/"), "petrov", "Petrov-pass-1")
	_, _, claims := shop.exchange(a, code)
	if id, roles := orgOf(claims); id != "romashka" || !slices.Equal(roles, []string{"participant"}) {
		t.Fatalf("invited member's token: %v", claims)
	}

	// The registry does not answer: the wizard says so and goes on by hand.
	b := accountBrowser(t, srv, "stranger", "Stranger-pass-1")
	p = mustGet(t, b, srv.Issuer+"/account/companies/register")
	p = mustSubmit(t, b, p, "/inn", url.Values{"inn": {"7707083893"}, "kpp": {"773601001"}})
	if !strings.Contains(p.Body, "does not answer now") || !strings.Contains(p.Body, `id="full_name" name="full_name" type="text" value=""`) {
		t.Fatalf("registry down: %.800s", p.Body)
	}
	p = mustSubmit(t, b, p, "/general", url.Values{"full_name": {"ПАО Сбербанк"}, "name": {"ПАО Сбербанк"}, "director_name": {"Иванов И. И."},
		"ogrn": {"1027700132195"}, "okved_main": {"64.19"}})
	p = mustSubmit(t, b, p, "/bank", url.Values{"bik": {"044525225"}, "bank_name": {"ПАО Сбербанк"}, "corr_account": {"30101810400000000225"},
		"account": {"40702810938000012345"}})
	p = mustSubmit(t, b, p, "/address", url.Values{"legal_postcode": {"117312"}, "legal_region": {"г Москва"}, "legal_city": {"г Москва"},
		"legal_street": {"ул. Вавилова"}, "legal_house": {"д. 19"}})
	p = mustSubmit(t, b, p, "/contact", url.Values{"contact_name": {"Иванов"}, "email": {"office@sber.example"}})
	if !strings.Contains(p.Body, "ул. Вавилова, д. 19") || !strings.Contains(p.Body, "Submit") {
		t.Fatalf("review after typing by hand: %.600s", p.Body)
	}
	p = mustSubmit(t, b, p, "/review", nil)
	p = mustSubmit(t, b, p, "/code", url.Values{"code": {codeRe6.FindStringSubmatch(decodeMail(box.last(t, "office@sber.example")))[1]}})
	if !strings.Contains(p.Body, "Under review") {
		t.Fatalf("submitted: %.500s", p.Body)
	}
	// The moderator rejects it with a reason; the registrant is told the reason,
	// and the INN is free for another attempt.
	p = mustGet(t, admin, srv.Issuer+"/moderation")
	p = mustSubmit(t, admin, p, "/reject", url.Values{"reason": {"Не подтверждены полномочия"}})
	if !strings.Contains(p.Body, "Rejected.") || !strings.Contains(p.Body, "Не подтверждены полномочия") {
		t.Fatalf("rejection: %.600s", p.Body)
	}
	if mail := decodeMail(box.last(t, "stranger@example.com")); !strings.Contains(mail, "Не подтверждены полномочия") {
		t.Fatalf("the rejection mail lacks the reason: %s", mail)
	}
	p = mustGet(t, b, srv.Issuer+"/account/companies/register")
	if p = mustSubmit(t, b, p, "/inn", url.Values{"inn": {"7707083893"}, "kpp": {"773601001"}}); p.Status != http.StatusOK {
		t.Fatalf("registering again after a rejection: %d %.300s", p.Status, p.Body)
	}
}

// httptestClosedURL is the address of a server that is gone.
func httptestClosedURL(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}

// TestJoinFromCertificate: a certificate naming a company that is here already
// offers to join it, with its INN filled in.
func TestJoinFromCertificate(t *testing.T) {
	cfg := strings.Replace(certConfig(t, newCorpPKI(t), ""), "  users:\n", `  organisations:
    - {id: romashka, name: ООО «Ромашка», inn: "7728824599", kpp: "772801001", ogrn: "1177746151021"}
  users:
`, 1)
	srv := startServer(t, cfg)
	b := rptest.NewBrowser("")
	b.Lang = "en"
	p := mustGet(t, b, srv.Issuer+"/account")
	p = follow(t, b, p, certLinkRe)
	key, cert, chain := fixtureSigner(t, "gost/director")
	p = mustSubmit(t, b, p, "/certificate", url.Values{"signature": {vhodSign(t, p, key, cert, chain)}})
	mustSubmit(t, b, p, "/certificate/confirm", nil)
	p = mustGet(t, b, srv.Issuer+"/account/companies")
	if strings.Contains(p.Body, "Register this company") {
		t.Fatalf("offered to register a company that is here: %.500s", p.Body)
	}
	p = follow(t, b, p, regexp.MustCompile(`href="(/account/companies/join\?inn=7728824599)"`))
	if !strings.Contains(p.Body, `value="7728824599"`) {
		t.Fatalf("join page without the INN: %.400s", p.Body)
	}
	p = mustSubmit(t, b, p, "/account/companies/join", url.Values{"inn": {"7728824599"}})
	if !strings.Contains(p.Body, "Your request has been sent") {
		t.Fatalf("join from the certificate: %.400s", p.Body)
	}
}
