package connector

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// standardClaims are OpenID Connect's names (Core §5.1) for Identity's
// fields, and the Russian ones Vhod itself issues (snils, inn).
var standardClaims = map[string]string{
	"subject": "sub", "last_name": "family_name", "first_name": "given_name", "middle_name": "middle_name",
	"name": "name", "email": "email", "email_verified": "email_verified", "phone": "phone_number",
	"phone_verified": "phone_number_verified", "snils": "snils", "inn": "inn",
}

// identityFromClaims reads claims (an ID token's or userinfo's) into an
// Identity, with the operator's claim names where set.
func identityFromClaims(provider string, claims map[string]any, mapping map[string]string) *Identity {
	name := func(field string) string {
		if n := mapping[field]; n != "" {
			return n
		}
		return standardClaims[field]
	}
	str := func(field string) string { return claimString(claims[name(field)]) }
	id := &Identity{
		Provider:   provider,
		Subject:    str("subject"),
		LastName:   str("last_name"),
		FirstName:  str("first_name"),
		MiddleName: str("middle_name"),
		Name:       str("name"),
		Email:      strings.TrimSpace(str("email")),
		SNILS:      digits(str("snils")),
		INN:        digits(str("inn")),
		Raw:        claims,
	}
	id.EmailVerified = id.Email != "" && claimBool(claims[name("email_verified")])
	id.Phone = normalizePhone(str("phone"))
	id.PhoneVerified = id.Phone != "" && claimBool(claims[name("phone_verified")])
	return id
}

// claimString reads a string claim; numbers (some providers send ids as
// numbers) are written without exponent.
func claimString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case fmt.Stringer:
		return x.String()
	}
	return ""
}

// claimBool reads true or "true" (AWS Cognito and others send strings).
func claimBool(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true")
	}
	return false
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normalizePhone writes a phone in E.164 (Russian numbers may come as
// "+7(909)0000000" from ESIA or "79090000000" from Yandex); a number that
// cannot be read is dropped rather than matched loosely.
func normalizePhone(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if d := digits(s); len(d) == 11 && (d[0] == '7' || d[0] == '8') && !strings.HasPrefix(s, "+") {
		s = "+7" + d[1:]
	}
	n, err := phonenumbers.Parse(s, "RU")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}

// flexString takes a JSON string or number: providers send ids as either.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = flexString(claimString(v))
	return nil
}
