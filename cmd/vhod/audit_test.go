package main

import (
	"html"
	"net/url"
	"regexp"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
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

	seen := auditEvents(t, ta)
	for _, want := range []string{
		directory.EventSignIn + "/failure", directory.EventSignIn + "/success",
		directory.EventCodeReplay + "/failure", directory.EventLogout + "/success",
	} {
		e, ok := seen[want]
		if !ok {
			t.Errorf("no %s event among %d kinds", want, len(seen))
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

func TestAuditOfRegistration(t *testing.T) {
	ta := newTestApp(t, func(c *Config) {
		c.dev, c.SMS.Provider, c.Captcha.Provider, c.Registration.ConsentVersion = true, "outbox", "none", "2026-11"
	})
	b := rptest.NewBrowser(testRedirect)
	p, err := b.Get(ta.oauth().AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`href="(/register\?[^"]*)"`).FindStringSubmatch(p.Body)
	if link == nil {
		t.Fatal("no sign-up link")
	}
	u, _ := p.URL.Parse(html.UnescapeString(link[1]))
	if p, err = b.Get(u.String()); err != nil {
		t.Fatal(err)
	}
	p, err = b.Submit(p, "/send", url.Values{"identifier": {"+79096666666"}, "password": {"N3w-account!"},
		"repeat": {"N3w-account!"}, "consent_pd": {"yes"}, "consent_news": {"yes"}})
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`\d{6}`).FindString(lastDevMessage(t, ta).Text)
	if p, err = b.Submit(p, "/confirm", url.Values{"code": {code}}); err != nil || p.Location == "" {
		t.Fatalf("confirmation: %v %d %.300s", err, p.Status, p.Body)
	}

	events, err := ta.app.store.QueryAudit(t.Context(), storage.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	consents := map[string]string{}
	var registered string
	for _, e := range events {
		switch e.Type {
		case directory.EventConsent:
			consents[e.Details["kind"]] = e.Details["version"]
		case directory.EventRegistration:
			registered = e.UserID
		}
	}
	if registered == "" || consents["personal_data"] != "2026-11" || consents["news"] != "2026-11" {
		t.Fatalf("registration %q, consents %v", registered, consents)
	}
}

// lastDevMessage waits (at most 5 s) for the outbox sender to hand a message to
// the dev gateway and returns the newest.
func lastDevMessage(t *testing.T, ta *testApp) notify.MemoryMessage {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if msgs := ta.app.memory.Messages(); len(msgs) > 0 {
			return msgs[len(msgs)-1]
		}
	}
	t.Fatal("no message reached the dev gateway")
	return notify.MemoryMessage{}
}
