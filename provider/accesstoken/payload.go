package accesstoken

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/provider/claims"
	"github.com/vhod-id/vhod/provider/respond"
	"github.com/vhod-id/vhod/storage"
)

// payloadOf is the JSON claims set of a JWT access token: RFC 9068 section 2.2
// (iss, sub, aud, client_id, exp, iat, nbf, jti, scope), the sign-in (section
// 2.2.1: auth_time, acr, amr — not in a client's own token), and what Vhod
// needs to revoke it and to answer userinfo without a record: cnf (RFC 7800:
// the DPoP key, the client certificate), sid, gid (the grant), org_id,
// cert_sha256, ui_locale, and an integration system's org and roles.
//
// It is written by hand, members in the order encoding/json gives a map
// (sorted by name), every string escaped as it escapes it: the reflective
// encoding of a map was a fifth of a token's allocations. TestPayloadIsMapJSON
// holds it to the map's encoding, byte for byte.
func payloadOf(issuer string, t storage.AccessToken, org *orgs.Claims) ([]byte, error) {
	g := t.Grant
	person := g.Subject != g.ClientID
	b := make([]byte, 0, 512)
	sep := byte('{')
	name := func(n string) {
		b = append(b, sep, '"')
		b = append(b, n...)
		b = append(b, '"', ':')
		sep = ','
	}
	str := func(n, v string) {
		name(n)
		b = respond.AppendJSONString(b, v)
	}
	strs := func(n string, v []string) {
		name(n)
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = respond.AppendJSONString(b, s)
		}
		b = append(b, ']')
	}
	num := func(n string, v int64) {
		name(n)
		b = strconv.AppendInt(b, v, 10)
	}
	if person && g.ACR != "" {
		str(claims.ACR, g.ACR)
	}
	if person && len(g.AMR) > 0 {
		strs("amr", g.AMR)
	}
	if aud := g.Audience; len(aud) > 0 {
		strs("aud", aud)
	} else {
		strs("aud", []string{g.ClientID})
	}
	if person && !g.AuthTime.IsZero() {
		num("auth_time", g.AuthTime.Unix())
	}
	if g.Certificate != nil {
		str(claims.CertSHA256, g.Certificate.SHA256)
	}
	str("client_id", g.ClientID)
	if g.JKT != "" || g.X5T != "" {
		name(claims.Cnf)
		b = append(b, '{')
		if g.JKT != "" {
			b = append(b, `"jkt":`...)
			b = respond.AppendJSONString(b, g.JKT)
		}
		if g.X5T != "" {
			if g.JKT != "" {
				b = append(b, ',')
			}
			b = append(b, `"x5t#S256":`...)
			b = respond.AppendJSONString(b, g.X5T)
		}
		b = append(b, '}')
	}
	num("exp", t.ExpiresAt.Unix())
	if g.Family != "" {
		str(claims.GrantID, g.Family)
	}
	num("iat", t.CreatedAt.Unix())
	str("iss", issuer)
	str("jti", t.ID)
	num("nbf", t.CreatedAt.Unix())
	if org != nil {
		v, err := json.Marshal(org.Org)
		if err != nil {
			return nil, err
		}
		name(claims.Org)
		b = append(b, v...)
	}
	if g.OrgID != "" {
		str(claims.OrgID, g.OrgID)
	}
	if org != nil {
		v, err := json.Marshal(org.Roles)
		if err != nil {
			return nil, err
		}
		name(claims.Roles)
		b = append(b, v...)
	}
	if len(g.Scopes) > 0 {
		str(claims.Scope, strings.Join(g.Scopes, " "))
	}
	if g.SessionID != "" {
		str(claims.SID, g.SessionID)
	}
	str("sub", g.Subject)
	if g.UILocale != "" {
		str(claims.UILocale, g.UILocale)
	}
	return append(b, '}'), nil
}
