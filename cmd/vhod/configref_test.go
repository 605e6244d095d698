package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestConfigDocsComplete: every key the file takes has a description in both
// languages, and every leaf key an example.
func TestConfigDocsComplete(t *testing.T) {
	keys := configKeys()
	if len(keys) < 100 {
		t.Fatalf("configKeys found only %d keys: the walk lost part of Config", len(keys))
	}
	for _, k := range keys {
		d, ok := configDocs[k.Path]
		switch {
		case !ok:
			t.Errorf("config key %s has no description: add it to configDocs (cmd/vhod/configdocs*.go)", k.Path)
		case d.EN == "" || d.RU == "":
			t.Errorf("config key %s lacks its English or Russian description", k.Path)
		case !k.Section && d.Example == "":
			t.Errorf("config key %s has no example", k.Path)
		}
	}
}

// TestConfigDocsExist: every documented key is a key of Config (a renamed or
// removed field leaves no stale entry behind).
func TestConfigDocsExist(t *testing.T) {
	known := map[string]bool{}
	for _, k := range configKeys() {
		known[k.Path] = true
	}
	for path := range configDocs {
		if !known[path] {
			t.Errorf("configDocs documents %s, which is not a key of the configuration", path)
		}
	}
}

// TestConfigReferenceEnv: the variable the reference names for a key really
// sets that key through applyEnv.
func TestConfigReferenceEnv(t *testing.T) {
	samples := map[reflect.Kind]string{reflect.String: "x", reflect.Bool: "true", reflect.Slice: "a,b"}
	for _, k := range configKeys() {
		if k.Env == "" {
			continue
		}
		raw := samples[k.Type.Kind()]
		switch tt := k.Type; {
		case tt == reflect.TypeOf(time.Duration(0)) || tt == reflect.TypeOf((*time.Duration)(nil)):
			raw = "7s"
		case tt.Kind() == reflect.Pointer:
			raw = "true"
		case tt.Kind() >= reflect.Int && tt.Kind() <= reflect.Uint64:
			raw = "7"
		}
		var c Config
		err := applyEnv(&c, func(name string) (string, bool) { return raw, name == k.Env })
		if err != nil {
			t.Errorf("%s=%s: %v", k.Env, raw, err)
			continue
		}
		if reflect.ValueOf(c).IsZero() {
			t.Errorf("%s=%s set nothing, though the reference names it for %s", k.Env, raw, k.Path)
		}
	}
}

// TestConfigReferenceCommitted: docs/en and docs/ru configuration.md are the
// command's output, so the committed reference cannot drift from the code.
func TestConfigReferenceCommitted(t *testing.T) {
	for _, lang := range []string{"en", "ru"} {
		var out bytes.Buffer
		if err := writeConfigReference(&out, lang); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join("..", "..", "docs", lang, "configuration.md")
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v: run go run ./cmd/vhod config reference --lang %s > docs/%s/configuration.md", err, lang, lang)
		}
		if !bytes.Equal(got, out.Bytes()) {
			t.Errorf("docs/%s/configuration.md differs from the command's output: run go run ./cmd/vhod config reference --lang %s > docs/%s/configuration.md", lang, lang, lang)
		}
	}
}

// TestConfigReferenceShowsDefaults: defaults come from setDefaults, not from
// the descriptions (a spot check of a few the code sets).
func TestConfigReferenceShowsDefaults(t *testing.T) {
	var out bytes.Buffer
	if err := writeConfigReference(&out, "en"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| `tokens.access_token_lifetime`<br>`VHOD_TOKENS_ACCESS_TOKEN_LIFETIME` | duration | `15m` |",
		"| `passwords.memory_kib`<br>`VHOD_PASSWORDS_MEMORY_KIB` | integer | `19456` |",
		"| `certauth.ocsp.enabled`<br>`VHOD_CERTAUTH_OCSP_ENABLED` | boolean | `true` |",
		"| `bootstrap.clients[].id` | string | — |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the reference lacks the line starting %q", want)
		}
	}
}
