// Package registry looks companies, banks and places up: company by INN or
// OGRN (with its branches) in the state register, bank by BIK, region and city
// by postcode. Registration prefills its forms from here; when a look-up fails
// the forms are filled by hand, so nothing here is required.
package registry

import (
	"context"
	"errors"
)

// ErrNotFound: the registry knows no such company, bank or postcode.
var ErrNotFound = errors.New("registry: not found")

// ErrUnavailable: the registry did not answer (down, slow, refused us).
var ErrUnavailable = errors.New("registry: unavailable")

// Company is an entry of the state register (EGRUL/EGRIP).
type Company struct {
	INN       string `json:"inn"`
	KPP       string `json:"kpp,omitempty"`
	OGRN      string `json:"ogrn"` // OGRNIP for an entrepreneur
	OKPO      string `json:"okpo,omitempty"`
	Name      string `json:"name"`      // short, with the legal form
	FullName  string `json:"full_name"` // full, with the legal form
	LegalForm string `json:"legal_form,omitempty"`
	// Entrepreneur: an individual entrepreneur (INN of 12 digits).
	Entrepreneur bool `json:"entrepreneur,omitempty"`
	// Branch: a branch (its own KPP); else the head office.
	Branch bool `json:"branch,omitempty"`
	// Active: not liquidated, not in liquidation.
	Active        bool     `json:"active"`
	DirectorName  string   `json:"director_name,omitempty"`
	DirectorTitle string   `json:"director_title,omitempty"`
	OKVED         string   `json:"okved,omitempty"` // main activity
	OKVEDOther    []string `json:"okved_other,omitempty"`
	Address       Address  `json:"address"`
}

// Address is a registered address. The register gives the whole address as
// Line, and its street, house (дом, корпус, строение) and office (офис,
// помещение, квартира) as parts when it knows them; WithParts splits Line
// when it does not.
type Address struct {
	Postcode string `json:"postcode,omitempty"`
	Region   string `json:"region,omitempty"`
	City     string `json:"city,omitempty"`
	Street   string `json:"street,omitempty"`
	House    string `json:"house,omitempty"`
	Office   string `json:"office,omitempty"`
	Line     string `json:"line,omitempty"` // the whole address as one line
}

// Bank is a bank of the BIK directory.
type Bank struct {
	BIK         string `json:"bik"`
	Name        string `json:"name"`
	CorrAccount string `json:"corr_account"`
	City        string `json:"city,omitempty"`
}

// Place is what a postcode tells.
type Place struct {
	Postcode string `json:"postcode"`
	Region   string `json:"region"`
	City     string `json:"city"`
}

// Registry answers look-ups. ErrNotFound and ErrUnavailable are the expected
// failures; callers fall back to what the person types.
type Registry interface {
	// CompaniesByINN returns the head office and branches with an INN.
	CompaniesByINN(ctx context.Context, inn string) ([]Company, error)
	CompanyByOGRN(ctx context.Context, ogrn string) (Company, error)
	BankByBIK(ctx context.Context, bik string) (Bank, error)
	PlaceByPostcode(ctx context.Context, postcode string) (Place, error)
}
