package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// openAPIPath is a path of admin/openapi.yaml: two spaces, a slash, a colon.
var openAPIPath = regexp.MustCompile(`(?m)^  (/[^:\s]*):\s*$`)

// TestAdminAPIOverview: every path of the OpenAPI document appears in the
// admin API overview, so that a new endpoint cannot go undocumented.
func TestAdminAPIOverview(t *testing.T) {
	root := repoRoot(t)
	spec, err := os.ReadFile(filepath.Join(root, "admin", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(root, "docs", "en", "admin-api.md"))
	if err != nil {
		t.Fatal(err)
	}
	paths := openAPIPath.FindAllStringSubmatch(string(spec), -1)
	if len(paths) == 0 {
		t.Fatal("no paths found in admin/openapi.yaml: the pattern no longer matches its layout")
	}
	for _, m := range paths {
		if !strings.Contains(string(page), "`"+m[1]+"`") {
			t.Errorf("docs/en/admin-api.md does not list %s of admin/openapi.yaml", m[1])
		}
	}
}
