package console

import (
	"reflect"
	"testing"

	"github.com/vhod-id/vhod/storage"
)

// The catalogue's roles textarea reads back what it shows.
func TestParseRoles(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []storage.Role
		bad  bool
	}{
		{text: "", want: nil},
		{text: "buyer | Закупщик | Buyer", want: []storage.Role{{Key: "buyer", Name: map[string]string{"ru": "Закупщик", "en": "Buyer"}}}},
		{text: " buyer|Закупщик|Buyer| Закупает \n\n", want: []storage.Role{{Key: "buyer", Name: map[string]string{"ru": "Закупщик", "en": "Buyer"},
			Description: map[string]string{"ru": "Закупает", "en": "Закупает"}}}},
		{text: "a | А | A | Описание | Description\r\nb | Б | B", want: []storage.Role{
			{Key: "a", Name: map[string]string{"ru": "А", "en": "A"}, Description: map[string]string{"ru": "Описание", "en": "Description"}},
			{Key: "b", Name: map[string]string{"ru": "Б", "en": "B"}}}},
		{text: "viewer* | Просмотр | Viewer\nbuyer | Закупщик | Buyer", want: []storage.Role{
			{Key: "viewer", Name: map[string]string{"ru": "Просмотр", "en": "Viewer"}, Default: true},
			{Key: "buyer", Name: map[string]string{"ru": "Закупщик", "en": "Buyer"}}}},
		{text: "only a key", bad: true},
		{text: "a | b", bad: true},
		{text: "a | b | c | d | e | f", bad: true},
	} {
		got, bad := parseRoles(tc.text)
		if (bad != "") != tc.bad {
			t.Errorf("%q: error %q, want error %v", tc.text, bad, tc.bad)
			continue
		}
		if !tc.bad && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %+v, want %+v", tc.text, got, tc.want)
		}
		if !tc.bad && len(got) > 0 {
			again, _ := parseRoles(toCatalogueForm(storage.RoleCatalogue{Roles: got}).Roles)
			if !reflect.DeepEqual(again, got) {
				t.Errorf("%q: the form does not read back: %+v", tc.text, again)
			}
		}
	}
}

func FuzzParseRoles(f *testing.F) {
	f.Add("buyer | Закупщик | Buyer | Закупает")
	f.Add("a|b|c\n\n|||\r\n")
	f.Fuzz(func(t *testing.T, text string) {
		roles, bad := parseRoles(text)
		if bad != "" {
			return
		}
		for _, r := range roles {
			if r.Name == nil {
				t.Fatalf("a role without names from %q", text)
			}
		}
	})
}
