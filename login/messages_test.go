package login

import (
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
)

// TestEveryScopeHasWords: the consent and device pages name each scope a client
// may be granted in words, in every language, never by its key.
func TestEveryScopeHasWords(t *testing.T) {
	cat, err := web.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range web.Languages {
		tr := cat.Translator(tag)
		for _, s := range directory.KnownScopes {
			if w := tr.T("scope." + s); w == "" || w == s || w == "scope."+s {
				t.Errorf("%s: scope %q has no words (%q)", tag, s, w)
			}
		}
	}
}
