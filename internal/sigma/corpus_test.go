package sigma

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/khien-cert/khien/internal/corpustest"
)

// corpusDir returns the shared real-world corpus: $KHIEN_CORPUS, else
// ../../../shared/corpus from this package. Tests skip when it is absent,
// except under CI, where its absence is a failure.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := corpusRoot()
	if _, err := os.Stat(filepath.Join(dir, "sigma")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus not found at %s (set KHIEN_CORPUS): %v", dir, err)
		}
		t.Skipf("corpus not found at %s (set KHIEN_CORPUS to run): %v", dir, err)
	}
	return dir
}

// corpusRoot is the shared corpus folder (see corpustest).
func corpusRoot() string { return corpustest.Root() }
