package main

import (
	"fmt"
	"io"
	"net/url"
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/vhod-id/vhod/connector"
)

// masked replaces every secret in the printed configuration.
const masked = "*****"

// runConfig prints the effective configuration: the file, the VHOD_ variables and
// the defaults together, with secrets masked.
func runConfig(args []string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "reference" {
		return runConfigReference(args[1:], stdout)
	}
	if len(args) == 0 || args[0] != "show" {
		return fmt.Errorf("usage: vhod config show [--config FILE] | vhod config reference [--lang en|ru]")
	}
	cfg, err := configFromFlags("config show", args[1:])
	if err != nil {
		return err
	}
	shown := maskSecrets(*cfg)
	enc := yaml.NewEncoder(stdout)
	enc.SetIndent(2)
	if err := enc.Encode(&shown); err != nil {
		return err
	}
	return enc.Close()
}

// maskSecrets returns a copy with every field tagged secret:"true" masked and the
// password of the database URI hidden.
func maskSecrets(c Config) Config {
	c.Bootstrap.Clients = append([]BootstrapClient(nil), c.Bootstrap.Clients...)
	c.Bootstrap.Users = append([]BootstrapUser(nil), c.Bootstrap.Users...)
	c.IdentityProviders = append([]connector.Config(nil), c.IdentityProviders...)
	maskValue(reflect.ValueOf(&c).Elem())
	if u, err := url.Parse(c.Database.URI); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			c.Database.URI = u.String()
		}
	}
	return c
}

func maskValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if f.Tag.Get("secret") == "true" && f.Type.Kind() == reflect.String && v.Field(i).String() != "" &&
				f.Name != "URI" {
				v.Field(i).SetString(masked)
				continue
			}
			maskValue(v.Field(i))
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			maskValue(v.Index(i))
		}
	}
}
