package account

import (
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// An employee's certificate that names the company (O) without its INN offers
// the active company of exactly that name here to join, with its INN; not a
// company of a similar name, nor one still waiting for a moderator, and never
// a registration.
func TestCompanyOfferByCertificateName(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := t.Context()
	ts.activeOrg("7728824599")
	if _, err := ts.orgs.Register(ctx, storage.Organisation{Kind: storage.OrgLegalEntity, INN: "7707083893", KPP: "773601001",
		Name: "ООО «Ромашка»", Email: "office@pending.example", EmailVerified: true}, directory.Actor{ID: ts.user.ID}); err != nil {
		t.Fatal(err)
	}
	similar, err := ts.orgs.Register(ctx, storage.Organisation{Kind: storage.OrgLegalEntity, INN: "7712345671", KPP: "771201001",
		Name: "ООО «Ромашка плюс»", Email: "office@plus.example", EmailVerified: true}, directory.Actor{ID: ts.user.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.orgs.ApproveOrganisation(ctx, similar.ID, directory.Actor{ID: "moderator"}); err != nil {
		t.Fatal(err)
	}
	kuz, err := ts.dir.CreateUser(ctx, directory.NewUser{Login: "kuznetsov", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	subject := "CN=Кузнецов Дмитрий Алексеевич,SN=Кузнецов,G=Дмитрий Алексеевич,T=Ведущий инженер,O=ООО  «Ромашка»,SNILS=48039378717,INN=781056697681"
	if err := ts.store.BindCertificate(ctx, kuz.ID, storage.BoundCertificate{CertificateRef: storage.CertificateRef{SHA256: "cd", Subject: subject},
		Qualified: true, BoundAt: time.Now()}, "48039378717", "781056697681"); err != nil {
		t.Fatal(err)
	}
	ts.signIn(kuz.ID, 0)
	p := ts.get("/account/companies")
	p.has(t, "Your certificate names ООО\u00a0«Ромашка»; it is registered here with INN 7728824599.", `href="/account/companies/join?inn=7728824599"`)
	for _, not := range []string{"7707083893", "7712345671", "/account/companies/register?inn="} {
		if strings.Contains(p.body, not) {
			t.Errorf("offered %s: %.1500s", not, p.body)
		}
	}
	// Once the request is sent, the company is on the person's list, not offered again.
	if p := ts.post("/account/companies/join", map[string][]string{"inn": {"7728824599"}}); p.location != "/account/companies?notice=requested" {
		t.Fatalf("join: %d %s", p.code, p.location)
	}
	if p := ts.get("/account/companies"); strings.Contains(p.body, "it is registered here with INN") {
		t.Errorf("offered again after the request: %.1500s", p.body)
	}
}
