package demo_test

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/demo"
	"github.com/khien-cert/khien/internal/page"
)

// TestDemoSharedEvidence: the demo responder, mobilised to an incident,
// finds one item of its evidence case shared with them.
func TestDemoSharedEvidence(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Database = filepath.Join(cfg.DataDir, "khien.db")
	a, err := app.Open(t.Context(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), WithoutBus: true,
		Hasher: auth.NewHasher(auth.TestParams)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := demo.Seed(t.Context(), demo.Deps{Org: a.Org, Auth: a.Auth, Ingest: a.Ingest, Intel: a.Intel, Notify: a.Notify,
		Evidence: a.Evidence, Portal: a.Portal, Incidents: a.Incidents, Advisory: a.Advisory, Alliance: a.Alliance}); err != nil {
		t.Fatal(err)
	}
	u, err := a.DB.AccountByEmail(t.Context(), "responder@security.example")
	if err != nil {
		t.Fatal(err)
	}
	p := auth.Principal{UserID: u.ID, Email: u.Email, Role: u.Role, Orgs: u.Orgs}
	res, err := a.Evidence.MyCases(t.Context(), p, page.Request{})
	if err != nil || len(res.Items) != 1 || res.Items[0].Items != 1 {
		t.Fatalf("the demo responder's shared cases: %+v %v", res.Items, err)
	}
	items, err := a.Evidence.List(t.Context(), p, res.Items[0].ID)
	if err != nil || len(items) != 1 || !items[0].Shared {
		t.Fatalf("shared items %+v %v", items, err)
	}
}
