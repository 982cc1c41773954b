package portal

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/khien-cert/khien/"

// TestNoForbiddenImports holds every package under internal/portal to the
// domain rule (docs/architecture.md): no transport, no SQL, no store,
// directly or through any package of the module they import.
func TestNoForbiddenImports(t *testing.T) {
	forbidden := map[string]bool{"net/http": true, "database/sql": true}
	for _, p := range []string{"store", "httpx", "api", "web", "app", "cli"} {
		forbidden[module+"internal/"+p] = true
	}
	var roots []string
	filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && !strings.HasPrefix(d.Name(), "testdata") {
			roots = append(roots, module+"internal/portal/"+filepath.ToSlash(path))
		}
		return err
	})
	seen := map[string]bool{}
	var walk func(pkg string, path []string)
	walk = func(pkg string, path []string) {
		if seen[pkg] {
			return
		}
		seen[pkg] = true
		for _, im := range imports(t, pkg) {
			if forbidden[im] {
				t.Errorf("%s imports %s (via %s)", path[0], im, strings.Join(append(path, im), " -> "))
			}
			if strings.HasPrefix(im, module) {
				walk(im, append(path, im))
			}
		}
	}
	for _, r := range roots {
		walk(strings.TrimSuffix(r, "/."), []string{strings.TrimSuffix(r, "/.")})
	}
	if len(seen) < 5 {
		t.Fatalf("walked only %d packages", len(seen))
	}
}

// imports lists the imports of a module package's non-test files.
func imports(t *testing.T, pkg string) []string {
	dir := filepath.Join("..", "..", filepath.FromSlash(strings.TrimPrefix(pkg, module)))
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("%s: %v", pkg, err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, e.Name()), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			out = append(out, p)
		}
	}
	return out
}
