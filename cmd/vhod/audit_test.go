package main

import (
	"net/url"
	"testing"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/rptest"
	"github.com/vhod-id/vhod/storage"
)

// Security events land in the audit log with outcome, client, address and method.
func TestAuditEvents(t *testing.T) {
	ta := newTestApp(t)
	b := rptest.NewBrowser(testRedirect)
	p, err := b.Get(ta.oauth().AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Submit(p, "/password", url.Values{"login": {"ivanov"}, "password": {"wrong"}}); err != nil {
		t.Fatal(err)
	}
	code, verifier := ta.code(t, b)
	tok, err := ta.oauth().Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	// Replaying the code is a security event too.
	_, _ = ta.oauth().Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	raw, _ := tok.Extra("id_token").(string)
	if _, err := b.Get(ta.URL + "/end_session?id_token_hint=" + url.QueryEscape(raw)); err != nil {
		t.Fatal(err)
	}

	events, err := ta.app.store.QueryAudit(t.Context(), storage.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]storage.AuditEvent{}
	for _, e := range events {
		seen[e.Type+"/"+e.Outcome] = e
	}
	for _, want := range []string{
		directory.EventSignIn + "/failure", directory.EventSignIn + "/success",
		directory.EventCodeReplay + "/failure", directory.EventLogout + "/success",
	} {
		e, ok := seen[want]
		if !ok {
			t.Errorf("no %s event in %d events", want, len(events))
			continue
		}
		if e.IP == "" || e.Time.IsZero() {
			t.Errorf("%s lacks address or time: %+v", want, e)
		}
	}
	if e := seen[directory.EventSignIn+"/failure"]; e.Details["reason"] != "invalid_credentials" || e.ClientID != "shop" {
		t.Errorf("failure event %+v", e)
	}
}
