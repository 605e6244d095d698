package connector

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ESIA's REST API (Методические рекомендации, "REST-сервисы ЕСИА"): the
// person at /rs/prns/{oid}, their contacts at /rs/prns/{oid}/ctts and the
// organisations where they are employees at /rs/prns/{oid}/orgs, each list
// with ?embed=(elements) so the elements come inline instead of as links.

// esiaPerson is the fields of /rs/prns/{oid} Vhod uses.
type esiaPerson struct {
	FirstName  string `json:"firstName"`
	LastName   string `json:"lastName"`
	MiddleName string `json:"middleName"`
	// Trusted is "подтверждённая учётная запись".
	Trusted bool   `json:"trusted"`
	SNILS   string `json:"snils"`
	INN     string `json:"inn"`
}

func parseESIAPerson(b []byte) (*esiaPerson, map[string]any, error) {
	var p esiaPerson
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, nil, fmt.Errorf("person: %w", err)
	}
	var raw map[string]any
	_ = json.Unmarshal(b, &raw)
	return &p, raw, nil
}

// esiaContact is one element of /ctts: type EML (email), MBT (mobile),
// PHN (home phone), CPH (work phone)…; vrfStu VERIFIED or NOT_VERIFIED.
type esiaContact struct {
	Type   string `json:"type"`
	VrfStu string `json:"vrfStu"`
	Value  string `json:"value"`
}

// esiaList is ESIA's collection: elements are objects when embedded, URLs
// otherwise (those are skipped: nothing is fetched one by one).
type esiaList struct {
	Elements []json.RawMessage `json:"elements"`
}

func (l esiaList) each(fn func(json.RawMessage) error) error {
	for _, e := range l.Elements {
		if len(e) == 0 || e[0] != '{' {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// applyESIAContacts takes the first email and mobile, preferring verified ones.
func applyESIAContacts(id *Identity, b []byte) error {
	var l esiaList
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("contacts: %w", err)
	}
	return l.each(func(e json.RawMessage) error {
		var c esiaContact
		if err := json.Unmarshal(e, &c); err != nil {
			return fmt.Errorf("contact: %w", err)
		}
		verified := c.VrfStu == "VERIFIED"
		switch c.Type {
		case "EML":
			if v := strings.TrimSpace(c.Value); v != "" && (id.Email == "" || verified && !id.EmailVerified) {
				id.Email, id.EmailVerified = v, verified
			}
		case "MBT":
			if v := normalizePhone(c.Value); v != "" && (id.Phone == "" || verified && !id.PhoneVerified) {
				id.Phone, id.PhoneVerified = v, verified
			}
		}
		return nil
	})
}

// esiaOrg is one element of /orgs.
type esiaOrg struct {
	OID       flexString `json:"oid"`
	FullName  string     `json:"fullName"`
	ShortName string     `json:"shortName"`
	OGRN      string     `json:"ogrn"`
	INN       string     `json:"inn"`
	KPP       string     `json:"kpp"`
	Chief     bool       `json:"chief"`
	Active    *bool      `json:"active"`
	Type      string     `json:"type"`
}

// parseESIAOrgs lists the organisations; those ESIA marks inactive are kept
// with Active false so login can tell "you left" from "unknown".
func parseESIAOrgs(b []byte) ([]Organisation, error) {
	var l esiaList
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("organisations: %w", err)
	}
	var out []Organisation
	err := l.each(func(e json.RawMessage) error {
		var o esiaOrg
		if err := json.Unmarshal(e, &o); err != nil {
			return fmt.Errorf("organisation: %w", err)
		}
		// Agencies (AGENCY) and the like have no OGRN and are not companies
		// Vhod can offer.
		if digits(o.OGRN) == "" {
			return nil
		}
		out = append(out, Organisation{ID: string(o.OID), Name: o.FullName, ShortName: o.ShortName,
			OGRN: digits(o.OGRN), INN: digits(o.INN), KPP: digits(o.KPP), Chief: o.Chief,
			Active: o.Active == nil || *o.Active})
		return nil
	})
	return out, err
}
