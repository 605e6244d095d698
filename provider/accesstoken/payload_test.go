package accesstoken

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/provider/claims"
	"github.com/vhod-id/vhod/storage"
)

// TestPayloadIsMapJSON: the hand-written claims are, byte for byte, the
// encoding/json encoding of the map of claims they replaced (mapClaims), for
// a client's own token, a person's with every claim, and odd values.
func TestPayloadIsMapJSON(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	person := storage.Grant{ClientID: "shop", Subject: "u1", Audience: []string{"shop", "api"}, Scopes: []string{"openid", "profile"},
		Family: "g1", SessionID: "s1", OrgID: "o1", JKT: "jkt", X5T: "x5t", UILocale: "ru-RU", ACR: "urn:acr:1", AMR: []string{"pwd", "otp"},
		AuthTime: now.Add(-time.Minute), Certificate: &storage.CertificateRef{SHA256: "abc"}}
	odd := storage.Grant{ClientID: `c"<&>\`, Subject: "ю\u2028", Audience: []string{}, Scopes: []string{""}, X5T: "only-x5t",
		Certificate: &storage.CertificateRef{}, AMR: []string{"x"}, AuthTime: time.Unix(0, 0)}
	for _, tc := range []struct {
		name string
		g    storage.Grant
		org  *orgs.Claims
	}{
		{"client's own", storage.Grant{ClientID: "bench", Subject: "bench", Audience: []string{"bench"}, Scopes: []string{"api:read"}, Family: "f"}, nil},
		{"client's own, nothing else", storage.Grant{ClientID: "bench", Subject: "bench"}, nil},
		{"system", storage.Grant{ClientID: "sys", Subject: "sys", OrgID: "o1", Family: "f", JKT: "k"},
			&orgs.Claims{Org: &orgs.Ref{ID: "o1", Name: "ООО «Рога & копыта»", INN: "7700000000"}, Roles: []string{"reader", "writer"}}},
		{"system, no org, no roles", storage.Grant{ClientID: "sys", Subject: "sys"}, &orgs.Claims{}},
		{"person, every claim", person, nil},
		{"person as its client", func() storage.Grant { g := person; g.Subject = g.ClientID; return g }(), nil},
		{"odd values", odd, nil},
	} {
		at := storage.AccessToken{ID: "J<1>", Grant: tc.g, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		got, err := payloadOf("https://id.example", at, tc.org)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(mapClaims("https://id.example", at, tc.org))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s:\n got  %s\n want %s", tc.name, got, want)
		}
	}
}

// mapClaims is how the claims were built before payloadOf: a map, encoded by
// encoding/json. It stays here as payloadOf's reference.
func mapClaims(issuer string, t storage.AccessToken, org *orgs.Claims) map[string]any {
	g := t.Grant
	aud := g.Audience
	if len(aud) == 0 {
		aud = []string{g.ClientID}
	}
	out := map[string]any{
		"iss": issuer, "sub": g.Subject, "aud": aud, "client_id": g.ClientID,
		"exp": t.ExpiresAt.Unix(), "iat": t.CreatedAt.Unix(), "nbf": t.CreatedAt.Unix(), "jti": t.ID,
	}
	if len(g.Scopes) > 0 {
		out[claims.Scope] = strings.Join(g.Scopes, " ")
	}
	if g.Subject != g.ClientID {
		if !g.AuthTime.IsZero() {
			out["auth_time"] = g.AuthTime.Unix()
		}
		if g.ACR != "" {
			out[claims.ACR] = g.ACR
		}
		if len(g.AMR) > 0 {
			out["amr"] = g.AMR
		}
	}
	if cnf := Cnf(g.JKT, g.X5T); cnf != nil {
		out[claims.Cnf] = cnf
	}
	if g.SessionID != "" {
		out[claims.SID] = g.SessionID
	}
	if g.Family != "" {
		out[claims.GrantID] = g.Family
	}
	if g.OrgID != "" {
		out[claims.OrgID] = g.OrgID
	}
	if g.Certificate != nil {
		out[claims.CertSHA256] = g.Certificate.SHA256
	}
	if g.UILocale != "" {
		out[claims.UILocale] = g.UILocale
	}
	if org != nil {
		out[claims.Org], out[claims.Roles] = org.Org, org.Roles
	}
	return out
}
