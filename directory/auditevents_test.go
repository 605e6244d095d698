package directory

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestEventTypesComplete: every Event constant of audit.go and
// auditevents.go is in EventTypes, so that the audit log's filter offers it
// and a locale names it.
func TestEventTypesComplete(t *testing.T) {
	n := 0
	for _, file := range []string{"audit.go", "auditevents.go"} {
		n += eventConstants(t, file)
	}
	if n == 0 || n != len(EventTypes) {
		t.Errorf("the files declare %d event types, EventTypes lists %d", n, len(EventTypes))
	}
}

// eventConstants checks the Event constants of file and counts them.
func eventConstants(t *testing.T, file string) int {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			for i, name := range v.Names {
				if !strings.HasPrefix(name.Name, "Event") || i >= len(v.Values) {
					continue
				}
				lit, ok := v.Values[i].(*ast.BasicLit)
				if !ok {
					continue
				}
				value, _ := strconv.Unquote(lit.Value)
				n++
				if !slices.Contains(EventTypes, value) {
					t.Errorf("%s (%q) is not in EventTypes", name.Name, value)
				}
			}
		}
	}
	return n
}
