package account

import (
	"testing"

	"github.com/vhod-id/vhod/internal/web"
)

// TestTemplateKeys: every message key the account pages name exists in every
// language, so no page shows a key instead of words.
func TestTemplateKeys(t *testing.T) {
	unknown, err := web.UnknownKeys(templateFS, "templates/*.html")
	if err != nil || len(unknown) > 0 {
		t.Fatalf("%v %v", unknown, err)
	}
}
