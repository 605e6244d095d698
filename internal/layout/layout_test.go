package layout

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"testing"
)

// TestImportsFollowDesign checks the real import graph of the module against
// DESIGN.md "Layout". When it fails on your change, the import points the
// wrong way: move the code to the layer that may import it, or pass the
// dependency in from cmd/vhod as an interface or a function.
func TestImportsFollowDesign(t *testing.T) {
	pkgs := listModule(t)
	unexpected, stale := Reconcile(Check(pkgs), Exceptions)
	for _, v := range unexpected {
		t.Errorf("import against DESIGN.md Layout: %s", v)
	}
	for _, e := range stale {
		t.Errorf("exception %s → %s no longer occurs: remove it from internal/layout/exceptions.go", e.From, e.To)
	}
}

// listModule runs `go list` over every package of the module. go test puts
// the go tool it runs with first in PATH, so this is the same toolchain.
func listModule(t *testing.T) []Package {
	t.Helper()
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to list the import graph: %v", err)
	}
	cmd := exec.Command(gotool, "list", "-json=ImportPath,Imports,TestImports,XTestImports", Module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []Package
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p Package
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("reading go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	// A pattern that matched the wrong tree would pass vacuously.
	for _, want := range []string{"login", "directory", "storage", "certauth", "cmd/vhod"} {
		if !slices.ContainsFunc(pkgs, func(p Package) bool { return p.ImportPath == Module+"/"+want }) {
			t.Fatalf("go list did not report %s/%s; listed %d packages", Module, want, len(pkgs))
		}
	}
	return pkgs
}
