package directory

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/vhod-id/vhod/certauth/certtest"
)

func TestParseAnchor(t *testing.T) {
	root := certtest.NewRoot(t, certtest.Options{})
	leaf, _ := root.Leaf(t, certtest.Options{})
	for name, tc := range map[string]struct {
		in []byte
		ok bool
	}{
		"PEM":            {certtest.PEM(root.Cert), true},
		"DER":            {root.Cert.Raw, true},
		"base64 wrapped": {[]byte(base64.StdEncoding.EncodeToString(root.Cert.Raw)[:40] + "\n" + base64.StdEncoding.EncodeToString(root.Cert.Raw)[40:]), true},
		"a leaf":         {certtest.PEM(leaf), false},
		"two":            {append(certtest.PEM(root.Cert), certtest.PEM(root.Cert)...), false},
		"garbage":        {[]byte("hello"), false},
		"empty":          {nil, false},
	} {
		c, err := parseAnchor(tc.in)
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrBadAnchor)) {
			t.Errorf("%s: %v", name, err)
		}
		if tc.ok && err == nil && !c.Equal(root.Cert) {
			t.Errorf("%s: another certificate", name)
		}
	}
}

func FuzzParseAnchor(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	f.Add([]byte{0x30, 0x82, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := parseAnchor(b); err == nil && !c.IsCA {
			t.Fatal("a non-CA certificate accepted")
		}
	})
}
