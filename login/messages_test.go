package login

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
)

// Every key of every catalog exists in every other catalog.
func TestCatalogsHaveTheSameKeys(t *testing.T) {
	keys := map[string][]string{}
	for _, tag := range Languages {
		b, err := localeFS.ReadFile("locales/" + tag.String() + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		keys[tag.String()] = slices.Sorted(maps.Keys(m))
	}
	ref := keys[Languages[0].String()]
	for lang, k := range keys {
		if !slices.Equal(k, ref) {
			t.Errorf("%s keys differ from %s:\n%v\n%v", lang, Languages[0], k, ref)
		}
	}
}
