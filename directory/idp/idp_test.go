package idp

import (
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/connector"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/fixtures"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

var (
	testKey  = []byte("0123456789abcdef0123456789abcdef")
	operator = directory.Actor{ID: "op-1", IP: "192.0.2.1"}
)

// fileProvider is one of the configuration file's.
var fileProvider = connector.Config{ID: "corp", Type: connector.TypeOIDC, DisplayName: connector.DisplayName{RU: "Корпоративный вход"},
	ClientID: "vhod", ClientSecret: "file-secret", Issuer: "https://idp.example"}

type env struct {
	store *mongo.Store
	svc   *Service
	now   time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{store: mongotest.Fresh(t, mongotest.URI(t), mongo.Options{}), now: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	svc, err := New(e.store, Config{Key: testKey, Configured: []connector.Config{fileProvider},
		Audit: directory.NewAuditor(e.store, slog.New(slog.DiscardHandler)), Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	return e
}

func yandexInput(id, secret string) Input {
	return Input{Config: connector.Config{ID: id, Type: connector.TypeYandex, DisplayName: connector.DisplayName{RU: "Яндекс ID", EN: "Yandex ID"},
		ClientID: "app-1"}, ClientSecret: secret}
}

// esiaInput is an ESIA provider with the key's PEM given inline.
func esiaInput(t *testing.T, id string) Input {
	fx := fixtures.Dir(t)
	key, err := os.ReadFile(filepath.Join(fx, "gost", "director.key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return Input{Config: connector.Config{ID: id, Type: connector.TypeESIA, DisplayName: connector.DisplayName{RU: "Госуслуги"},
		ClientID: "VHOD01", CertFile: filepath.Join(fx, "gost", "director.crt.pem"),
		ProviderCertFile: filepath.Join(fx, "gost", "employee.crt.pem")}, Key: string(key)}
}

func TestValidation(t *testing.T) {
	fx := fixtures.Dir(t)
	cases := []struct {
		name  string
		in    func(t *testing.T) Input
		field string // "" means valid
	}{
		{"yandex with a secret", func(*testing.T) Input { return yandexInput("yandex", "s3cret") }, ""},
		{"yandex without a secret", func(*testing.T) Input { return yandexInput("yandex", "") }, "client_secret"},
		{"a bad id", func(*testing.T) Input { return yandexInput("Яндекс", "s") }, "id"},
		{"an unknown type", func(*testing.T) Input { in := yandexInput("x", "s"); in.Type = "saml"; return in }, "type"},
		{"no Russian name", func(*testing.T) Input { in := yandexInput("x", "s"); in.DisplayName.RU = ""; return in }, "display_name.ru"},
		{"oidc without an issuer", func(*testing.T) Input { in := yandexInput("x", "s"); in.Type = connector.TypeOIDC; return in }, "issuer"},
		{"an http endpoint elsewhere", func(*testing.T) Input { in := yandexInput("x", "s"); in.TokenURL = "http://evil.example/t"; return in }, "token_url"},
		{"a secret from a file", func(*testing.T) Input {
			in := yandexInput("x", "")
			in.ClientSecretFile = "/etc/passwd"
			return in
		}, "client_secret_file"},
		{"an unknown level", func(*testing.T) Input { in := yandexInput("x", "s"); in.ACR = "urn:vhod:acr:everything"; return in }, "acr"},
		{"a confirmed level outside ESIA", func(*testing.T) Input {
			in := yandexInput("x", "s")
			in.ACRConfirmed = "urn:vhod:acr:certificate"
			return in
		}, "acr_confirmed"},
		{"esia with the key inline", func(t *testing.T) Input { return esiaInput(t, "esia") }, ""},
		{"esia with a key that is no key", func(t *testing.T) Input { in := esiaInput(t, "esia"); in.Key = "junk"; return in }, "key"},
		{"esia with another certificate's key", func(t *testing.T) Input {
			in := esiaInput(t, "esia")
			b, _ := os.ReadFile(filepath.Join(fx, "gost", "ip.key.pem"))
			in.Key = string(b)
			return in
		}, "key"},
		{"esia without a key", func(t *testing.T) Input { in := esiaInput(t, "esia"); in.Key = ""; return in }, "key_file"},
		{"esia with a missing certificate", func(t *testing.T) Input { in := esiaInput(t, "esia"); in.CertFile = "/nonexistent.pem"; return in }, "cert_file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			p, bad, err := e.svc.Create(t.Context(), tc.in(t), operator)
			if err != nil {
				t.Fatal(err)
			}
			if tc.field == "" {
				if bad != nil || p.ID == "" {
					t.Fatalf("refused: %v", bad)
				}
				return
			}
			if bad[tc.field] == "" {
				t.Fatalf("no problem for %s: %v", tc.field, bad)
			}
			if list, _ := e.store.ListIdentityProviders(t.Context()); len(list) != 0 {
				t.Fatalf("an invalid provider was stored: %+v", list)
			}
		})
	}
}

// The secrets go in and never come out: not in the answer, not in its JSON,
// not in plain in the store; the stored ones are sealed to their provider.
func TestSecretsNeverReturnedAndSealed(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	in := esiaInput(t, "esia")
	p, bad, err := e.svc.Create(ctx, in, operator)
	if err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	y, bad, err := e.svc.Create(ctx, yandexInput("yandex", "very-secret-value"), operator)
	if err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	if !p.KeySet || p.ClientSecretSet || !y.ClientSecretSet || y.KeySet {
		t.Fatalf("set marks: esia %v/%v, yandex %v/%v", p.KeySet, p.ClientSecretSet, y.KeySet, y.ClientSecretSet)
	}
	list, err := e.svc.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, shown := range append(list, p, y) {
		b, _ := json.Marshal(shown)
		for _, secret := range []string{"very-secret-value", "PRIVATE KEY", "file-secret"} {
			if strings.Contains(string(b), secret) {
				t.Fatalf("%s shown: %s", secret, b)
			}
		}
	}
	if list[0].Source != FromConfig || list[0].ID != "corp" || !list[0].ClientSecretSet || list[1].Source != FromAPI {
		t.Fatalf("list %+v", list)
	}

	stored, err := e.store.IdentityProviderByID(ctx, "yandex")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(stored)
	if strings.Contains(string(raw), "very-secret-value") || !strings.HasPrefix(stored.Secrets[SecretClient], "sealed:v1:") {
		t.Fatalf("stored in plain: %s", raw)
	}
	cfg, err := e.svc.unpack(stored)
	if err != nil || cfg.ClientSecret != "very-secret-value" {
		t.Fatalf("unpack: %q, %v", cfg.ClientSecret, err)
	}
	// Moved to another provider, or opened with another key, it does not open.
	moved := stored
	moved.ID = "other"
	if _, err := e.svc.unpack(moved); err == nil {
		t.Fatal("a secret moved to another provider opened")
	}
	other, _ := New(e.store, Config{Key: []byte(strings.Repeat("k", 32))})
	if _, err := other.unpack(stored); err == nil {
		t.Fatal("a secret opened under another master key")
	}
	esia, _ := e.store.IdentityProviderByID(ctx, "esia")
	if strings.Contains(esia.Config, "PRIVATE KEY") || !strings.HasPrefix(esia.Secrets[SecretKey], "sealed:v1:") {
		t.Fatalf("ESIA key stored in plain: %+v", esia)
	}
}

func TestUpdateKeepsReplacesAndDropsSecrets(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	if _, bad, err := e.svc.Create(ctx, yandexInput("yandex", "first"), operator); err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	secretOf := func() string {
		p, err := e.store.IdentityProviderByID(ctx, "yandex")
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.svc.unpack(p)
		if err != nil {
			t.Fatal(err)
		}
		return c.ClientSecret
	}
	// A form that leaves the secret empty keeps it.
	in := yandexInput("yandex", "")
	in.Scopes = []string{"login:info", "login:email"}
	p, bad, err := e.svc.Update(ctx, "yandex", in, 0, operator)
	if err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	if secretOf() != "first" || p.Version != 1 || len(p.Scopes) != 2 || !p.Enabled {
		t.Fatalf("after update: secret %q, %+v", secretOf(), p)
	}
	// A stale version is refused.
	if _, _, err := e.svc.Update(ctx, "yandex", in, 0, operator); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	// A given secret replaces it; the audit says so, without the value.
	in.ClientSecret = "second"
	if _, bad, err := e.svc.Update(ctx, "yandex", in, -1, operator); err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	if secretOf() != "second" {
		t.Fatalf("secret %q, want second", secretOf())
	}
	events, err := e.store.QueryAudit(ctx, storage.AuditQuery{Type: directory.EventIdentityProviderUpdated})
	if err != nil || len(events) != 2 {
		t.Fatalf("update events %v, %v", events, err)
	}
	if d := events[0].Details; d["client_secret"] != "replaced" || d["provider"] != "yandex" || events[0].Actor != "op-1" {
		t.Fatalf("latest update event %+v", events[0])
	}
	for _, ev := range events {
		if strings.Contains(strings.Join([]string{ev.Details["changed"], ev.Details["client_secret"]}, " "), "second") {
			t.Fatalf("secret in the audit: %+v", ev)
		}
	}
	// Made an ESIA provider, it keeps no client secret (ESIA takes none).
	esia := esiaInput(t, "yandex")
	if _, bad, err := e.svc.Update(ctx, "yandex", esia, -1, operator); err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	stored, _ := e.store.IdentityProviderByID(ctx, "yandex")
	if _, has := stored.Secrets[SecretClient]; has || stored.Secrets[SecretKey] == "" {
		t.Fatalf("secrets after the change of type: %v", stored.Secrets)
	}
	// The ID never changes.
	moved := yandexInput("yandex-2", "")
	if _, bad, _ := e.svc.Update(ctx, "yandex", moved, -1, operator); bad["id"] == "" {
		t.Fatalf("id change not refused: %v", bad)
	}
}

func TestFileProvidersAreReadOnly(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	if _, _, err := e.svc.Create(ctx, yandexInput("corp", "s"), operator); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("create over a file provider: %v", err)
	}
	if _, _, err := e.svc.Update(ctx, "corp", yandexInput("corp", "s"), -1, operator); !errors.Is(err, ErrConfigured) {
		t.Fatalf("update: %v", err)
	}
	if err := e.svc.Delete(ctx, "corp", operator); !errors.Is(err, ErrConfigured) {
		t.Fatalf("delete: %v", err)
	}
	if _, err := e.svc.SetEnabled(ctx, "corp", false, operator); !errors.Is(err, ErrConfigured) {
		t.Fatalf("disable: %v", err)
	}
	p, err := e.svc.Get(ctx, "corp")
	if err != nil || p.Source != FromConfig || !p.Enabled {
		t.Fatalf("get %+v, %v", p, err)
	}
}

func TestDisableDeleteAudited(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	if _, bad, err := e.svc.Create(ctx, yandexInput("yandex", "s"), operator); err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	p, err := e.svc.SetEnabled(ctx, "yandex", false, operator)
	if err != nil || p.Enabled {
		t.Fatalf("disable: %+v, %v", p, err)
	}
	if err := e.svc.Delete(ctx, "yandex", operator); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Delete(ctx, "yandex", operator); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	for typ, want := range map[string]string{directory.EventIdentityProviderCreated: "yandex",
		directory.EventIdentityProviderEnabled: "false", directory.EventIdentityProviderDeleted: "yandex"} {
		events, err := e.store.QueryAudit(ctx, storage.AuditQuery{Type: typ})
		if err != nil || len(events) != 1 {
			t.Fatalf("%s: %v, %v", typ, events, err)
		}
		if d := events[0].Details; d["provider"] != want && d["enabled"] != want {
			t.Fatalf("%s details %v", typ, d)
		}
	}
}
