package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
)

// Offline answers from a JSON file: {"companies": […], "banks": […], "places": […]}
// in the shapes of Company, Bank and Place. For development, tests and closed
// networks.
type Offline struct {
	Companies []Company `json:"companies"`
	Banks     []Bank    `json:"banks"`
	Places    []Place   `json:"places"`
}

// LoadOffline reads the file.
func LoadOffline(path string) (*Offline, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var o Offline
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, fmt.Errorf("registry file %s: %w", path, err)
	}
	return &o, nil
}

// CompaniesByINN implements Registry.
func (o *Offline) CompaniesByINN(_ context.Context, inn string) ([]Company, error) {
	var out []Company
	for _, c := range o.Companies {
		if c.INN == inn {
			c.Address = c.Address.WithParts()
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return out, nil
}

// CompanyByOGRN implements Registry: the head office with that OGRN.
func (o *Offline) CompanyByOGRN(_ context.Context, ogrn string) (Company, error) {
	for _, c := range o.Companies {
		if c.OGRN == ogrn && !c.Branch {
			c.Address = c.Address.WithParts()
			return c, nil
		}
	}
	return Company{}, ErrNotFound
}

// BankByBIK implements Registry.
func (o *Offline) BankByBIK(_ context.Context, bik string) (Bank, error) {
	for _, b := range o.Banks {
		if b.BIK == bik {
			return b, nil
		}
	}
	return Bank{}, ErrNotFound
}

// PlaceByPostcode implements Registry.
func (o *Offline) PlaceByPostcode(_ context.Context, postcode string) (Place, error) {
	for _, p := range o.Places {
		if p.Postcode == postcode {
			return p, nil
		}
	}
	return Place{}, ErrNotFound
}
