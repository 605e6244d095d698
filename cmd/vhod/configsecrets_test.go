package main

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/connector"
)

// secretName is a config field that by its name holds a secret itself (not
// the path of a file that holds one, not a public key or ID).
var secretName = regexp.MustCompile(`(^|_)(key|secret|password|token|pin|passphrase)$`)

// notSecret are fields named like secrets that are public: a captcha's site
// key is put on pages, a role's key is its name in a catalogue.
var notSecret = map[string]bool{"Config.Captcha.SiteKey": true, "Config.Bootstrap.RoleCatalogues.Roles.Key": true}

// Every string field of the config named like a secret is tagged
// secret:"true", so `vhod config show` masks it: a new field (an inline ESIA
// key) cannot slip out in clear.
func TestConfigSecretsAreTagged(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(ty reflect.Type, path string)
	walk = func(ty reflect.Type, path string) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice || ty.Kind() == reflect.Map {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || seen[ty] {
			return
		}
		seen[ty] = true
		for i := 0; i < ty.NumField(); i++ {
			f := ty.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			if f.Type.Kind() == reflect.String && secretName.MatchString(name) && !notSecret[path+"."+f.Name] && f.Tag.Get("secret") != "true" {
				t.Errorf("%s.%s (%s) looks like a secret but is not tagged secret:\"true\"", path, f.Name, name)
			}
			walk(f.Type, path+"."+f.Name)
		}
	}
	walk(reflect.TypeOf(Config{}), "Config")
}

// An inline ESIA key is masked by `config show`.
func TestConfigShowMasksTheInlineKey(t *testing.T) {
	c := Config{}
	c.IdentityProviders = append(c.IdentityProviders, connector.Config{ID: "esia", Type: connector.TypeESIA, Key: "-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----"})
	shown := maskSecrets(c)
	if strings.Contains(shown.IdentityProviders[0].Key, "PRIVATE KEY") || !strings.Contains(c.IdentityProviders[0].Key, "PRIVATE KEY") {
		t.Fatalf("shown %q, running %q", shown.IdentityProviders[0].Key, c.IdentityProviders[0].Key)
	}
}
