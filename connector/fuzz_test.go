package connector

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/vhod-id/vhod/internal/fixtures"
)

// The parsers of what providers send must never panic, whatever arrives:
// ID tokens, userinfo and profile JSON, ESIA's REST answers.

func FuzzParseJWT(f *testing.F) {
	f.Add("eyJhbGciOiJHT1NUMzQxMF8yMDEyXzI1NiJ9.eyJleHAiOjEsImF1ZCI6WyJhIl0sIm5vbmNlIjoibiJ9.c2ln")
	f.Add("e30.e30.")
	f.Add("..")
	f.Add("a.b.c.d")
	key, err := loadESIACert(filepath.Join(fixtures.Dir(f), "gost", "employee.crt.pem"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := parseJWT(raw)
		if err != nil {
			return
		}
		_ = tok.checkClaims("iss", "aud", "n", true, time.Unix(0, 0))
		_ = esiaOID(tok.Claims)
		if key.verify(tok) == nil {
			t.Fatalf("a made-up token verified: %q", raw)
		}
	})
}

func FuzzIdentityFromClaims(f *testing.F) {
	f.Add([]byte(`{"sub":"1","family_name":"Иванов","email":"a@b","email_verified":"true","phone_number":"8 (909) 000-00-00","phone_number_verified":true,"snils":"112-233-445 95","amr":["pwd"]}`))
	f.Add([]byte(`{"sub":1e300,"email":["x"],"phone_number":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var claims map[string]any
		if json.Unmarshal(b, &claims) != nil {
			return
		}
		id := identityFromClaims("p", claims, map[string]string{"snils": "ru_snils"})
		if id.EmailVerified && id.Email == "" || id.PhoneVerified && id.Phone == "" {
			t.Fatalf("verified without a value: %+v", id)
		}
		_ = lacksProfile(claims, nil)
		_ = stringList(claims["amr"])
	})
}

func FuzzProfiles(f *testing.F) {
	f.Add([]byte(`{"id":"1","default_email":"a@b","default_phone":{"number":"+79090000000"}}`))
	f.Add([]byte(`{"user":{"user_id":5,"phone":"79991234567"}}`))
	f.Add([]byte(`{"id":5}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var raw map[string]any
		if json.Unmarshal(b, &raw) != nil {
			return
		}
		if id, err := parseYandex(raw); err == nil && id.Subject == "" {
			t.Fatal("a Yandex profile without id was accepted")
		}
		if id, err := parseVK(raw); err == nil && id.Subject == "" {
			t.Fatal("a VK profile without user_id was accepted")
		}
	})
}

func FuzzESIA(f *testing.F) {
	f.Add([]byte(`{"firstName":"Иван","lastName":"Иванов","trusted":true,"snils":"112-233-445 95","inn":"500100732259"}`),
		[]byte(`{"elements":[{"type":"EML","vrfStu":"VERIFIED","value":"a@b"},{"type":"MBT","vrfStu":"VERIFIED","value":"+7(909)0000000"},"https://x"]}`),
		[]byte(`{"elements":[{"oid":1,"fullName":"ООО","ogrn":"1027700132195","chief":true,"active":false},{"type":"AGENCY"}]}`))
	f.Add([]byte(`[]`), []byte(`{"elements":[1,null,{}]}`), []byte(`{"elements":"x"}`))
	f.Fuzz(func(t *testing.T, person, contacts, orgs []byte) {
		_, _, _ = parseESIAPerson(person)
		id := &Identity{}
		_ = applyESIAContacts(id, contacts)
		if id.EmailVerified && id.Email == "" || id.PhoneVerified && id.Phone == "" {
			t.Fatalf("verified without a value: %+v", id)
		}
		list, err := parseESIAOrgs(orgs)
		for _, o := range list {
			if err == nil && o.OGRN == "" {
				t.Fatalf("an organisation without OGRN: %+v", o)
			}
		}
	})
}
