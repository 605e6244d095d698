package idp

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/vhod-id/vhod/connector"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// fileFields are the settings naming a file connector.New reads; its errors
// start with one of them, which is how a failed trial build is put on a field.
var fileFields = []string{"client_secret_file", "root_ca_file", "tls_cert_file", "tls_key_file",
	"provider_cert_file", "cert_file", "key_file", "key"}

// Problems checks cfg as a provider to store: connector's own rules, then a
// trial build (which reads the files it names and parses keys and
// certificates, but contacts no provider). nil when nothing is wrong.
//
// client_secret_file is refused here: the file's content goes to a token
// endpoint the same request chooses, so an API caller could have any file
// the server can read sent anywhere. A secret given through the API is given
// as a value (client_secret), sealed at rest.
func (s *Service) Problems(cfg connector.Config) map[string]string {
	bad := cfg.Problems()
	add := func(field, msg string) {
		if bad == nil {
			bad = map[string]string{}
		}
		if bad[field] == "" {
			bad[field] = msg
		}
	}
	if cfg.ClientSecretFile != "" {
		add("client_secret_file", "give the secret itself as client_secret: it is kept sealed")
	}
	// The levels a sign-in may reach are Vhod's (the file's providers are
	// held to the same at load).
	for field, v := range map[string]string{"acr": cfg.ACR, "acr_confirmed": cfg.ACRConfirmed} {
		if v != "" && !slices.Contains(directory.ACRLevels, v) {
			add(field, fmt.Sprintf("%q is not one of %v", v, directory.ACRLevels))
		}
	}
	if cfg.ACRConfirmed != "" && cfg.Type != connector.TypeESIA {
		add("acr_confirmed", "only ESIA marks accounts confirmed")
	}
	if bad != nil {
		return bad
	}
	if _, err := connector.New(cfg, s.cfg.Options); err != nil {
		msg := err.Error()
		// New says `identity provider "id": field …`.
		if _, rest, ok := strings.Cut(msg, `": `); ok {
			msg = rest
		}
		field := "config"
		for _, f := range fileFields {
			if strings.HasPrefix(msg, f+" ") || strings.HasPrefix(msg, f+":") {
				field = f
				break
			}
		}
		if field == "key_file" && cfg.Key != "" {
			field = "key" // connector names the key by its usual field
		}
		return map[string]string{field: msg}
	}
	return nil
}

// changes names the settings that differ between two stored versions of a
// provider (JSON field names), and "enabled", "order"; never a value.
func changes(a, b storage.IdentityProvider, s *Service) []string {
	var out []string
	ca, errA := s.unpack(a)
	cb, errB := s.unpack(b)
	if errA == nil && errB == nil {
		va, vb := reflect.ValueOf(ca), reflect.ValueOf(cb)
		for i := range va.NumField() {
			f := va.Type().Field(i)
			if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
				name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				out = append(out, name)
			}
		}
	}
	if a.Enabled != b.Enabled {
		out = append(out, "enabled")
	}
	if a.Order != b.Order {
		out = append(out, "order")
	}
	slices.Sort(out)
	return out
}
