package audit

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

func openRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", filepath.Base(path), got, want)
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := t.TempDir()
	s1, v1, err := LoadOrCreateKey(openRoot(t, dir), KeyName)
	if err != nil {
		t.Fatal(err)
	}
	wantMode(t, filepath.Join(dir, "keys"), 0o700)
	wantMode(t, filepath.Join(dir, "keys", "audit.key"), 0o600)
	wantMode(t, filepath.Join(dir, "keys", "audit.pub"), 0o644)
	if s1.Name() != KeyName || v1.Name() != KeyName || s1.KeyHash() != v1.KeyHash() {
		t.Fatalf("signer %s/%08x, verifier %s/%08x", s1.Name(), s1.KeyHash(), v1.Name(), v1.KeyHash())
	}

	s2, v2, err := LoadOrCreateKey(openRoot(t, dir), KeyName)
	if err != nil {
		t.Fatal(err)
	}
	if s2.KeyHash() != s1.KeyHash() {
		t.Fatal("second load made a new key")
	}
	msg, err := note.Sign(&note.Note{Text: "hello\n"}, s1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(v2)); err != nil {
		t.Fatalf("the reloaded verifier rejects the first signer: %v", err)
	}

	pub, err := os.ReadFile(filepath.Join(dir, "keys", "audit.pub"))
	if err != nil {
		t.Fatal(err)
	}
	v3, err := LoadVerifier(string(pub))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(v3)); err != nil {
		t.Fatalf("audit.pub does not verify the signer's notes: %v", err)
	}
}

func TestLoadOrCreateKeyRepairsPublicFile(t *testing.T) {
	dir := t.TempDir()
	_, v, err := LoadOrCreateKey(openRoot(t, dir), KeyName)
	if err != nil {
		t.Fatal(err)
	}
	pub := filepath.Join(dir, "keys", "audit.pub")
	if err := os.WriteFile(pub, []byte("khien-audit+00000000+AQ==\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKey(openRoot(t, dir), KeyName); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadVerifier(string(b))
	if err != nil || got.KeyHash() != v.KeyHash() {
		t.Fatalf("audit.pub not repaired: %q, %v", b, err)
	}
}

func TestLoadOrCreateKeyRefuses(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		keyName string
		want    string
	}{
		{"other key name", nil, "someone-else", `holds key "khien-audit"`},
		{"garbage", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "keys", "audit.key"), []byte("not a key\n"), 0o600)
		}, KeyName, "not a note signer key"},
		{"readable by others", func(t *testing.T, dir string) {
			if runtime.GOOS == "windows" {
				t.Skip("no Unix modes")
			}
			os.Chmod(filepath.Join(dir, "keys", "audit.key"), 0o644)
		}, KeyName, "others may read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, _, err := LoadOrCreateKey(openRoot(t, dir), KeyName); err != nil {
				t.Fatal(err)
			}
			if tt.prepare != nil {
				tt.prepare(t, dir)
			}
			_, _, err := LoadOrCreateKey(openRoot(t, dir), tt.keyName)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadOrCreateKeyRefusesBadNames(t *testing.T) {
	for _, name := range []string{"", "khien audit", "khien+audit", "\xff"} {
		dir := t.TempDir()
		if _, _, err := LoadOrCreateKey(openRoot(t, dir), name); err == nil || !strings.Contains(err.Error(), "bad key name") {
			t.Errorf("LoadOrCreateKey(%q) = %v, want a bad-name error", name, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "keys", "audit.key")); err == nil {
			t.Errorf("LoadOrCreateKey(%q) wrote a key it cannot use", name)
		}
	}
}

func TestLoadOrCreateKeyConcurrentFirstUse(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	hashes := make([]uint32, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		root := openRoot(t, dir)
		wg.Go(func() {
			s, _, err := LoadOrCreateKey(root, KeyName)
			if err == nil {
				hashes[i] = s.KeyHash()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if hashes[i] != hashes[0] {
			t.Fatalf("concurrent first use made different keys: %08x and %08x", hashes[0], hashes[i])
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("keys/ holds %d files, want audit.key and audit.pub only", len(entries))
	}
}

func TestLoadVerifier(t *testing.T) {
	_, vkey, err := note.GenerateKey(nil, KeyName)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := LoadVerifier("  " + vkey + "\n"); err != nil || v.Name() != KeyName {
		t.Fatalf("LoadVerifier(valid) = %v, %v", v, err)
	}
	for _, bad := range []string{"", "   \n", "khien-audit", "PRIVATE+KEY+x+00000000+AQ=="} {
		if _, err := LoadVerifier(bad); err == nil {
			t.Errorf("LoadVerifier(%q) succeeded", bad)
		}
	}
}
