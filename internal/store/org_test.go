package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store/storetest"
)

var all = auth.Scope{All: true}

func entry(action string) audit.Entry { return audit.New(auth.System(), action, "test", "", "") }

func mustOrg(t *testing.T, db storetest.DB, slug, name string) org.Org {
	t.Helper()
	o, err := db.CreateOrg(t.Context(), org.Org{Slug: slug, Name: name, Kind: org.KindEnterprise}, entry("org.create"))
	if err != nil {
		t.Fatalf("CreateOrg(%s): %v", slug, err)
	}
	return o
}

func auditSize(t *testing.T, db storetest.DB) int64 {
	t.Helper()
	n, _, err := db.AuditHead(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOrgStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		a := mustOrg(t, db, "bo-cong-an", "Bộ Công an")
		b := mustOrg(t, db, "da-nang", "UBND Đà Nẵng")
		if got, err := db.GetOrg(ctx, all, "bo-cong-an"); err != nil || got.ID != a.ID || got.Name != "Bộ Công an" {
			t.Fatalf("GetOrg by slug = %+v, %v", got, err)
		}
		if !got(db.GetOrg(ctx, all, a.ID)).CreatedAt.Equal(a.CreatedAt) {
			t.Error("created_at does not round-trip")
		}
		before := auditSize(t, db)
		_, err := db.CreateOrg(ctx, org.Org{Slug: "da-nang", Name: "dup", Kind: org.KindEnterprise}, entry("org.create"))
		if e := asErr(t, err, errs.KindConflict); len(e.Fields) != 1 || e.Fields[0].Field != "slug" {
			t.Errorf("duplicate slug fields = %+v", e.Fields)
		}
		if auditSize(t, db) != before {
			t.Error("a refused create appended an audit entry")
		}
		// Scope: a scope of B alone neither gets nor lists A.
		onlyB := auth.Scope{Orgs: []string{b.ID}}
		if _, err := db.GetOrg(ctx, onlyB, a.ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("out-of-scope GetOrg: %v", err)
		}
		res, err := db.ListOrgs(ctx, onlyB, org.OrgFilter{}, page.Request{Limit: 10, Sort: "name"})
		if err != nil || len(res.Items) != 1 || res.Items[0].ID != b.ID {
			t.Errorf("scoped ListOrgs = %+v, %v", res.Items, err)
		}
		if _, err := db.GetOrg(ctx, auth.Scope{}, a.ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("empty scope GetOrg: %v", err)
		}
		// Accent-insensitive search.
		res, err = db.ListOrgs(ctx, all, org.OrgFilter{Query: "BO CONG AN"}, page.Request{Limit: 10, Sort: "name"})
		if err != nil || len(res.Items) != 1 || res.Items[0].ID != a.ID {
			t.Errorf("folded search = %+v, %v", res.Items, err)
		}
		// Update keeps ID and creation time, audits with both digests.
		a.Name = "Bộ Công an (sửa)"
		up, err := db.UpdateOrg(ctx, all, a, entry("org.update"))
		if err != nil || up.Name != a.Name || up.ID != a.ID {
			t.Fatalf("UpdateOrg = %+v, %v", up, err)
		}
		if _, err := db.UpdateOrg(ctx, onlyB, a, entry("org.update")); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("out-of-scope UpdateOrg: %v", err)
		}
	})
}

func got[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func asErr(t *testing.T, err error, kind errs.Kind) *errs.Error {
	t.Helper()
	if !errs.Is(err, kind) {
		t.Fatalf("error %v, want kind %s", err, kind)
	}
	e, _ := err.(*errs.Error)
	if e == nil {
		t.Fatalf("error %T is not *errs.Error", err)
	}
	return e
}

// TestListPagination walks every sort order both ways over 23 rows in pages
// of 5 and checks each row comes exactly once, in order.
func TestListPagination(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		var want []string
		for i := range 23 {
			o := mustOrg(t, db, fmt.Sprintf("org-%02d", i), fmt.Sprintf("Tổ chức %02d", (i*7)%23))
			want = append(want, o.ID)
			if _, err := db.CreateSystem(ctx, all, org.System{OrgID: o.ID, Name: "S", Level: 1 + i%5, Status: org.SystemOperating}, entry("system.create")); err != nil {
				t.Fatal(err)
			}
		}
		for _, sort := range org.OrgSorts {
			for _, desc := range []bool{false, true} {
				ids := walk(t, func(c string) (page.Result[org.Org], error) {
					return db.ListOrgs(ctx, all, org.OrgFilter{}, page.Request{Limit: 5, Sort: sort, Desc: desc, Cursor: c})
				}, func(o org.Org) string { return o.ID })
				if len(ids) != 23 || !sameSet(ids, want) {
					t.Errorf("orgs by %s desc=%v: %d rows", sort, desc, len(ids))
				}
			}
		}
		for _, sort := range org.SystemSorts {
			var prev *org.System
			rows := 0
			walk(t, func(c string) (page.Result[org.System], error) {
				return db.ListSystems(ctx, all, org.SystemFilter{}, page.Request{Limit: 4, Sort: sort, Cursor: c})
			}, func(s org.System) string {
				if prev != nil && sort == "security_level" && s.Level < prev.Level {
					t.Errorf("systems by level out of order: %d after %d", s.Level, prev.Level)
				}
				prev, rows = &s, rows+1
				return s.ID
			})
			if rows != 23 {
				t.Errorf("systems by %s: %d rows", sort, rows)
			}
		}
	})
}

