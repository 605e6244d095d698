package layout

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
)

// SizeLimits bound the non-test Go lines of a package directory (the files
// directly in it, not its subpackages), by its path in the module. Issue 17
// kept login's core small so that its sign-in methods and side flows live in
// packages of their own over login.Kit: a new method that would push the core
// past its limit belongs in a method package, not in the core.
var SizeLimits = map[string]int{
	"login": 2500,
}

// NonTestLines counts the lines (as wc -l does: newlines) of the .go files
// directly in dir that are not tests.
func NonTestLines(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return 0, err
		}
		n += bytes.Count(b, []byte("\n"))
	}
	return n, nil
}
