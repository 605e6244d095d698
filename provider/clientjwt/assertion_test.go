package clientjwt

import (
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// TestClientAssertionClaims: RFC 7523 section 3's claim rules with Vhod's
// bound on the assertion's life.
func TestClientAssertionClaims(t *testing.T) {
	maxAge := 2 * time.Minute
	now := time.Unix(1_800_000_000, 0)
	// What the provider passes for an assertion sent to introspection.
	audiences := []string{testIssuer, testIssuer + "/oauth/token", testIssuer + "/oauth/introspect"}
	at := func(d time.Duration) *jwt.NumericDate { return jwt.NewNumericDate(now.Add(d)) }
	base := func() jwt.Claims {
		return jwt.Claims{Issuer: "c", Subject: "c", ID: "j", Audience: jwt.Audience{testIssuer}, Expiry: at(time.Minute), IssuedAt: at(0)}
	}
	for _, tc := range []struct {
		name string
		edit func(*jwt.Claims)
		desc string
	}{
		{"valid", func(*jwt.Claims) {}, ""},
		{"aud the endpoint it came to", func(c *jwt.Claims) { c.Audience = jwt.Audience{testIssuer + "/oauth/introspect"} }, ""},
		{"aud the token endpoint", func(c *jwt.Claims) { c.Audience = jwt.Audience{"x", testIssuer + "/oauth/token"} }, ""},
		{"expired within the skew", func(c *jwt.Claims) { c.Expiry = at(-10 * time.Second) }, ""},
		{"iss not the client", func(c *jwt.Claims) { c.Issuer = "d" }, "iss and sub"},
		{"no jti", func(c *jwt.Claims) { c.ID = "" }, "no jti"},
		{"no exp", func(c *jwt.Claims) { c.Expiry = nil }, "no exp"},
		{"wrong aud", func(c *jwt.Claims) { c.Audience = jwt.Audience{"https://other"} }, "aud"},
		{"expired", func(c *jwt.Claims) { c.Expiry = at(-time.Minute) }, "expired"},
		{"iat in the future", func(c *jwt.Claims) { c.IssuedAt = at(time.Minute) }, "future"},
		{"nbf in the future", func(c *jwt.Claims) { c.NotBefore = at(time.Minute) }, "nbf"},
		{"lives too long", func(c *jwt.Claims) { c.Expiry = at(10 * time.Minute) }, "lives longer"},
		{"no iat: life from now", func(c *jwt.Claims) { c.IssuedAt = nil; c.Expiry = at(10 * time.Minute) }, "lives longer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.edit(&c)
			err := checkAssertionClaims(c, "c", audiences, maxAge, now)
			if tc.desc == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.desc) {
				t.Fatalf("%v, want %q", err, tc.desc)
			}
		})
	}
	// The default bound applies when none is configured.
	c := base()
	c.Expiry = at(DefaultAssertionMaxAge + time.Minute)
	if err := checkAssertionClaims(c, "c", audiences, 0, now); err == nil {
		t.Fatal("an assertion longer than the default bound passed")
	}
}
