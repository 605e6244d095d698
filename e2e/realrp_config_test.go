package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The configurations the real relying parties run live in
// testdata/integrations, one folder per integration, and the guides in
// docs/*/integrations show those very files (docs/include_test.go checks it):
// what a reader copies is what these tests run. The files name what differs
// per deployment as {{PLACEHOLDERS}}, which the tests fill in and the guides
// explain.

// placeholder is a {{NAME}} left in a configuration.
var placeholder = regexp.MustCompile(`\{\{[A-Z_]+\}\}`)

// integrationFile reads testdata/integrations/name and fills in values (keys
// without braces). A placeholder the test does not fill fails it, so a file
// never reaches a relying party half-filled.
func integrationFile(t *testing.T, name string, values map[string]string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "integrations", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for k, v := range values {
		pairs = append(pairs, "{{"+k+"}}", v)
	}
	out := strings.NewReplacer(pairs...).Replace(string(b))
	if left := placeholder.FindAllString(out, -1); len(left) > 0 {
		t.Fatalf("testdata/integrations/%s: %v not filled in", name, left)
	}
	return out
}

// withClient registers in Vhod's configuration cfg the client of
// testdata/integrations/name: a YAML list item as it goes under
// bootstrap.clients.
func withClient(t *testing.T, cfg, name string, values map[string]string) string {
	t.Helper()
	client := integrationFile(t, name, values)
	lines := strings.Split(strings.TrimRight(client, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Replace(cfg, "  clients:\n", "  clients:\n"+strings.Join(lines, "\n")+"\n", 1)
}
