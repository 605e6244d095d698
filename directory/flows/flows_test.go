package flows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

func TestLoginTransitions(t *testing.T) {
	all := []State{StateStarted, StateCodeSent, StatePasswordChange, StateConsentRequired, StateDone, StateDenied, StateCertConfirm, StateOrgChoice}
	allowed := map[[2]State]bool{
		{StateStarted, StateStarted}: true, {StateStarted, StateCodeSent}: true,
		{StateStarted, StateConsentRequired}: true, {StateStarted, StateDone}: true,
		{StateCodeSent, StateCodeSent}: true, {StateCodeSent, StateStarted}: true,
		{StateCodeSent, StateConsentRequired}: true, {StateCodeSent, StateDone}: true,
		{StateConsentRequired, StateDone}: true, {StateConsentRequired, StateDenied}: true,
		{StateStarted, StatePasswordChange}: true, {StateCodeSent, StatePasswordChange}: true,
		{StatePasswordChange, StatePasswordChange}: true, {StatePasswordChange, StateConsentRequired}: true,
		{StatePasswordChange, StateDone}: true,
		{StateStarted, StateCertConfirm}: true, {StateCodeSent, StateCertConfirm}: true, {StatePasswordChange, StateCertConfirm}: true,
		{StateCertConfirm, StateStarted}: true, {StateCertConfirm, StateConsentRequired}: true, {StateCertConfirm, StateDone}: true,
		{StateStarted, StateOrgChoice}: true, {StateCodeSent, StateOrgChoice}: true, {StatePasswordChange, StateOrgChoice}: true,
		{StateCertConfirm, StateOrgChoice}: true, {StateOrgChoice, StateConsentRequired}: true, {StateOrgChoice, StateDone}: true,
	}
	for _, from := range all {
		for _, to := range all {
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				f := Flow{storage.Flow{Kind: string(KindLogin), State: string(from)}}
				err := f.To(to, time.Now())
				if allowed[[2]State{from, to}] != (err == nil) {
					t.Fatalf("allowed=%v, err=%v", allowed[[2]State{from, to}], err)
				}
				if err == nil && (f.State != string(to) || len(f.Steps) != 1 || f.Steps[0].From != string(from)) {
					t.Fatalf("flow after move: %+v", f.Flow)
				}
				if err != nil && f.State != string(from) {
					t.Fatal("a refused move changed the state")
				}
			})
		}
	}
}

func TestUnknownKindMovesNowhere(t *testing.T) {
	f := Flow{storage.Flow{Kind: "nope", State: string(StateStarted)}}
	if err := f.To(StateDone, time.Now()); err == nil {
		t.Fatal("unknown kind moved")
	}
}

func TestRecoveryTransitions(t *testing.T) {
	for _, tc := range []struct {
		from, to State
		ok       bool
	}{
		{StateStarted, StateSMSSent, true}, {StateStarted, StateCodeSent, true}, {StateCodeSent, StateDone, true},
		{StateCodeSent, StateCodeSent, true}, {StateSMSSent, StateDone, false}, {StateStarted, StateDone, false},
		{StateDone, StateStarted, false},
	} {
		f := Flow{storage.Flow{Kind: string(KindRecovery), State: string(tc.from)}}
		if err := f.To(tc.to, time.Now()); (err == nil) != tc.ok {
			t.Errorf("%s → %s: %v", tc.from, tc.to, err)
		}
	}
}

// TestFlowDiagrams: every flow kind is in the one transition table, which no
// code changes after its literal, and has its drawing, flow_<kind>.mermaid,
// whose moves (A --> B; [*] marks entry and exit) are exactly the table's.
func TestFlowDiagrams(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []Kind
	for _, f := range pkgs["flows"].Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				if id, ok := n.Type.(*ast.Ident); ok && id.Name == "Kind" {
					for _, v := range n.Values {
						if lit, ok := v.(*ast.BasicLit); ok {
							s, _ := strconv.Unquote(lit.Value)
							kinds = append(kinds, Kind(s))
						}
					}
				}
			case *ast.AssignStmt:
				for _, l := range n.Lhs {
					if ix, ok := l.(*ast.IndexExpr); ok {
						if id, ok := ix.X.(*ast.Ident); ok && id.Name == "transitions" {
							t.Errorf("%s: the transition table is changed outside its literal", fset.Position(n.Pos()))
						}
					}
				}
			}
			return true
		})
	}
	if len(kinds) != len(transitions) {
		t.Errorf("kinds declared %v, in the table %d", kinds, len(transitions))
	}
	edge := regexp.MustCompile(`^\s*(\S+)\s*-->\s*([^\s:]+)\s*(:.*)?$`)
	for _, k := range kinds {
		table, ok := transitions[k]
		if !ok {
			t.Errorf("kind %q has no transitions", k)
			continue
		}
		want := map[[2]State]bool{}
		known := map[State]bool{}
		for from, tos := range table {
			known[from] = true
			for _, to := range tos {
				want[[2]State{from, to}] = true
				known[to] = true
			}
		}
		name := "flow_" + string(k) + ".mermaid"
		b, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("kind %q has no diagram: %v", k, err)
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if strings.TrimSpace(lines[0]) != "stateDiagram-v2" {
			t.Errorf("%s: not a stateDiagram-v2", name)
		}
		drawn := map[[2]State]bool{}
		for i, line := range lines[1:] {
			m := edge.FindStringSubmatch(line)
			if m == nil {
				if strings.TrimSpace(line) != "" && !strings.HasPrefix(strings.TrimSpace(line), "%%") {
					t.Errorf("%s:%d: not a move: %q", name, i+2, line)
				}
				continue
			}
			from, to := State(m[1]), State(m[2])
			switch {
			case from == "[*]" && to == "[*]":
				t.Errorf("%s:%d: from nowhere to nowhere", name, i+2)
			case from == "[*]" || to == "[*]":
				s := from
				if s == "[*]" {
					s = to
				}
				if !known[s] {
					t.Errorf("%s:%d: state %q is not in the table", name, i+2, s)
				}
			default:
				drawn[[2]State{from, to}] = true
				if !want[[2]State{from, to}] {
					t.Errorf("%s:%d: %s --> %s is drawn but not in the table", name, i+2, from, to)
				}
			}
		}
		for e := range want {
			if !drawn[e] {
				t.Errorf("%s: %s --> %s is in the table but not drawn", name, e[0], e[1])
			}
		}
	}
}
