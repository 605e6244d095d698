package layout

import (
	"slices"
	"testing"
)

// pkg builds a fake graph node from module-relative paths; a path with a dot
// in its first element (or none at all) is taken as outside Vhod.
func pkg(path string, imports ...string) Package {
	return Package{ImportPath: full(path), Imports: fullAll(imports)}
}

func full(p string) string {
	if isExternal(p) {
		return p
	}
	return Module + "/" + p
}

func fullAll(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = full(p)
	}
	return out
}

func isExternal(p string) bool {
	switch p {
	case "net/http", "net/http/httptest", "html/template", "text/template", "strings",
		"go.mongodb.org/mongo-driver/v2/mongo", "github.com/zitadel/oidc/v3/pkg/op":
		return true
	}
	return false
}

func edges(vs []Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Edge()
	}
	return out
}

func TestCheckFindsImportsAgainstTheDirection(t *testing.T) {
	cases := []struct {
		name string
		pkgs []Package
		want []string // edges that must be reported; nil means the graph is clean
	}{
		{"the target layout is clean", []Package{
			pkg("cmd/vhod", "provider", "login", "account", "console", "admin", "directory", "storage", "storage/mongo", "certauth"),
			pkg("login", "internal/web", "directory", "directory/notify", "certauth", "storage", "internal/clientaddr"),
			pkg("account", "internal/web", "directory", "certauth", "storage"),
			pkg("console", "internal/web", "directory", "storage"),
			pkg("admin", "directory", "storage", "net/http"),
			pkg("provider", "directory", "certauth", "storage", "github.com/zitadel/oidc/v3/pkg/op"),
			pkg("directory", "certauth", "internal/ruid", "storage", "strings"),
			pkg("directory/notify", "storage", "net/http", "text/template"),
			pkg("certauth", "internal/ruid", "net/http"),
			pkg("internal/ruid", "strings"),
			pkg("storage/mongo", "storage", "go.mongodb.org/mongo-driver/v2/mongo"),
			pkg("storage"),
		}, nil},
		{"storage importing directory points up", []Package{pkg("storage", "directory")},
			[]string{"storage → directory"}},
		{"directory importing an audience points up", []Package{pkg("directory", "login")},
			[]string{"directory → login"}},
		{"console and admin never import each other", []Package{pkg("console", "admin"), pkg("admin", "console")},
			[]string{"admin → console", "console → admin"}},
		{"certauth is a leaf but for ruid", []Package{pkg("certauth", "storage", "directory")},
			[]string{"certauth → directory", "certauth → storage"}},
		{"only cmd knows the backends", []Package{pkg("login", "storage/mongo")},
			[]string{"login → storage/mongo"}},
		{"ruid is for directory and certauth only", []Package{pkg("cmd/vhod", "internal/ruid"), pkg("login", "internal/ruid")},
			[]string{"cmd/vhod → internal/ruid", "login → internal/ruid"}},
		{"storage knows nothing of HTTP", []Package{pkg("storage", "net/http"), pkg("storage/mongo", "net/http/httptest")},
			[]string{"storage → net/http", "storage/mongo → net/http/httptest"}},
		{"directory knows nothing of HTTP or templates", []Package{pkg("directory", "net/http", "html/template", "text/template")},
			[]string{"directory → html/template", "directory → net/http", "directory → text/template"}},
		{"certauth knows nothing of MongoDB", []Package{pkg("certauth", "go.mongodb.org/mongo-driver/v2/mongo")},
			[]string{"certauth → go.mongodb.org/mongo-driver/v2/mongo"}},
		{"login does not know zitadel's op", []Package{pkg("login", "github.com/zitadel/oidc/v3/pkg/op")},
			[]string{"login → github.com/zitadel/oidc/v3/pkg/op"}},
		{"a package outside the table must be placed", []Package{pkg("newthing"), pkg("login", "newthing")},
			[]string{"login → newthing", "newthing → newthing"}},
		{"tests may use kits and backends but not point up", []Package{{
			ImportPath:   full("directory"),
			TestImports:  fullAll([]string{"storage/mongotest", "certauth/certtest", "net/http/httptest"}),
			XTestImports: fullAll([]string{"directory", "storage/mongo", "login"}),
		}}, []string{"directory → login"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := edges(Check(c.pkgs)); !slices.Equal(got, c.want) {
				t.Errorf("violations %q, want %q", got, c.want)
			}
		})
	}
}

func TestReconcileOnlyLetsTheListShrink(t *testing.T) {
	found := Check([]Package{pkg("login", "admin"), pkg("storage", "directory")})
	known := []Exception{{From: "login", To: "admin"}, {From: "cmd/vhod", To: "internal/ruid"}}
	unexpected, stale := Reconcile(found, known)
	if got := edges(unexpected); !slices.Equal(got, []string{"storage → directory"}) {
		t.Errorf("unexpected %q, want the new storage → directory only", got)
	}
	if len(stale) != 1 || stale[0].From != "cmd/vhod" || stale[0].To != "internal/ruid" {
		t.Errorf("stale %v, want the exception that no longer occurs", stale)
	}
}

// The table must name only layers it defines, or a typo would silently forbid
// (or, in testKits, fail to place) an import.
func TestTableIsConsistent(t *testing.T) {
	names := map[string]bool{}
	for _, l := range layers {
		if names[l.Name] {
			t.Errorf("layer %s is defined twice", l.Name)
		}
		names[l.Name] = true
	}
	for _, l := range layers {
		for _, m := range l.MayImport {
			if !names[m] {
				t.Errorf("layer %s may import %q, which is no layer", l.Name, m)
			}
		}
	}
	for _, k := range testKits {
		if layerOf(k) == nil {
			t.Errorf("test kit %s is in no layer", k)
		}
	}
	for _, e := range Exceptions {
		if e.Why == "" {
			t.Errorf("exception %s → %s does not say why it is there", e.From, e.To)
		}
	}
}
