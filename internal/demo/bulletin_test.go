package demo_test

import (
	"image/png"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/demo"
	"github.com/khien-cert/khien/internal/page"
)

// TestDemoBulletins: the demo publishes the coordinating body's two
// bulletins and one of the demo alliance member with a drawn picture that
// the portal serves as a PNG.
func TestDemoBulletins(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Database = filepath.Join(cfg.DataDir, "khien.db")
	a, err := app.Open(t.Context(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), WithoutBus: true,
		Hasher: auth.NewHasher(auth.TestParams)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := demo.Seed(t.Context(), demo.Deps{Org: a.Org, Auth: a.Auth, Ingest: a.Ingest, Intel: a.Intel,
		Portal: a.Portal}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Portal.PublicBulletins(t.Context(), "", page.Request{})
	if err != nil || len(res.Items) != 3 {
		t.Fatalf("%d public bulletins, %v", len(res.Items), err)
	}
	b := res.Items[0] // the newest: the member's, six hours old
	if b.Publisher != "Công ty An ninh mạng Demo" || len(b.Images) != 1 || b.Images[0].Type != "image/png" {
		t.Fatalf("member bulletin %+v", b)
	}
	if res.Items[1].Publisher != "Trung tâm Ứng cứu sự cố (CERT demo)" {
		t.Errorf("coordinating body's bulletin by %q", res.Items[1].Publisher)
	}
	_, rc, err := a.Portal.PublicBulletinImage(t.Context(), b.ID, b.Images[0].SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	m, err := png.Decode(rc)
	if err != nil || m.Bounds().Dx() != b.Images[0].Width || m.Bounds().Dy() != b.Images[0].Height {
		t.Fatalf("demo picture: %v", err)
	}
}
