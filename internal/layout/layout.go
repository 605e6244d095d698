// Package layout holds the import rules of DESIGN.md "Layout" as a table, and
// the checker that its test runs over the real package graph (`go list`), so
// an import that points the wrong way fails the suite instead of slowly
// bending the architecture.
//
// Dependencies point one way:
//
//	cmd → provider, login, account, console, admin → directory → storage
//	login, account, console → internal/web
//	directory, provider, login, account → certauth
//	directory, certauth → internal/ruid
//	cmd, login, directory/idp → connector → certauth
//
// Every Vhod package belongs to one layer (the longest matching path in
// layers). A package may import its own layer and the layers its row lists;
// anything else is a violation. A package in no layer is a violation too: a
// new package must be placed in the table on purpose.
//
// Production imports are checked strictly. Test files may also use the test
// kits (certtest, storagetest, mongotest, …) and the storage backends, which
// is how tests get a real store and certificates; they may not import against
// the direction either.
//
// An edge that must break the rules for a while is listed, with its reason,
// in exceptions.go (today: none). The test fails on any violation not listed
// there and on any listed exception that no longer occurs, so the list only
// shrinks.
package layout

import (
	"fmt"
	"slices"
	"strings"
)

// Module is the import path of the Vhod module.
const Module = "github.com/vhod-id/vhod"

// Layer is one row of the table: the packages it holds and the layers they
// may import besides their own.
type Layer struct {
	Name string
	// Paths are module-relative; each covers the package and those below it.
	Paths     []string
	MayImport []string
}

// layers is DESIGN.md "Layout" read literally: only the arrows it draws are
// allowed. Where it is silent, the choice is noted on the row.
var layers = []Layer{
	// The composition root wires everything (storage backends, the certificate
	// verifier, notify senders) but holds no rules, so it does not import
	// internal/ruid: check digits are directory's business. testkit is for the
	// bench command, which drives a relying party (internal/rptest).
	{Name: "cmd", Paths: []string{"cmd"},
		MayImport: []string{"provider", "login", "account", "console", "admin", "web", "clientaddr",
			"connector", "directory", "certauth", "storage", "backend", "testkit"}},
	// e2e drives the built binary and may use anything to set it up.
	{Name: "e2e", Paths: []string{"e2e"},
		MayImport: []string{"cmd", "provider", "login", "account", "console", "admin", "web", "clientaddr",
			"connector", "directory", "certauth", "ruid", "storage", "backend", "testkit"}},

	// docs holds only the documentation's own tests (links, included
	// configurations): it reads files and imports no layer.
	{Name: "docs", Paths: []string{"docs"}},

	// Example relying applications (examples/go-oidc): programs an app
	// developer copies, so they use only public libraries and nothing of
	// Vhod's; e2e builds and runs them.
	{Name: "examples", Paths: []string{"examples"}},

	// The audiences never import each other (DESIGN.md draws no arrow between
	// them; console and admin are named): each mounts its own routes and calls
	// directory. storage is the types package every layer above it shares.
	{Name: "provider", Paths: []string{"provider"},
		MayImport: []string{"directory", "certauth", "storage", "clientaddr"}},
	{Name: "login", Paths: []string{"login"},
		MayImport: []string{"web", "connector", "directory", "certauth", "storage", "clientaddr", "onceread"}},
	{Name: "account", Paths: []string{"account"},
		MayImport: []string{"web", "directory", "certauth", "storage", "clientaddr"}},
	{Name: "console", Paths: []string{"console"},
		MayImport: []string{"web", "directory", "storage", "clientaddr"}},
	{Name: "admin", Paths: []string{"admin"},
		MayImport: []string{"directory", "storage", "clientaddr"}},

	// What every page shares; no rules, no storage.
	{Name: "web", Paths: []string{"internal/web"}, MayImport: []string{"clientaddr"}},
	// The client's address behind trusted proxies: an HTTP concern, so not
	// for directory or below.
	{Name: "clientaddr", Paths: []string{"internal/clientaddr"}},

	// The service layer, with notify/, registry/, captcha/, flows/, factors/
	// (second factors and passkeys) and orgs/ (organisations); directory itself
	// never imports factors or orgs.
	// directory/idp checks the providers operators manage with connector's
	// own rules (Config.Problems, a trial New), so connector is below it.
	{Name: "directory", Paths: []string{"directory"},
		MayImport: []string{"certauth", "ruid", "storage", "connector"}},
	// Outside identity providers (Госуслуги, Яндекс, VK, Сбер, any OpenID
	// provider): HTTP clients that return facts about a person, as certauth
	// does for certificates; login decides which account that is. It signs
	// ESIA's requests with certauth's GOST code and knows nothing of storage.
	{Name: "connector", Paths: []string{"connector"}, MayImport: []string{"certauth"}},
	// A leaf but for the identifiers a qualified certificate carries.
	{Name: "certauth", Paths: []string{"certauth"}, MayImport: []string{"ruid"}},
	{Name: "ruid", Paths: []string{"internal/ruid"}},
	// A value kept in memory for the one read that follows its write (the
	// flow a sign-in starts, the request single sign-on completes): a leaf.
	{Name: "onceread", Paths: []string{"internal/onceread"}},

	{Name: "storage", Paths: []string{"storage"}},
	// Concrete backends: only the composition root knows them (dex's rule).
	{Name: "backend", Paths: []string{"storage/mongo", "storage/embedded", "storage/mongotest"},
		MayImport: []string{"storage", "onceread"}},
	// Helpers for tests and the bench command; they import nothing of Vhod.
	{Name: "testkit", Paths: []string{"internal/fixtures", "internal/rptest"}},
	// This checker: it reads the graph from go list and imports nothing of Vhod.
	{Name: "layout", Paths: []string{"internal/layout"}},
}

