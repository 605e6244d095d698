package connector

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// S256 agrees with x/oauth2's implementation of RFC 7636 §4.2.
func TestS256(t *testing.T) {
	v := oauth2.GenerateVerifier()
	if got, want := S256(v), oauth2.S256ChallengeFromVerifier(v); got != want {
		t.Fatalf("S256 = %s, want %s", got, want)
	}
}

func TestNewFlowSecrets(t *testing.T) {
	a, b := NewFlowSecrets(), NewFlowSecrets()
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(a.State) {
		t.Errorf("state %q is not a version 4 UUID", a.State)
	}
	if len(a.Verifier) != 43 || len(a.Nonce) != 43 {
		t.Errorf("verifier %q, nonce %q: want 43 characters", a.Verifier, a.Nonce)
	}
	if a == b {
		t.Error("two flows got the same secrets")
	}
}

func TestCheckReturn(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name    string
		query   url.Values
		started time.Time
		kind    Kind
	}{
		{name: "ok", query: url.Values{"state": {"s"}, "code": {"c"}}},
		{name: "state mismatch", query: url.Values{"state": {"x"}, "code": {"c"}}, kind: KindState},
		{name: "no state", query: url.Values{"code": {"c"}}, kind: KindState},
		{name: "expired", query: url.Values{"state": {"s"}, "code": {"c"}}, started: now.Add(-time.Hour), kind: KindState},
		{name: "refused", query: url.Values{"state": {"s"}, "error": {"access_denied"}}, kind: KindDenied},
		{name: "provider down", query: url.Values{"state": {"s"}, "error": {"temporarily_unavailable"}}, kind: KindUnavailable},
		{name: "other error", query: url.Values{"state": {"s"}, "error": {"invalid_scope"}}, kind: KindInvalid},
		{name: "no code", query: url.Values{"state": {"s"}}, kind: KindInvalid},
		// A refusal for another flow is a state problem, not this flow's refusal.
		{name: "refusal with another state", query: url.Values{"state": {"x"}, "error": {"access_denied"}}, kind: KindState},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := checkReturn("p", CallbackRequest{Query: tc.query, State: "s", StartedAt: tc.started}, now)
			if tc.kind == "" {
				if err != nil || code != "c" {
					t.Fatalf("code %q, err %v", code, err)
				}
				return
			}
			wantKind(t, err, tc.kind)
		})
	}
}

func TestErrorMessages(t *testing.T) {
	e := &Error{Kind: KindDenied, Provider: "esia", Code: "access_denied"}
	if e.Kind.MessageKey() != "connector.denied" || e.Error() != "connector esia: denied (access_denied)" {
		t.Fatalf("%s / %s", e.Kind.MessageKey(), e.Error())
	}
	if KindOf(e) != KindDenied || KindOf(errNoSubject) != KindUnavailable {
		t.Fatal("KindOf")
	}
}

// Every kind's message is in both of Vhod's catalogues, so the page can say
// it in the person's language.
func TestKindMessagesInCatalogues(t *testing.T) {
	for _, lang := range []string{"ru", "en"} {
		b, err := os.ReadFile(filepath.Join("..", "internal", "web", "locales", lang+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var cat map[string]any // a plural message is an object of its forms
		if err := json.Unmarshal(b, &cat); err != nil {
			t.Fatal(err)
		}
		for _, k := range []Kind{KindUnavailable, KindDenied, KindInvalid, KindState, KindConfig} {
			if text, _ := cat[k.MessageKey()].(string); text == "" {
				t.Errorf("%s.json has no %s", lang, k.MessageKey())
			}
		}
	}
}
