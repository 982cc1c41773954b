// Package corpustest locates the shared real-world corpus (../shared/corpus
// beside the repository, or $KHIEN_CORPUS) for tests of importers and
// parsers. A test that needs the corpus is skipped with a message when it is
// absent — and fails when CI is set, where the corpus must be there.
package corpustest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Root is the corpus folder, whether or not it exists: $KHIEN_CORPUS, or
// shared/corpus beside the repository (found from this file's location, so
// it works from any package's test).
func Root() string {
	if dir := os.Getenv("KHIEN_CORPUS"); dir != "" {
		return dir
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "corpus")
}

// Dir returns the corpus folder, skipping t when it is absent (failing it
// when CI is set).
func Dir(t testing.TB) string {
	t.Helper()
	return File(t, "")
}

// File returns the path of a corpus file (rel uses forward slashes),
// skipping t when it is absent (failing it when CI is set).
func File(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Root(), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus file %s: %v (CI needs ../shared beside the repository, or KHIEN_CORPUS)", p, err)
		}
		t.Skipf("corpus file %s is absent; set KHIEN_CORPUS to run this test", p)
	}
	return p
}
