package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// markdownLink finds [text](target) links; images too (the ! is outside the match).
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// repoRoot is the checkout's top: docs/ is one level down.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// markdownFiles are the README and every Markdown file under docs/.
func markdownFiles(t *testing.T, root string) []string {
	t.Helper()
	files := []string{filepath.Join(root, "README.md")}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRelativeLinks: a relative link in the README or docs/ names a file or
// folder that exists (anchors are not checked: headings are renamed often and
// a dead anchor still lands on the right page).
func TestRelativeLinks(t *testing.T) {
	root := repoRoot(t)
	for _, file := range markdownFiles(t, root) {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, file)
		for _, m := range markdownLink.FindAllStringSubmatch(stripCode(string(body)), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") || strings.HasPrefix(target, "#") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			path := filepath.Join(filepath.Dir(file), filepath.FromSlash(target))
			if strings.HasPrefix(target, "/") {
				path = filepath.Join(root, filepath.FromSlash(target))
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: dead link %q", rel, m[1])
			}
		}
	}
}

// fencedCode matches fenced code blocks, whose brackets are not links.
var fencedCode = regexp.MustCompile("(?s)```.*?```")

func stripCode(s string) string { return fencedCode.ReplaceAllString(s, "") }
