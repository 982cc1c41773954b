package app

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/khien-cert/khien/"

// domains are the packages that hold rules. They must not reach transports
// or SQL: they declare the small interfaces they need instead.
var domains = []string{
	"auth", "audit", "org", "tlp", "page", "errs",
	// capabilities to come; listed now so they are born under the rule
	"intel", "ingest", "detect", "alert", "incident", "alliance", "advisory",
	"evidence", "assessment", "portal", "exposure", "notify", "report",
	"vuln", "csaf", "vulnfeed",
}

// forbidden are imports no domain may have, directly or through another
// package of this module.
var forbidden = []string{
	"net/http", "database/sql",
	module + "internal/store", module + "internal/httpx", module + "internal/api",
	module + "internal/web", module + "internal/app", module + "internal/cli",
}

// imports parses the non-test Go files of every package under internal/ and
// returns each package's imports.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", filepath.Dir(path))
		pkg := module + "internal/" + filepath.ToSlash(rel)
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if !slices.Contains(out[pkg], p) {
				out[pkg] = append(out[pkg], p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDomainImportRules fails on a forbidden import edge from a domain
// package, naming the path by which it is reached.
func TestDomainImportRules(t *testing.T) {
	graph := imports(t)
	if len(graph) < 5 {
		t.Fatalf("found only %d packages; is the test running from internal/app?", len(graph))
	}
	for _, d := range domains {
		pkg := module + "internal/" + d
		if _, ok := graph[pkg]; !ok {
			continue // not built yet
		}
		if path := reach(graph, pkg, map[string]bool{}); path != nil {
			t.Errorf("domain package %s must not import %s (via %s)", d, path[len(path)-1], strings.Join(path, " -> "))
		}
	}
}

// reach returns an import path from pkg to a forbidden package, or nil.
func reach(graph map[string][]string, pkg string, seen map[string]bool) []string {
	if seen[pkg] {
		return nil
	}
	seen[pkg] = true
	for _, im := range graph[pkg] {
		if slices.Contains(forbidden, im) {
			return []string{pkg, im}
		}
		if strings.HasPrefix(im, module) {
			if p := reach(graph, im, seen); p != nil {
				return append([]string{pkg}, p...)
			}
		}
	}
	return nil
}

// TestImportRuleCatchesEdges proves the checker fails on a planted edge.
func TestImportRuleCatchesEdges(t *testing.T) {
	g := map[string][]string{
		module + "internal/org":    {module + "internal/helper"},
		module + "internal/helper": {"database/sql"},
	}
	p := reach(g, module+"internal/org", map[string]bool{})
	if len(p) != 3 || p[2] != "database/sql" {
		t.Fatalf("planted edge not found: %v", p)
	}
}
