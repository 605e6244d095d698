package captcha

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/altcha-org/altcha-lib-go"
)

type memSpend struct {
	mu   sync.Mutex
	used map[string]bool
}

func (m *memSpend) spend(_ context.Context, key string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.used[key] {
		return ErrSpent
	}
	m.used[key] = true
	return nil
}

// Solve answers an ALTCHA challenge as the page's script does.
func Solve(t *testing.T, challengeJSON string) string {
	t.Helper()
	var ch altcha.Challenge
	if err := json.Unmarshal([]byte(challengeJSON), &ch); err != nil {
		t.Fatal(err)
	}
	sol, err := altcha.SolveChallenge(ch.Challenge, ch.Salt, altcha.Algorithm(ch.Algorithm), int(ch.MaxNumber), 0, nil)
	if err != nil || sol == nil {
		t.Fatalf("solve: %v", err)
	}
	b, _ := json.Marshal(altcha.Payload{Algorithm: ch.Algorithm, Challenge: ch.Challenge, Number: int64(sol.Number), Salt: ch.Salt, Signature: ch.Signature})
	return base64.StdEncoding.EncodeToString(b)
}

func TestAltcha(t *testing.T) {
	m := &memSpend{used: map[string]bool{}}
	a := NewAltcha([]byte("k"), 2000, m.spend)
	ch, err := a.Challenge(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	answer := Solve(t, ch)
	if err := a.Verify(t.Context(), answer, ""); err != nil {
		t.Fatalf("solved challenge refused: %v", err)
	}
	if err := a.Verify(t.Context(), answer, ""); !errors.Is(err, ErrFailed) {
		t.Fatalf("reused answer: %v", err)
	}
	// Another key's challenge, a wrong number, garbage: all refused.
	other := Solve(t, mustChallenge(t, NewAltcha([]byte("other"), 2000, m.spend)))
	var p altcha.Payload
	b, _ := base64.StdEncoding.DecodeString(Solve(t, mustChallenge(t, a)))
	_ = json.Unmarshal(b, &p)
	p.Number++
	wrong, _ := json.Marshal(p)
	for name, ans := range map[string]string{
		"other key": other, "wrong number": base64.StdEncoding.EncodeToString(wrong), "garbage": "%%%", "empty": "",
	} {
		if err := a.Verify(t.Context(), ans, ""); !errors.Is(err, ErrFailed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func mustChallenge(t *testing.T, a *Altcha) string {
	ch, err := a.Challenge(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestHostedProviders(t *testing.T) {
	for _, tc := range []struct{ provider, tokenField, ok, refused string }{
		{"yandex", "token", `{"status":"ok"}`, `{"status":"failed","message":"bad"}`},
		{"recaptcha", "response", `{"success":true}`, `{"success":false,"error-codes":["invalid-input-response"]}`},
		{"hcaptcha", "response", `{"success":true}`, `{"success":false}`},
		{"turnstile", "response", `{"success":true}`, `{"success":false}`},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				if r.PostForm.Get("secret") != "s3cret" {
					w.WriteHeader(http.StatusForbidden)
					return
				}
				if r.PostForm.Get(tc.tokenField) == "good" {
					_, _ = w.Write([]byte(tc.ok))
					return
				}
				_, _ = w.Write([]byte(tc.refused))
			}))
			defer srv.Close()
			h, err := NewHosted(tc.provider, "site", "s3cret", srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if key, _ := h.Challenge(t.Context()); key != "site" {
				t.Fatalf("site key %q", key)
			}
			if err := h.Verify(t.Context(), "good", "1.2.3.4"); err != nil {
				t.Fatalf("good token: %v", err)
			}
			if err := h.Verify(t.Context(), "bad", "1.2.3.4"); !errors.Is(err, ErrFailed) {
				t.Fatalf("bad token: %v", err)
			}
			down, _ := NewHosted(tc.provider, "site", "s3cret", "http://127.0.0.1:1/")
			if err := down.Verify(t.Context(), "good", ""); err == nil || errors.Is(err, ErrFailed) {
				t.Fatalf("service down must be an error of its own, got %v", err)
			}
		})
	}
	if _, err := NewHosted("nope", "a", "b", ""); err == nil {
		t.Fatal("unknown provider accepted")
	}
}
