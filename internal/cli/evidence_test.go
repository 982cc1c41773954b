package cli

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/evidence/custody"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

// exportBundle runs a small case through a whole Khiên and exports it; it
// returns the bundle file, the custody key file and the first item.
func exportBundle(t *testing.T) (bundlePath, keyPath string, it evidence.Item) {
	t.Helper()
	env := apptest.New(t, storetest.Engines(t)[0])
	ctx := t.Context()
	svc := env.App.Evidence
	c, err := svc.OpenCase(ctx, auth.System(), evidence.Case{OrgID: env.OrgA.ID, Reference: "VN-2026-0099"})
	if err != nil {
		t.Fatal(err)
	}
	inv := env.Users[apptest.Investigator]
	if _, err := svc.Assign(ctx, auth.System(), c.ID, inv.ID, evidence.CaseInvestigator); err != nil {
		t.Fatal(err)
	}
	p := auth.Principal{UserID: inv.ID, Email: inv.Email, Role: inv.Role}
	m := evidence.Metadata{Name: "auth.log", CollectedBy: "Lê Thị Hoa", CollectedAt: time.Now().Add(-time.Hour),
		LegalBasis: "Quyết định 5/2026", Tool: "rsync", ToolVersion: "3.2.7", TLP: tlp.Amber}
	content := []byte("Mar  1 08:00:01 srv sshd[811]: Failed password for root from 203.0.113.9 port 52211 ssh2\n")
	if it, err = svc.Add(ctx, p, c.ID, m, evidence.Note{Reason: "tiếp nhận"}, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bundlePath = filepath.Join(dir, "bundle.tar")
	f, err := os.Create(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := svc.Export(ctx, p, c.ID, nil, evidence.Note{Reason: "truy tố", To: "Viện KSND"}, f); err != nil {
		t.Fatal(err)
	}
	keyPath = filepath.Join(dir, "custody.pub")
	os.WriteFile(keyPath, []byte(svc.PublicKey()+"\n"), 0o644)
	return bundlePath, keyPath, it
}

// tamperFile writes a copy of src with the first occurrence of old replaced
// by new (same length, so the archive's framing stays valid).
func tamperFile(t *testing.T, src, old, new string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte(old))
	if i < 0 || len(old) != len(new) {
		t.Fatalf("cannot tamper: %q not found or lengths differ", old)
	}
	copy(b[i:], new)
	out := filepath.Join(t.TempDir(), "tampered.tar")
	os.WriteFile(out, b, 0o644)
	return out
}

func TestEvidenceVerify(t *testing.T) {
	path, key, it := exportBundle(t)
	code, out, stderr := run(t, "", "evidence", "verify", path)
	if code != 0 || !strings.Contains(out, "bundle OK") || !strings.Contains(out, "1 items") {
		t.Fatalf("verify a good bundle: %d\n%s%s", code, out, stderr)
	}
	if code, out, stderr = run(t, "", "evidence", "verify", "--key", key, path); code != 0 || !strings.Contains(out, "pinned") {
		t.Fatalf("verify with the pinned key: %d\n%s%s", code, out, stderr)
	}
	raw, _ := os.ReadFile(path)
	if code, out, _ = run(t, string(raw), "evidence", "verify", "-"); code != 0 {
		t.Fatalf("verify from standard input: %d\n%s", code, out)
	}

	other := filepath.Join(t.TempDir(), "other.pub")
	_, otherKey, _ := note.GenerateKey(rand.Reader, custody.KeyName)
	os.WriteFile(other, []byte(otherKey+"\n"), 0o644)
	logPath := "custody/" + it.ID + ".jsonl"
	cases := []struct {
		name, bundle string
		args         []string
		want         []string // what the output must name
	}{
		{"content byte", tamperFile(t, path, "203.0.113.9", "203.0.113.8"), nil,
			[]string{"files/" + it.ID + "/auth.log", "SHA-256"}},
		{"custody entry", tamperFile(t, path, `"reason":"tiếp nhận"`, `"reason":"tiếp nhậN"`), nil,
			[]string{logPath + ", entry 2", "was changed"}},
		{"manifest", tamperFile(t, path, `"recipient": "Viện KSND"`, `"recipient": "Viện KSNX"`), nil,
			[]string{"MANIFEST.json", "signature"}},
		{"pinned key", path, []string{"--key", other},
			[]string{"custody.pub", "pinned key"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, stderr := run(t, "", append(append([]string{"evidence", "verify"}, c.args...), c.bundle)...)
			if code != 1 || !strings.Contains(out, "FAILED") {
				t.Fatalf("exit %d, want 1\n%s%s", code, out, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output does not name %q:\n%s", w, out)
				}
			}
		})
	}
	if code, _, stderr := run(t, "", "evidence", "verify", filepath.Join(t.TempDir(), "missing.tar")); code != 1 || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing bundle: %d %s", code, stderr)
	}
	if code, _, _ := run(t, "", "evidence", "verify"); code != 2 {
		t.Errorf("no bundle: exit %d, want 2", code)
	}
}
