package notekey

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
)

func openRoot(t *testing.T) *os.Root {
	t.Helper()
	r, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestSecretOnceAndKept: racing first starts keep one secret, later starts
// read it back, and a file others may read is refused.
func TestSecretOnceAndKept(t *testing.T) {
	root := openRoot(t)
	var made atomic.Int32
	gen := func() (string, error) { return fmt.Sprintf("secret-%d", made.Add(1)), nil }
	got := make([]string, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			s, err := Secret(root, "k.key", gen)
			if err != nil {
				t.Error(err)
			}
			got[i] = s
		})
	}
	wg.Wait()
	for _, s := range got {
		if s != got[0] || s == "" {
			t.Fatalf("racing starts disagree: %q", got)
		}
	}
	again, err := Secret(root, "k.key", func() (string, error) { t.Fatal("generated again"); return "", nil })
	if err != nil || again != got[0] {
		t.Fatalf("read back %q, %v; want %q", again, err, got[0])
	}
	if err := root.Chmod("k.key", 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Secret(root, "k.key", gen); err == nil {
		t.Fatal("a world-readable secret was accepted")
	}
}

// TestLoadOrCreateSigner: the note key round-trips and names its owner.
func TestLoadOrCreateSigner(t *testing.T) {
	root := openRoot(t)
	s1, v1, vkey, err := LoadOrCreate(root, "keys/audit", "khien-audit")
	if err != nil {
		t.Fatal(err)
	}
	s2, _, vkey2, err := LoadOrCreate(root, "keys/audit", "khien-audit")
	if err != nil || vkey2 != vkey || s1.KeyHash() != s2.KeyHash() || v1.Name() != "khien-audit" {
		t.Fatalf("second load differs: %v", err)
	}
	if _, _, _, err := LoadOrCreate(root, "keys/audit", "someone-else"); err == nil {
		t.Fatal("a key of another name was accepted")
	}
}
