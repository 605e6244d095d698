package layout

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackageSizes keeps each package of SizeLimits under its limit of
// non-test lines. When it fails on your change, move what you added (a new
// sign-in method or step) into a package of its own over login.Kit, as
// login/phone and login/device are, instead of raising the limit.
func TestPackageSizes(t *testing.T) {
	root := filepath.Join("..", "..") // go test runs in internal/layout
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found from the test's directory: %v", err)
	}
	for pkg, limit := range SizeLimits {
		n, err := NonTestLines(filepath.Join(root, filepath.FromSlash(pkg)))
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("%s: no Go lines counted: the path is wrong", pkg)
		}
		if n > limit {
			t.Errorf("%s has %d non-test lines of Go, over its limit of %d", pkg, n, limit)
		}
	}
}

// TestNonTestLines: tests and subpackages do not count, every line of the
// rest does (so the guard above cannot pass by miscounting).
func TestNonTestLines(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, lines int) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Repeat("// x\n", lines)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.go", 1200)
	write("b.go", 1301)
	write("a_test.go", 5000)
	write("notes.md", 100)
	write("sub/c.go", 900)
	n, err := NonTestLines(dir)
	if err != nil || n != 2501 {
		t.Fatalf("NonTestLines = %d, %v; want 2501", n, err)
	}
	if n <= SizeLimits["login"] {
		t.Fatal("2,501 lines pass the login limit")
	}
}
