package certauth

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"

	"github.com/vhod-id/vhod/internal/ruid"
)

// Attribute types of Russian qualified certificates (FSB order No. 795) and the
// X.520 ones that carry the holder's names.
var (
	oidOGRN    = asn1.ObjectIdentifier{1, 2, 643, 100, 1}
	oidSNILS   = asn1.ObjectIdentifier{1, 2, 643, 100, 3}
	oidINNLE   = asn1.ObjectIdentifier{1, 2, 643, 100, 4}
	oidOGRNIP  = asn1.ObjectIdentifier{1, 2, 643, 100, 5}
	oidINN     = asn1.ObjectIdentifier{1, 2, 643, 3, 131, 1, 1}
	oidSurname = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidGiven   = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidTitle   = asn1.ObjectIdentifier{2, 5, 4, 12}
	oidEmail   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
)

// Subject is what a certificate says about its holder. Numbers whose check digits
// fail are left out and named in Invalid: a CA's typo must not become an
// identity.
type Subject struct {
	CommonName   string   `json:"cn,omitempty"`
	Surname      string   `json:"surname,omitempty"`
	GivenName    string   `json:"given_name,omitempty"`
	Patronymic   string   `json:"patronymic,omitempty"`
	Organization string   `json:"organization,omitempty"`
	Title        string   `json:"title,omitempty"`
	Email        string   `json:"email,omitempty"`
	SNILS        string   `json:"snils,omitempty"`
	INN          string   `json:"inn,omitempty"`    // the holder's own (12 digits)
	INNLE        string   `json:"inn_le,omitempty"` // the legal entity's (10 digits)
	OGRN         string   `json:"ogrn,omitempty"`
	OGRNIP       string   `json:"ogrnip,omitempty"`
	Invalid      []string `json:"invalid,omitempty"`
}

// ReadSubject reads the holder's names and numbers from c.
func ReadSubject(c *x509.Certificate) Subject {
	s := Subject{CommonName: c.Subject.CommonName}
	if len(c.Subject.Organization) > 0 {
		s.Organization = c.Subject.Organization[0]
	}
	number := func(field *string, name, v string, valid func(string) bool) {
		v = strings.TrimSpace(v)
		if valid(v) {
			*field = v
		} else {
			s.Invalid = append(s.Invalid, fmt.Sprintf("%s %q", name, v))
		}
	}
	for _, a := range c.Subject.Names {
		v, ok := a.Value.(string)
		if !ok {
			continue
		}
		switch t := a.Type; {
		case t.Equal(oidSurname):
			s.Surname = strings.TrimSpace(v)
		case t.Equal(oidGiven):
			// G holds the given name and the patronymic: "Иван Сергеевич".
			given, patronymic, _ := strings.Cut(strings.TrimSpace(v), " ")
			s.GivenName, s.Patronymic = given, strings.TrimSpace(patronymic)
		case t.Equal(oidTitle):
			s.Title = strings.TrimSpace(v)
		case t.Equal(oidEmail):
			s.Email = strings.ToLower(strings.TrimSpace(v))
		case t.Equal(oidSNILS):
			number(&s.SNILS, "SNILS", ruid.NormalizeSNILS(v), ruid.ValidSNILS)
		case t.Equal(oidOGRN):
			number(&s.OGRN, "OGRN", v, ruid.ValidOGRN)
		case t.Equal(oidOGRNIP):
			number(&s.OGRNIP, "OGRNIP", v, ruid.ValidOGRNIP)
		case t.Equal(oidINNLE):
			number(&s.INNLE, "INNLE", v, ruid.ValidINN10)
		case t.Equal(oidINN):
			// Before 2021 a legal entity's INN went here as "00" + 10 digits.
			if len(v) == 12 && strings.HasPrefix(v, "00") && s.INNLE == "" {
				number(&s.INNLE, "INN", v[2:], ruid.ValidINN10)
				continue
			}
			number(&s.INN, "INN", v, ruid.ValidINN12)
		}
	}
	if s.Email == "" && len(c.EmailAddresses) > 0 {
		s.Email = strings.ToLower(c.EmailAddresses[0])
	}
	return s
}

// FullName is "Surname Given Patronymic", or the CN when the parts are missing.
func (s Subject) FullName() string {
	if s.Surname == "" && s.GivenName == "" {
		return s.CommonName
	}
	return strings.TrimSpace(strings.Join([]string{s.Surname, s.GivenName, s.Patronymic}, " "))
}

// dnNames are the short names of DN attributes in qualified certificates, for
// names people read (Go prints unknown types as dotted OIDs with hex values).
var dnNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.4": "SN", "2.5.4.42": "G", "2.5.4.12": "T", "2.5.4.10": "O", "2.5.4.11": "OU",
	"2.5.4.6": "C", "2.5.4.8": "ST", "2.5.4.7": "L", "2.5.4.9": "STREET", "2.5.4.5": "SERIALNUMBER",
	"1.2.840.113549.1.9.1": "E", oidOGRN.String(): "OGRN", oidSNILS.String(): "SNILS", oidINNLE.String(): "INNLE",
	oidOGRNIP.String(): "OGRNIP", oidINN.String(): "INN",
}

// DN renders a name as RFC 4514 does (last attribute first), with the short
// names of qualified certificates: "CN=…,O=…,SNILS=…".
func DN(n pkix.Name) string {
	parts := make([]string, 0, len(n.Names))
	for i := len(n.Names) - 1; i >= 0; i-- {
		a := n.Names[i]
		key, ok := dnNames[a.Type.String()]
		if !ok {
			key = a.Type.String()
		}
		parts = append(parts, key+"="+escapeDN(fmt.Sprint(a.Value)))
	}
	return strings.Join(parts, ",")
}

func escapeDN(v string) string {
	var b strings.Builder
	for i, r := range v {
		switch {
		case strings.ContainsRune(`,+"\<>;=`, r), r == '#' && i == 0, r == ' ' && (i == 0 || i == len(v)-1):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
