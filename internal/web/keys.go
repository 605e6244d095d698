package web

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
)

// keyUse is a message key written out in a template: {{.T "key"}},
// {{$.T "key" …}}, {{.Plural "key" …}}.
var keyUse = regexp.MustCompile(`\.(?:T|Plural) "([^"]+)"`)

// UnknownKeys lists the message keys that templates matching pattern in fsys
// name but a page language lacks, so that a test catches a key that would
// be shown as it is. Keys a template builds (printf) are not seen.
func UnknownKeys(fsys fs.FS, pattern string) ([]string, error) {
	known := map[string]int{}
	for _, lang := range Languages {
		data, err := localeFS.ReadFile("locales/" + lang.String() + ".json")
		if err != nil {
			return nil, err
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, err
		}
		for k := range m {
			known[k]++
		}
	}
	files, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		for _, m := range keyUse.FindAllStringSubmatch(string(data), -1) {
			if known[m[1]] < len(Languages) && !slices.Contains(out, f+": "+m[1]) {
				out = append(out, f+": "+m[1])
			}
		}
	}
	return out, nil
}
