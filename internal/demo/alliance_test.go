package demo_test

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/demo"
	"github.com/khien-cert/khien/internal/page"
)

// TestDemoAlliance seeds the whole demo and checks what it shows of the
// alliance: responders with skills and schedules, someone on call now, and
// the demo responder mobilised to the bank's phishing incident.
func TestDemoAlliance(t *testing.T) {
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
	ctx, sys := t.Context(), auth.System()
	ps, err := a.Alliance.Responders(ctx, sys, alliance.Filter{}, page.Request{})
	if err != nil || len(ps.Items) != 4 {
		t.Fatalf("%d responders, %v", len(ps.Items), err)
	}
	ms, err := a.Alliance.Members(ctx, sys, page.Request{})
	if err != nil || len(ms.Items) != 2 {
		t.Fatalf("%d members, %v", len(ms.Items), err)
	}
	now, err := a.Alliance.Roster(ctx, sys, alliance.Filter{}, true)
	if err != nil || len(now) < 2 {
		t.Fatalf("%d on call now, %v", len(now), err)
	}
	rs, err := a.Alliance.Requests(ctx, sys, "")
	if err != nil || len(rs) != 1 || rs[0].Accepted() != 1 || len(rs[0].Asks) != 2 {
		t.Fatalf("requests %+v, %v", rs, err)
	}
}
