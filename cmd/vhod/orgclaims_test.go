package main

import (
	"fmt"

	"slices"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
	"github.com/vhod-id/vhod/storage"
)

// withOrgs gives the test client the org scopes, a role catalogue and one
// company of which ivanov is a participant.
func withOrgs(c *Config) {
	c.Bootstrap.Clients[0].Scopes = []string{"org", "orgs"}
	c.Bootstrap.RoleCatalogues = []BootstrapRoleCatalogue{{ID: "dmdk", Clients: []string{"shop"}, Roles: []BootstrapRole{
		{Key: "participant", Name: map[string]string{"ru": "Участник", "en": "Participant"}},
		{Key: "batches", Name: map[string]string{"ru": "Партии", "en": "Batches"}}}}}
	c.Bootstrap.Organisations = []BootstrapOrganisation{{ID: "romashka", Name: "ООО «Ромашка»", INN: "7728824599", KPP: "772801001"}}
	c.Bootstrap.Memberships = []BootstrapMembership{{User: "ivanov", Org: "romashka", Roles: []string{"participant"}}}
}

// Role changes show in the next token (a refreshed ID token) and the next
// userinfo call; a removed membership takes the org claim away.
func TestRoleChangesShowInTheNextToken(t *testing.T) {
	ta := newTestApp(t, withOrgs)
	oc := ta.oauth()
	oc.Scopes = []string{"openid", "org", "offline_access"}
	verifier := oauth2.GenerateVerifier()
	cb, err := rptest.NewBrowser(testRedirect).SignIn(oc.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "ivanov", "S3cure-pass!")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := oc.Exchange(t.Context(), cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	p, err := oidc.NewProvider(t.Context(), ta.URL)
	if err != nil {
		t.Fatal(err)
	}
	idClaims := func(tok *oauth2.Token) map[string]any {
		raw, _ := tok.Extra("id_token").(string)
		idt, err := p.Verifier(&oidc.Config{ClientID: "shop"}).Verify(t.Context(), raw)
		if err != nil {
			t.Fatal(err)
		}
		var c map[string]any
		_ = idt.Claims(&c)
		return c
	}
	userinfo := func(tok *oauth2.Token) map[string]any {
		ui, err := p.UserInfo(t.Context(), oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatal(err)
		}
		var c map[string]any
		_ = ui.Claims(&c)
		return c
	}
	roles := func(c map[string]any) []string {
		var out []string
		for _, r := range c["roles"].([]any) {
			out = append(out, r.(string))
		}
		return out
	}
	if c := idClaims(tok); !slices.Equal(roles(c), []string{"participant"}) {
		t.Fatalf("first token: %v", c)
	}
	store := ta.app.store
	u, _ := ta.app.dir.UserByLogin(t.Context(), "ivanov")
	m, err := store.MembershipByID(t.Context(), u.ID, "romashka")
	if err != nil {
		t.Fatal(err)
	}
	m.Roles = []string{"participant", "batches"}
	if m, err = store.UpdateMembership(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if c := userinfo(tok); !slices.Equal(roles(c), []string{"participant", "batches"}) {
		t.Fatalf("userinfo after the change: %v", c)
	}
	refresh := func() *oauth2.Token {
		next, err := oc.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token()
		if err != nil {
			t.Fatal(err)
		}
		tok = next
		return next
	}
	if c := idClaims(refresh()); !slices.Equal(roles(c), []string{"participant", "batches"}) {
		t.Fatalf("refreshed token after the change: %v", c)
	}
	m.Status, m.Roles = storage.MemberRemoved, nil
	if _, err := store.UpdateMembership(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if c := idClaims(refresh()); c["org"] != nil || c["roles"] != nil {
		t.Fatalf("a removed membership still in the token: %v", c)
	}
	if c := userinfo(tok); c["org"] != nil {
		t.Fatalf("a removed membership still in userinfo: %v", c)
	}
}

// BenchmarkOrgClaims builds the org and orgs claims of a person with 50
// memberships; round-trips/op counts database commands (memberships, their
// organisations, the role catalogues).
func BenchmarkOrgClaims(b *testing.B) {
	ta := newTestApp(b, withOrgs)
	ctx := b.Context()
	u, _ := ta.app.dir.UserByLogin(ctx, "ivanov")
	now := time.Now().UTC()
	for i := range 49 {
		id := fmt.Sprintf("org-%02d", i)
		o := storage.Organisation{ID: id, Kind: storage.OrgLegalEntity, Status: storage.OrgActive, Name: "ООО " + id,
			INN: "7728824599", KPP: fmt.Sprintf("7728%05d", i), CreatedAt: now}
		if err := ta.app.store.CreateOrganisation(ctx, o); err != nil {
			b.Fatal(err)
		}
		if err := ta.app.store.CreateMembership(ctx, storage.Membership{UserID: u.ID, OrgID: id, Status: storage.MemberActive,
			Roles: []string{"participant", "batches"}, CreatedAt: now}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	start := ta.commands.Load()
	for b.Loop() {
		c, err := ta.app.orgs.Claims(ctx, u.ID, "org-07", "shop", true, true)
		if err != nil || len(c.Orgs) != 50 || c.Org == nil {
			b.Fatalf("claims: %v, %d orgs", err, len(c.Orgs))
		}
	}
	b.ReportMetric(float64(ta.commands.Load()-start)/float64(b.N), "round-trips/op")
}
