package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DaData asks a DaData-style suggestions API (findById/party, findById/bank,
// suggest/address), DaData itself or a compatible proxy.
type DaData struct {
	// BaseURL is ".../suggestions/api/4_1/rs" (default: DaData's).
	BaseURL string
	Token   string
	// Client has a short timeout: a person waits for the answer (default 5 s).
	Client *http.Client
}

// DefaultDaDataURL is DaData's suggestions API.
const DefaultDaDataURL = "https://suggestions.dadata.ru/suggestions/api/4_1/rs"

func (d *DaData) post(ctx context.Context, method string, query any, out any) error {
	base := d.BaseURL
	if base == "" {
		base = DefaultDaDataURL
	}
	client := d.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	body, _ := json.Marshal(query)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+"/"+method, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if d.Token != "" {
		req.Header.Set("Authorization", "Token "+d.Token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s: HTTP %d", ErrUnavailable, method, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(out); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnavailable, method, err)
	}
	return nil
}

type suggestions[T any] struct {
	Suggestions []struct {
		Value string `json:"value"`
		Data  T      `json:"data"`
	} `json:"suggestions"`
}

type party struct {
	INN  string `json:"inn"`
	KPP  string `json:"kpp"`
	OGRN string `json:"ogrn"`
	OKPO string `json:"okpo"`
	Type string `json:"type"` // LEGAL, INDIVIDUAL
	Name struct {
		FullWithOpf  string `json:"full_with_opf"`
		ShortWithOpf string `json:"short_with_opf"`
	} `json:"name"`
	Opf struct {
		Short string `json:"short"`
		Full  string `json:"full"`
	} `json:"opf"`
	BranchType string `json:"branch_type"` // MAIN, BRANCH
	State      struct {
		Status string `json:"status"` // ACTIVE, LIQUIDATING, LIQUIDATED, …
	} `json:"state"`
	Management *struct {
		Name string `json:"name"`
		Post string `json:"post"`
	} `json:"management"`
	OKVED  string `json:"okved"`
	OKVEDs []struct {
		Code string `json:"code"`
		Main bool   `json:"main"`
	} `json:"okveds"`
	Address struct {
		Value string `json:"value"`
		Data  *struct {
			PostalCode     string `json:"postal_code"`
			RegionWithType string `json:"region_with_type"`
			CityWithType   string `json:"city_with_type"`
			// The street, house, block and flat with their types ("ул",
			// "д", "корп"/"стр", "офис"/"кв"), when the register knows them.
			StreetWithType string `json:"street_with_type"`
			HouseType      string `json:"house_type"`
			House          string `json:"house"`
			BlockType      string `json:"block_type"`
			Block          string `json:"block"`
			FlatType       string `json:"flat_type"`
			Flat           string `json:"flat"`
		} `json:"data"`
	} `json:"address"`
}

func (p party) company() Company {
	c := Company{INN: p.INN, KPP: p.KPP, OGRN: p.OGRN, OKPO: p.OKPO, Name: p.Name.ShortWithOpf, FullName: p.Name.FullWithOpf,
		LegalForm: p.Opf.Full, Entrepreneur: p.Type == "INDIVIDUAL", Branch: p.BranchType == "BRANCH",
		Active: p.State.Status == "ACTIVE", OKVED: p.OKVED, Address: Address{Line: p.Address.Value}}
	if c.Name == "" {
		c.Name = c.FullName
	}
	if p.Management != nil {
		c.DirectorName, c.DirectorTitle = p.Management.Name, p.Management.Post
	}
	for _, o := range p.OKVEDs {
		if !o.Main && o.Code != "" {
			c.OKVEDOther = append(c.OKVEDOther, o.Code)
		}
	}
	if a := p.Address.Data; a != nil {
		c.Address.Postcode, c.Address.Region, c.Address.City = a.PostalCode, a.RegionWithType, a.CityWithType
		if a.StreetWithType != "" || a.House != "" {
			c.Address.Street = a.StreetWithType
			c.Address.House = strings.Join(nonEmpty(typed(a.HouseType, a.House), typed(a.BlockType, a.Block)), ", ")
			c.Address.Office = typed(a.FlatType, a.Flat)
		}
	}
	c.Address = c.Address.WithParts()
	return c
}

// CompaniesByINN implements Registry (head office and branches).
func (d *DaData) CompaniesByINN(ctx context.Context, inn string) ([]Company, error) {
	var r suggestions[party]
	if err := d.post(ctx, "findById/party", map[string]any{"query": inn, "count": 20}, &r); err != nil {
		return nil, err
	}
	var out []Company
	for _, s := range r.Suggestions {
		if s.Data.INN == inn {
			out = append(out, s.Data.company())
		}
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return out, nil
}

// CompanyByOGRN implements Registry.
func (d *DaData) CompanyByOGRN(ctx context.Context, ogrn string) (Company, error) {
	var r suggestions[party]
	if err := d.post(ctx, "findById/party", map[string]any{"query": ogrn, "branch_type": "MAIN"}, &r); err != nil {
		return Company{}, err
	}
	for _, s := range r.Suggestions {
		if s.Data.OGRN == ogrn {
			return s.Data.company(), nil
		}
	}
	return Company{}, ErrNotFound
}

// BankByBIK implements Registry.
func (d *DaData) BankByBIK(ctx context.Context, bik string) (Bank, error) {
	var r suggestions[struct {
		BIC  string `json:"bic"`
		Name struct {
			Payment string `json:"payment"`
		} `json:"name"`
		CorrespondentAccount string `json:"correspondent_account"`
		PaymentCity          string `json:"payment_city"`
	}]
	if err := d.post(ctx, "findById/bank", map[string]any{"query": bik}, &r); err != nil {
		return Bank{}, err
	}
	for _, s := range r.Suggestions {
		if s.Data.BIC == bik {
			return Bank{BIK: bik, Name: s.Data.Name.Payment, CorrAccount: s.Data.CorrespondentAccount, City: s.Data.PaymentCity}, nil
		}
	}
	return Bank{}, ErrNotFound
}

// PlaceByPostcode implements Registry.
func (d *DaData) PlaceByPostcode(ctx context.Context, postcode string) (Place, error) {
	var r suggestions[struct {
		PostalCode     string `json:"postal_code"`
		RegionWithType string `json:"region_with_type"`
		CityWithType   string `json:"city_with_type"`
	}]
	if err := d.post(ctx, "suggest/address", map[string]any{"query": postcode, "count": 1}, &r); err != nil {
		return Place{}, err
	}
	for _, s := range r.Suggestions {
		if s.Data.PostalCode == postcode {
			return Place{Postcode: postcode, Region: s.Data.RegionWithType, City: s.Data.CityWithType}, nil
		}
	}
	return Place{}, ErrNotFound
}

// IsExpected tells a look-up's ordinary failures (not found, registry down)
// from programming errors.
func IsExpected(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded)
}

// typed is a numbered part with its type ("д 7"), "" without a number.
func typed(typ, number string) string {
	if number == "" {
		return ""
	}
	return strings.TrimSpace(typ + " " + number)
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