// walk pages through a list and returns the IDs in order, failing on repeats.
func walk[T any](t *testing.T, list func(cursor string) (page.Result[T], error), id func(T) string) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	cursor := ""
	for range 100 {
		res, err := list(cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Items {
			k := id(it)
			if seen[k] {
				t.Fatalf("row %s returned twice", k)
			}
			seen[k] = true
			ids = append(ids, k)
		}
		if res.Next == "" {
			return ids
		}
		cursor = res.Next
	}
	t.Fatal("pagination did not end")
	return nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestRegistryStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		a := mustOrg(t, db, "bank", "Bank")
		b := mustOrg(t, db, "isp", "ISP")
		parent, err := db.CreateSystem(ctx, all, org.System{OrgID: a.ID, Name: "Core", Level: 2, Status: org.SystemOperating}, entry("system.create"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateSystem(ctx, all, org.System{OrgID: a.ID, ParentID: parent.ID, Name: "DB", Level: 4, Status: org.SystemOperating}, entry("system.create")); err != nil {
			t.Fatal(err)
		}
		if s := got(db.GetSystem(ctx, all, parent.ID)); s.EffectiveLevel != 4 {
			t.Errorf("composite effective level = %d, want 4 (its component's)", s.EffectiveLevel)
		}
		_, err = db.CreateSystem(ctx, all, org.System{OrgID: a.ID, Name: "Core", Level: 1, Status: org.SystemOperating}, entry("system.create"))
		if e := asErr(t, err, errs.KindConflict); e.Code != "system.name_taken" {
			t.Errorf("duplicate system code %q", e.Code)
		}
		_, err = db.CreateSystem(ctx, all, org.System{OrgID: a.ID, Name: "Six", Level: 6, Status: org.SystemOperating}, entry("system.create"))
		asErr(t, err, errs.KindInvalid) // the CHECK constraint backs the validator
		if _, err := db.CreateSystem(ctx, auth.Scope{Orgs: []string{b.ID}}, org.System{OrgID: a.ID, Name: "X", Level: 1, Status: org.SystemOperating}, entry("system.create")); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("create in another tenant: %v", err)
		}

		claim := func(o org.Org, v string) (org.Resource, error) {
			return db.ClaimResource(ctx, all, org.Resource{OrgID: o.ID, Type: org.ResourceCIDR, Value: v, Status: org.ClaimPending,
				ClaimedBy: "t", ClaimedAt: time.Now()}, entry("resource.claim"))
		}
		r1 := got(claim(a, "192.0.2.0/24"))
		_, err = claim(b, "192.0.2.0/24")
		if e := asErr(t, err, errs.KindConflict); e.Code != "resource.claimed" || e.Fields[0].Field != "value" {
			t.Errorf("double claim = %+v", e)
		}
		if _, err := db.DecideResource(ctx, all, r1.ID, org.Decision{Reason: "not yours", By: "c", At: time.Now()}, entry("resource.reject")); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DecideResource(ctx, all, r1.ID, org.Decision{Approve: true, By: "c", At: time.Now()}, entry("resource.approve")); !errs.Is(err, errs.KindConflict) {
			t.Errorf("deciding twice: %v", err)
		}
		r2 := got(claim(b, "192.0.2.0/24")) // a rejected claim frees the value
		got(db.DecideResource(ctx, all, r2.ID, org.Decision{Approve: true, By: "c", At: time.Now()}, entry("resource.approve")))
		appr := got(db.ApprovedResources(ctx))
		if len(appr) != 1 || appr[0].OrgID != b.ID || appr[0].Value != "192.0.2.0/24" {
			t.Errorf("approved = %+v", appr)
		}

		before := auditSize(t, db)
		items := []org.Software{
			{OrgID: a.ID, SystemID: parent.ID, Product: "http_server", Vendor: "apache", Version: "2.4.57", CPE: "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*"},
			{OrgID: a.ID, SystemID: parent.ID, Product: "log4j-core", Vendor: "org.apache.logging.log4j", Version: "2.14.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
		}
		if _, err := db.AddSoftware(ctx, all, items, entry("software.import")); err != nil {
			t.Fatal(err)
		}
		if n := auditSize(t, db); n != before+1 {
			t.Errorf("a batch import appended %d audit entries, want 1", n-before)
		}
		bad := []org.Software{items[0], {OrgID: a.ID, SystemID: "no-such-system", Product: "x"}}
		if _, err := db.AddSoftware(ctx, all, bad, entry("software.import")); err == nil {
			t.Error("a batch with a bad row was accepted")
		}
		sw := got(db.ListSoftware(ctx, all, org.SoftwareFilter{SystemID: parent.ID}, page.Request{Limit: 10, Sort: "product"}))
		if len(sw.Items) != 2 {
			t.Errorf("inventory after a refused batch: %d items, want 2 (nothing half-imported)", len(sw.Items))
		}
		if res := got(db.ListSoftware(ctx, auth.Scope{Orgs: []string{b.ID}}, org.SoftwareFilter{SystemID: parent.ID}, page.Request{Limit: 10, Sort: "product"})); len(res.Items) != 0 {
			t.Errorf("another tenant lists %d inventory items", len(res.Items))
		}
	})
}
