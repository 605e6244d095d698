package main

import (
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/rptest"
	"github.com/vhod-id/vhod/storage"
)

// The provider's last check of a company's sign-in policy: a token and
// userinfo never carry an org whose policy the sign-in's acr and amr do not
// meet, whatever the session recorded (here the policy came after the
// sign-in); the withheld company is audited.
func TestNoOrgClaimWhoseSignInPolicyIsMissed(t *testing.T) {
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
	org := func(tok *oauth2.Token) any {
		raw, _ := tok.Extra("id_token").(string)
		idt, err := p.Verifier(&oidc.Config{ClientID: "shop"}).Verify(t.Context(), raw)
		if err != nil {
			t.Fatal(err)
		}
		var c map[string]any
		_ = idt.Claims(&c)
		return c["org"]
	}
	if org(tok) == nil {
		t.Fatal("no org before the policy")
	}
	o, err := ta.app.store.OrganisationByID(t.Context(), "romashka")
	if err != nil {
		t.Fatal(err)
	}
	o.SignInPolicy = storage.OrgSignInSecondFactor
	if _, err := ta.app.store.UpdateOrganisation(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	next, err := oc.TokenSource(t.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if c := org(next); c != nil {
		t.Fatalf("a password sign-in carries a company that requires a second factor: %v", c)
	}
	ui, err := p.UserInfo(t.Context(), oauth2.StaticTokenSource(next))
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	_ = ui.Claims(&c)
	if c["org"] != nil {
		t.Fatalf("userinfo carries the company: %v", c)
	}
	u, _ := ta.app.dir.UserByLogin(t.Context(), "ivanov")
	ev, err := ta.app.store.QueryAudit(t.Context(), storage.AuditQuery{UserID: u.ID, Type: directory.EventFactorRequired})
	if err != nil || len(ev) == 0 || ev[0].Details["reason"] != "org_withheld" || ev[0].Details["org"] != "romashka" {
		t.Fatalf("withheld company not audited: %v %v", ev, err)
	}
}
