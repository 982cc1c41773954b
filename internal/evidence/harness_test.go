package evidence_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

// env is a vault on a fresh database with one case and a cast of users.
type env struct {
	t      *testing.T
	db     storetest.DB
	svc    *evidence.Service
	data   string // the data directory (keys/, evidence/)
	org    org.Org
	caseID string
	p      map[string]auth.Principal
}

// personas: who they are, and whether they are assigned to the case.
var personas = []struct {
	name   string
	role   auth.Role
	assign evidence.CaseRole
}{
	{"inv", auth.RoleInvestigator, evidence.CaseInvestigator},
	{"inv2", auth.RoleInvestigator, evidence.CaseInvestigator},
	{"coord", auth.RoleCoordinator, evidence.CaseCoordinator},
	{"outsider", auth.RoleInvestigator, ""},
	{"admin", auth.RoleAdministrator, ""},
	{"lead", auth.RoleLeadership, ""},
	{"analyst", auth.RoleConstituentAnalyst, ""},
}

func newEnv(t *testing.T, db storetest.DB) *env {
	t.Helper()
	e := &env{t: t, db: db, data: t.TempDir(), p: map[string]auth.Principal{}}
	root, err := os.OpenRoot(e.data)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if e.svc, err = evidence.Open(root, evidence.Deps{Store: db.DB}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.svc.Close() })
	ctx := t.Context()
	sys := audit.New(auth.System(), "org.create", "organisation", "", "")
	if e.org, err = db.CreateOrg(ctx, org.Org{Slug: "bo-a", Name: "Bộ A", Kind: org.KindMinistry}, sys); err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.OpenCase(ctx, auth.System(), evidence.Case{OrgID: e.org.ID, Reference: "VN-2026-0042", Title: "Lừa đảo ngân hàng"})
	if err != nil {
		t.Fatal(err)
	}
	e.caseID = c.ID
	for _, ps := range personas {
		u, err := db.CreateUser(ctx, auth.System(), auth.User{Email: ps.name + "@cert.vn", Name: ps.name, Role: ps.role,
			Language: "vi", Orgs: []string{e.org.ID}}, "not-a-hash")
		if err != nil {
			t.Fatal(err)
		}
		e.p[ps.name] = auth.Principal{UserID: u.ID, Email: u.Email, Role: ps.role, Orgs: []string{e.org.ID}, Remote: "192.0.2.7"}
		if ps.assign != "" {
			if _, err := e.svc.Assign(ctx, auth.System(), c.ID, u.ID, ps.assign); err != nil {
				t.Fatal(err)
			}
		}
	}
	return e
}

// meta is valid metadata for a test item.
func meta(name string) evidence.Metadata {
	return evidence.Metadata{Name: name, Description: "Ảnh đĩa máy trạm kế toán", SourceDevice: "Dell Latitude SN 7XK2",
		SourceSystem: "máy trạm kế toán", SourceLocation: "Phòng 302, 12 Lý Thường Kiệt, Hà Nội", CollectedBy: "Nguyễn Văn An",
		CollectedAt: time.Date(2026, 2, 27, 9, 30, 0, 0, time.UTC), Method: "live acquisition", Tool: "FTK Imager", ToolVersion: "4.7.1",
		LegalBasis: "Lệnh khám xét 17/2026/LKX", SealNumber: "", TLP: tlp.Amber}
}

// add adds content as a new item by persona who.
func (e *env) add(who string, content []byte) evidence.Item {
	e.t.Helper()
	it, err := e.svc.Add(e.t.Context(), e.p[who], e.caseID, meta("disk.dd"), evidence.Note{Reason: "nhận từ đội thu thập"}, bytes.NewReader(content))
	if err != nil {
		e.t.Fatal(err)
	}
	return it
}

func (e *env) auditSize() int64 {
	e.t.Helper()
	n, _, err := e.db.AuditHead(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// blobFiles lists the files in the vault's blob tree.
func (e *env) blobFiles() []string {
	var out []string
	filepath.WalkDir(filepath.Join(e.data, evidence.VaultDir, "sha256"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, filepath.Base(p))
		}
		return nil
	})
	return out
}

// blobPath is where content with this SHA-256 lives on disk.
func (e *env) blobPath(sum string) string {
	return filepath.Join(e.data, evidence.VaultDir, "sha256", sum[:2], sum[2:4], sum)
}

// exec changes the database behind the service's back.
func (e *env) exec(query string, args ...any) {
	e.t.Helper()
	driver, dsn := "sqlite", e.db.DSN
	if strings.HasPrefix(dsn, "postgres") {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		e.t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(context.Background(), query, args...); err != nil {
		e.t.Fatal(err)
	}
}

func wantErr(t *testing.T, err error, kind errs.Kind, code string) {
	t.Helper()
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || e.Kind != kind || (code != "" && e.Code != code) {
		t.Fatalf("error %v, want kind %s code %q", err, kind, code)
	}
}
