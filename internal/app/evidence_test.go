package app_test

import (
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// TestReverifyRaisesAlert changes a byte of a stored blob behind the vault's
// back: re-verification raises an evidence integrity alert that
// coordinators see and constituents do not.
func TestReverifyRaisesAlert(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Database = filepath.Join(cfg.DataDir, "khien.db")
	a, err := app.Open(t.Context(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), WithoutBus: true,
		Hasher: auth.NewHasher(auth.TestParams)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, sys := t.Context(), auth.System()
	o, err := a.Org.CreateOrg(ctx, sys, org.Org{Slug: "bo-a", Name: "Bộ A", Kind: org.KindMinistry})
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.Auth.CreateUser(ctx, sys, auth.NewUser{Email: "inv@cert.example", Name: "Inv", Role: auth.RoleInvestigator, Password: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Evidence.OpenCase(ctx, sys, evidence.Case{OrgID: o.ID, Reference: "CASE-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Evidence.Assign(ctx, sys, c.ID, u.ID, evidence.CaseInvestigator); err != nil {
		t.Fatal(err)
	}
	inv := auth.Principal{UserID: u.ID, Email: u.Email, Role: auth.RoleInvestigator}
	m := evidence.Metadata{Name: "log.txt", Description: "auth log", SourceDevice: "srv01", SourceSystem: "mail", SourceLocation: "Hà Nội",
		CollectedBy: "Inv", CollectedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Method: "copy", Tool: "cp", ToolVersion: "9.1",
		LegalBasis: "Lệnh 1/2026", TLP: tlp.Amber}
	if _, err := a.Evidence.Add(ctx, inv, c.ID, m, evidence.Note{Reason: "test"}, strings.NewReader("original content")); err != nil {
		t.Fatal(err)
	}
	if err := a.ReverifyEvidence(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countAlerts(t, a, auth.Principal{UserID: "c", Role: auth.RoleCoordinator}); n != 0 {
		t.Fatalf("a clean vault raised %d alerts", n)
	}
	tamperBlob(t, filepath.Join(cfg.DataDir, evidence.VaultDir), "original content")
	if err := a.ReverifyEvidence(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countAlerts(t, a, auth.Principal{UserID: "c", Role: auth.RoleCoordinator}); n != 1 {
		t.Errorf("coordinators see %d integrity alerts, want 1", n)
	}
	if n := countAlerts(t, a, auth.Principal{UserID: "x", Role: auth.RoleConstituentAdmin, Orgs: []string{o.ID}}); n != 0 {
		t.Errorf("a constituent sees %d integrity alerts", n)
	}
}

func countAlerts(t *testing.T, a *app.App, p auth.Principal) int {
	t.Helper()
	res, err := a.Alerts.List(t.Context(), p, alert.Filter{Kind: alert.KindEvidenceIntegrity}, page.Request{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Items)
}

// tamperBlob flips one byte of the stored content (the only file in the
// vault holding exactly those bytes).
func tamperBlob(t *testing.T, vault string, content string) {
	t.Helper()
	done := false
	filepath.WalkDir(vault, func(path string, d fs.DirEntry, err error) error {
		if err != nil || done || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil || string(b) != content {
			return err
		}
		b[0] ^= 0xff
		os.Chmod(path, 0o600)
		done = os.WriteFile(path, b, 0o600) == nil
		return nil
	})
	if !done {
		t.Fatal("no blob found to tamper with")
	}
}

// TestSweepEvidenceUsesConfig: the app's sweep takes its ages from the
// configuration: an upload older than --evidence-upload-ttl goes, a
// younger one stays.
func TestSweepEvidenceUsesConfig(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Database = filepath.Join(cfg.DataDir, "khien.db")
	cfg.EvidenceUploadTTL = time.Hour
	now := time.Now()
	clock := func() time.Time { return now }
	a, err := app.Open(t.Context(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), WithoutBus: true, Now: clock,
		Hasher: auth.NewHasher(auth.TestParams)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, sys := t.Context(), auth.System()
	o, err := a.Org.CreateOrg(ctx, sys, org.Org{Slug: "bo-a", Name: "Bộ A", Kind: org.KindMinistry})
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.Auth.CreateUser(ctx, sys, auth.NewUser{Email: "inv@cert.example", Name: "Inv", Role: auth.RoleInvestigator, Password: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Evidence.OpenCase(ctx, sys, evidence.Case{OrgID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Evidence.Assign(ctx, sys, c.ID, u.ID, evidence.CaseInvestigator); err != nil {
		t.Fatal(err)
	}
	inv := auth.Principal{UserID: u.ID, Email: u.Email, Role: auth.RoleInvestigator}
	m := evidence.Metadata{Name: "mem.raw", CollectedBy: "Inv", CollectedAt: now.Add(-time.Hour), LegalBasis: "L", TLP: tlp.Amber}
	up, err := a.Evidence.StartUpload(ctx, inv, c.ID, m, evidence.Note{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SweepEvidence(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Evidence.UploadStatus(ctx, inv, up.ID); err != nil {
		t.Fatalf("a fresh upload was swept: %v", err)
	}
	now = now.Add(2 * time.Hour)
	if err := a.SweepEvidence(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Evidence.UploadStatus(ctx, inv, up.ID); err == nil {
		t.Fatal("an upload older than the configured TTL was kept")
	}
}

// TestEvidenceOnS3: with --evidence-s3 the vault keeps its blobs in the
// bucket (KHIEN_TEST_S3 names one; skipped without), and nothing under
// DATA-DIR/evidence.
func TestEvidenceOnS3(t *testing.T) {
	u := os.Getenv("KHIEN_TEST_S3")
	if u == "" {
		t.Skip("KHIEN_TEST_S3 not set: no S3-compatible server to test against")
	}
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Database = filepath.Join(cfg.DataDir, "khien.db")
	cfg.EvidenceS3 = u
	a, err := app.Open(t.Context(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), WithoutBus: true,
		Hasher: auth.NewHasher(auth.TestParams)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, sys := t.Context(), auth.System()
	o, err := a.Org.CreateOrg(ctx, sys, org.Org{Slug: "bo-a", Name: "Bộ A", Kind: org.KindMinistry})
	if err != nil {
		t.Fatal(err)
	}
	usr, err := a.Auth.CreateUser(ctx, sys, auth.NewUser{Email: "inv@cert.example", Name: "Inv", Role: auth.RoleInvestigator, Password: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Evidence.OpenCase(ctx, sys, evidence.Case{OrgID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Evidence.Assign(ctx, sys, c.ID, usr.ID, evidence.CaseInvestigator); err != nil {
		t.Fatal(err)
	}
	inv := auth.Principal{UserID: usr.ID, Email: usr.Email, Role: auth.RoleInvestigator}
	content := "s3 evidence " + time.Now().String()
	it, err := a.Evidence.Add(ctx, inv, c.ID, evidence.Metadata{Name: "x.log", CollectedBy: "A", CollectedAt: time.Now().Add(-time.Hour),
		LegalBasis: "L", TLP: tlp.Amber}, evidence.Note{}, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	rc, _, err := a.Evidence.Download(ctx, inv, it.ID, evidence.Note{Reason: "check"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(b) != content {
		t.Fatalf("download from S3: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, evidence.VaultDir)); !os.IsNotExist(err) {
		t.Errorf("a local vault was made: %v", err)
	}
	if err := a.ReverifyEvidence(ctx); err != nil {
		t.Fatal(err)
	}
}
