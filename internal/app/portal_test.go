package app_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
)

func openApp(t *testing.T, dir string) *app.App {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Database = filepath.Join(dir, "khien.db")
	a, err := app.Open(t.Context(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), WithoutBus: true,
		Hasher: auth.NewHasher(auth.TestParams)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestPortalWiring: the proof-of-work key persists in the data directory;
// the index is rebuilt at start; a publication reaches the built-in
// "portal" intel feed.
func TestPortalWiring(t *testing.T) {
	dir := t.TempDir()
	a := openApp(t, dir)
	key, err := os.ReadFile(filepath.Join(dir, "portal-pow.key"))
	if err != nil || len(key) != 32 {
		t.Fatalf("key: %d bytes, %v", len(key), err)
	}
	ctx, sys := t.Context(), auth.System()
	if _, err := a.Portal.FileReport(ctx, sys, portal.ReportInput{Kind: canon.KindDomain, Value: "lua-dao-ngan-hang.vn"}); err != nil {
		t.Fatal(err)
	}
	q, err := a.Portal.Queue(ctx, sys, portal.EntryFilter{}, page.Request{})
	if err != nil || len(q.Items) != 1 {
		t.Fatalf("queue: %+v, %v", q, err)
	}
	id := q.Items[0].ID
	for _, who := range []auth.Principal{{UserID: "u1", Email: "a@x", Role: auth.RoleCoordinator}, {UserID: "u2", Email: "b@x", Role: auth.RoleCoordinator}} {
		if _, err := a.Portal.Confirm(ctx, who, id, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.SyncPortalFeed(ctx); err != nil {
		t.Fatal(err)
	}
	feeds, err := a.Intel.Feeds(ctx, sys)
	if err != nil {
		t.Fatal(err)
	}
	var feed intel.Feed
	for _, f := range feeds {
		if f.Name == portal.IntelFeedName {
			feed = f
		}
	}
	if feed.Count != 1 {
		t.Errorf("portal feed: %+v", feed)
	}
	if err := a.ExpirePortal(ctx); err != nil {
		t.Fatal(err)
	}
	a.Close()

	b := openApp(t, dir)
	defer b.Close()
	again, _ := os.ReadFile(filepath.Join(dir, "portal-pow.key"))
	if !bytes.Equal(key, again) {
		t.Error("the proof-of-work key changed on restart")
	}
	if base, _ := b.Portal.Index().Len(); base == 0 {
		t.Error("the look-up index was not rebuilt at start")
	}
}
