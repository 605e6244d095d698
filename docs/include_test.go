package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The include rule: a guide shows a configuration the tests run by the line
//
//	<!-- include: e2e/testdata/integrations/apache/vhod.conf -->
//
// (a path from the checkout's top) followed directly by a fenced code block
// whose content is that file's content, byte for byte (leading and trailing
// newlines aside). The file is what the end-to-end test reads, so the guide
// cannot drift from what works; placeholders such as {{ISSUER}} are filled in
// by the test and explained by the guide. `VHOD_DOCS_UPDATE=1 go test ./docs`
// rewrites the blocks from the files.
var includeBlock = regexp.MustCompile("(?s)<!-- include: ([^ ]+) -->\n```[a-zA-Z0-9_-]*\n(.*?)```")

func TestIncludedConfigurations(t *testing.T) {
	root := repoRoot(t)
	update := os.Getenv("VHOD_DOCS_UPDATE") == "1"
	for _, file := range markdownFiles(t, root) {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		body := string(raw)
		rel, _ := filepath.Rel(root, file)
		if n := strings.Count(body, "<!-- include: "); n != len(includeBlock.FindAllStringIndex(body, -1)) {
			t.Errorf("%s: an include line is not followed directly by a fenced code block", rel)
			continue
		}
		changed := includeBlock.ReplaceAllStringFunc(body, func(block string) string {
			m := includeBlock.FindStringSubmatch(block)
			want, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(m[1])))
			if err != nil {
				t.Errorf("%s: includes %s, which cannot be read: %v", rel, m[1], err)
				return block
			}
			w := strings.Trim(string(want), "\n")
			if strings.Trim(m[2], "\n") == w {
				return block
			}
			if !update {
				t.Errorf("%s: the block of %s differs from the file the tests run; VHOD_DOCS_UPDATE=1 go test ./docs rewrites it", rel, m[1])
				return block
			}
			head, _, _ := strings.Cut(block, "\n```")
			fence := block[len(head)+1:]
			lang, _, _ := strings.Cut(strings.TrimPrefix(fence, "```"), "\n")
			return head + "\n```" + lang + "\n" + w + "\n```"
		})
		if update && changed != body {
			if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