// testKits are what any _test.go file may import whatever its layer: test
// doubles, a real store, certificates and relying parties to test with.
var testKits = []string{
	"certauth/certtest", "directory/registry/registrytest", "storage/storagetest",
	"storage/mongotest", "storage/mongo", "storage/embedded",
	"internal/fixtures", "internal/rptest",
}

// Forbidden names imports outside Vhod that packages matching Where must not
// use. Where uses go's pattern form: "x" is the package x, "x/..." is x and
// every package below it.
type Forbidden struct {
	Where   []string
	Imports []string // each covers the path and those below it
	Why     string
}

var forbidden = []Forbidden{
	{Where: []string{"storage/..."},
		Imports: []string{"net/http", "html/template", "github.com/gorilla", "github.com/zitadel"},
		Why:     "storage knows nothing of HTTP"},
	// Only directory itself: notify/, registry/ and captcha/ are its adapters
	// to outside services (mail and SMS gateways, registry APIs, captcha
	// checks), which are HTTP clients, and notify/ owns the message templates.
	{Where: []string{"directory"},
		Imports: []string{"net/http", "html/template", "text/template", "github.com/gorilla", "github.com/zitadel"},
		Why:     "directory holds the rules and nothing of HTTP or templates"},
	{Where: []string{"certauth/..."},
		Imports: []string{"go.mongodb.org"},
		Why:     "certauth knows nothing of users or MongoDB"},
	// STYLE.md: login receives the callback as a function built in cmd/vhod.
	{Where: []string{"login/...", "account/...", "console/...", "admin/...", "internal/web/..."},
		Imports: []string{"github.com/zitadel/oidc/v3/pkg/op"},
		Why:     "only provider and cmd/vhod know zitadel's op"},
}

// Package is one node of the import graph, as `go list` reports it.
type Package struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// Violation is one import against the rules. From and To are module-relative
// for Vhod packages; To is the full path for others.
type Violation struct {
	From, To string
	Test     bool // only _test.go files import it
	Why      string
}

// Edge is how exceptions name a violation.
func (v Violation) Edge() string { return v.From + " → " + v.To }

func (v Violation) String() string {
	s := v.Edge() + ": " + v.Why
	if v.Test {
		s += " (in tests)"
	}
	return s
}

// Check returns every import in pkgs that breaks the table, in a stable order.
func Check(pkgs []Package) []Violation {
	var out []Violation
	for _, p := range pkgs {
		from, ok := relative(p.ImportPath)
		if !ok {
			continue
		}
		fromLayer := layerOf(from)
		if fromLayer == nil {
			out = append(out, Violation{From: from, To: from,
				Why: "package is in no layer; place it in internal/layout's table"})
			continue
		}
		for _, imp := range p.Imports {
			if v, bad := checkImport(from, fromLayer, imp, false); bad {
				out = append(out, v)
			}
		}
		seen := map[string]bool{}
		for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
			if seen[imp] || slices.Contains(p.Imports, imp) {
				continue // a production import is checked once, strictly
			}
			seen[imp] = true
			if v, bad := checkImport(from, fromLayer, imp, true); bad {
				out = append(out, v)
			}
		}
	}
	slices.SortFunc(out, func(a, b Violation) int { return strings.Compare(a.Edge(), b.Edge()) })
	return out
}

func checkImport(from string, fromLayer *Layer, imp string, test bool) (Violation, bool) {
	to, vhod := relative(imp)
	if !vhod {
		if test {
			return Violation{}, false
		}
		for _, f := range forbidden {
			if matchesPattern(from, f.Where) && slices.ContainsFunc(f.Imports, func(p string) bool { return under(imp, p) }) {
				return Violation{From: from, To: imp, Why: f.Why}, true
			}
		}
		return Violation{}, false
	}
	if test && slices.Contains(testKits, to) {
		return Violation{}, false
	}
	toLayer := layerOf(to)
	switch {
	case toLayer == nil:
		return Violation{From: from, To: to, Test: test, Why: "imports a package that is in no layer"}, true
	case toLayer.Name == fromLayer.Name || slices.Contains(fromLayer.MayImport, toLayer.Name):
		return Violation{}, false
	}
	return Violation{From: from, To: to, Test: test,
		Why: fmt.Sprintf("layer %s may not import layer %s", fromLayer.Name, toLayer.Name)}, true
}

// relative strips the module path; ok is false for packages outside Vhod.
func relative(importPath string) (rel string, ok bool) {
	if importPath == Module {
		return ".", true
	}
	return strings.CutPrefix(importPath, Module+"/")
}

// layerOf finds the layer with the longest path covering rel, or nil.
func layerOf(rel string) *Layer {
	var best *Layer
	bestLen := -1
	for i := range layers {
		for _, p := range layers[i].Paths {
			if under(rel, p) && len(p) > bestLen {
				best, bestLen = &layers[i], len(p)
			}
		}
	}
	return best
}

func under(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+"/")
}

func matchesPattern(rel string, patterns []string) bool {
	for _, p := range patterns {
		if root, tree := strings.CutSuffix(p, "/..."); tree && under(rel, root) || rel == p {
			return true
		}
	}
	return false
}
