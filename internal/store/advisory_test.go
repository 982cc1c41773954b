package store_test

import (
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
	"github.com/khien-cert/khien/internal/vuln"
)

// advFixture is two organisations with one system each running nginx 1.24,
// and an advisory service over the database with a settable clock.
type advFixture struct {
	db      storetest.DB
	svc     *advisory.Service
	now     *time.Time
	a, b    org.Org
	sa, sb  org.System
	swA     org.Software
	coordor auth.Principal
}

func newAdvFixture(t *testing.T, db storetest.DB) *advFixture {
	t.Helper()
	ctx := t.Context()
	f := &advFixture{db: db, now: new(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))}
	f.svc = advisory.New(advisory.Deps{Store: db.DB, Matcher: vuln.Matcher{}, Now: func() time.Time { return *f.now }})
	f.a, f.b = mustOrg(t, db, "org-a", "Org A"), mustOrg(t, db, "org-b", "Org B")
	var err error
	for _, x := range []struct {
		o   org.Org
		dst *org.System
		lvl int
	}{{f.a, &f.sa, 4}, {f.b, &f.sb, 2}} {
		*x.dst, err = db.CreateSystem(ctx, all, org.System{OrgID: x.o.ID, Name: "Portal", Level: x.lvl, Status: org.SystemOperating}, entry("system.create"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateContact(ctx, all, org.Contact{OrgID: x.o.ID, Name: "CISO", Role: org.ContactCISO, Email: "ciso@" + x.o.Slug + ".vn",
			Language: "vi", ConfirmedAt: *f.now}, entry("contact.create")); err != nil {
			t.Fatal(err)
		}
		sw, err := db.AddSoftware(ctx, all, []org.Software{{OrgID: x.o.ID, SystemID: x.dst.ID, CPE: "cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*",
			Vendor: "f5", Product: "nginx", Version: "1.24.0"}}, entry("software.add"))
		if err != nil {
			t.Fatal(err)
		}
		if x.o.ID == f.a.ID {
			f.swA = sw[0]
		}
	}
	return f
}

func nginxAdvisory(title string) advisory.Record {
	return advisory.Record{Advisory: advisory.Advisory{Title: title, TitleVI: "Lỗ hổng nginx", Summary: "Heap overflow.",
		TLP: tlp.Clear, CVEs: []string{"cve-2026-1234"},
		Scores:   []advisory.Score{{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
		Products: []advisory.Product{{CPE: "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*", Ranges: []advisory.Range{{Scheme: advisory.SchemeCPE, Lower: "1.20", LowerInclusive: true, Upper: "1.25.3"}}}}}}
}

func countOutbox(t *testing.T, db storetest.DB, kind string) int {
	t.Helper()
	n, err := db.OutboxCountForTest(t.Context(), kind)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAdvisoryLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx, sys := t.Context(), auth.System()
		f := newAdvFixture(t, db)
		r, err := f.svc.Create(ctx, sys, nginxAdvisory("nginx heap overflow"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Severity != advisory.SeverityCritical || r.Scores[0].Base != 9.8 || r.CVEs[0] != "CVE-2026-1234" || r.Status != advisory.StatusDraft {
			t.Fatalf("created %+v", r)
		}
		// A draft produces nothing.
		if res, _ := f.svc.ListActions(ctx, sys, advisory.ActionFilter{}, page.Request{}); len(res.Items) != 0 {
			t.Fatalf("a draft opened %d items", len(res.Items))
		}
		_, sr, err := f.svc.Publish(ctx, sys, r.ID)
		if err != nil || sr.Opened != 2 || sr.Orgs != 2 {
			t.Fatalf("Publish = %+v, %v; want 2 items for 2 orgs", sr, err)
		}
		if n := countOutbox(t, db, "advisory.digest"); n != 2 {
			t.Errorf("digest deliveries = %d, want one per organisation's CISO (2)", n)
		}
		// Due dates: critical on level 4 → 7 days, on level 2 → 15 days.
		items := listActions(t, f.svc, sys)
		for _, it := range items {
			want := 15 * advisory.Day
			if it.OrgID == f.a.ID {
				want = 7 * advisory.Day
			}
			if got := it.DueAt.Sub(*f.now); got != want {
				t.Errorf("%s due in %v, want %v", it.OrgName, got, want)
			}
		}
		// Publishing again is a conflict; re-matching is idempotent.
		if _, _, err := f.svc.Publish(ctx, sys, r.ID); !errs.Is(err, errs.KindConflict) {
			t.Errorf("second publish: %v", err)
		}
		if sr, err := f.svc.MatchAdvisories(ctx, []string{r.ID}); err != nil || sr != (advisory.SyncResult{}) {
			t.Errorf("re-match = %+v, %v; want no change", sr, err)
		}
		// Org A's scope sees only its item; B's is not found.
		scopeA := auth.Scope{Orgs: []string{f.a.ID}}
		res, err := db.ListActionItems(ctx, scopeA, advisory.ActionFilter{}, page.Request{Limit: 50, Sort: "due_at"})
		if err != nil || len(res.Items) != 1 || res.Items[0].OrgID != f.a.ID {
			t.Fatalf("A's list = %+v, %v", res.Items, err)
		}
		var itemB advisory.ActionItem
		for _, it := range items {
			if it.OrgID == f.b.ID {
				itemB = it
			}
		}
		if _, err := db.GetActionItem(ctx, scopeA, itemB.ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("A reading B's item: %v", err)
		}
		// Inventory upgrade: A's match disappears → closed, not deleted.
		if err := db.DeleteSoftware(ctx, all, f.swA.ID, entry("software.delete")); err != nil {
			t.Fatal(err)
		}
		if sr, err := f.svc.MatchOrg(ctx, f.a.ID); err != nil || sr.Closed != 1 {
			t.Fatalf("MatchOrg after removal = %+v, %v", sr, err)
		}
		it, err := db.GetActionItem(ctx, scopeA, res.Items[0].ID)
		if err != nil || it.State != advisory.StateNoLongerAffected || it.ClosedAt.IsZero() {
			t.Errorf("A's item after removal: %+v, %v", it, err)
		}
	})
}

func listActions(t *testing.T, svc *advisory.Service, p auth.Principal) []advisory.ActionItem {
	t.Helper()
	res, err := svc.ListActions(t.Context(), p, advisory.ActionFilter{}, page.Request{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return res.Items
}

func TestActionWorkflowAndLadder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx, sys := t.Context(), auth.System()
		f := newAdvFixture(t, db)
		r, err := f.svc.Create(ctx, sys, nginxAdvisory("nginx"))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Publish(ctx, sys, r.ID); err != nil {
			t.Fatal(err)
		}
		var itA, itB advisory.ActionItem
		for _, it := range listActions(t, f.svc, sys) {
			if it.OrgID == f.a.ID {
				itA = it
			} else {
				itB = it
			}
		}
		constituent := auth.Principal{UserID: "u-a", Email: "analyst@a.vn", Role: auth.RoleConstituentAnalyst, Orgs: []string{f.a.ID}}
		// Claims need a justification; nothing changes without one.
		if _, err := f.svc.Act(ctx, constituent, itA.ID, advisory.ActClaimNA, advisory.ActInput{}); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("claim without justification: %v", err)
		}
		// Another organisation's item is not found.
		if _, err := f.svc.Act(ctx, constituent, itB.ID, advisory.ActAcknowledge, advisory.ActInput{}); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("acting on B's item: %v", err)
		}
		it, err := f.svc.Act(ctx, constituent, itA.ID, advisory.ActAcknowledge, advisory.ActInput{})
		if err != nil || it.State != advisory.StateAcknowledged {
			t.Fatalf("acknowledge: %+v, %v", it, err)
		}
		// A constituent cannot verify its own remediation.
		if _, err := f.svc.Act(ctx, constituent, itA.ID, advisory.ActVerify, advisory.ActInput{}); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("constituent verifying: %v", err)
		}
		// B's item climbs the ladder: CISO a day after due, parent (none →
		// coordinating body) a week later, then the coordinating body.
		cert, err := db.CreateOrg(ctx, org.Org{Slug: "cert", Name: "CERT", Kind: org.KindCoordinator, Coordinating: true}, entry("org.create"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateContact(ctx, all, org.Contact{OrgID: cert.ID, Name: "Duty", Role: org.ContactDuty, Email: "duty@cert.vn",
			Language: "vi", ConfirmedAt: *f.now}, entry("contact.create")); err != nil {
			t.Fatal(err)
		}
		// A's item gets an exception before it falls due: it does not climb.
		x, err := f.svc.RequestException(ctx, constituent, itA.ID, "vendor patch pending; WAF rule in place", f.now.Add(60*advisory.Day))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.DecideException(ctx, sys, x.ID, true, "accepted until the vendor ships"); err != nil {
			t.Fatal(err)
		}
		*f.now = itB.DueAt.Add(time.Hour)
		if n, err := f.svc.EscalateOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("an hour overdue: %d steps, %v", n, err)
		}
		*f.now = itB.DueAt.Add(advisory.Day + time.Hour)
		if n, err := f.svc.EscalateOverdue(ctx); err != nil || n != 1 {
			t.Fatalf("a day overdue: %d steps, %v", n, err)
		}
		*f.now = itB.DueAt.Add(30 * advisory.Day)
		if n, err := f.svc.EscalateOverdue(ctx); err != nil || n != 1 {
			t.Fatalf("a month overdue: %d steps, %v (one rung per sweep, B only)", n, err)
		}
		if n, err := f.svc.EscalateOverdue(ctx); err != nil || n != 1 {
			t.Fatalf("next sweep: %d steps, %v", n, err)
		}
		steps, err := db.ActionEscalations(ctx, all, itB.ID)
		if err != nil || len(steps) != 3 || steps[1].TargetOrg != cert.ID || steps[2].Target != advisory.RungCoordinator {
			t.Fatalf("B's steps = %+v, %v", steps, err)
		}
		if a, _ := db.GetActionItem(ctx, all, itA.ID); a.EscalationLevel != 0 {
			t.Errorf("excepted item escalated to %d", a.EscalationLevel)
		}
		if n := countOutbox(t, db, "action.escalated"); n != 3 {
			t.Errorf("escalation deliveries = %d, want one per rung (B's CISO, then the CERT's duty twice)", n)
		}
		// The exception expires by itself.
		*f.now = x.Until.Add(time.Minute)
		if n, err := f.svc.ExpireExceptions(ctx); err != nil || n != 1 {
			t.Fatalf("expire: %d, %v", n, err)
		}
		if a, _ := db.GetActionItem(ctx, all, itA.ID); !a.ExceptionUntil.IsZero() || !a.Overdue(*f.now) {
			t.Errorf("after expiry: %+v", a)
		}
		// Debt: A and B both overdue; B has the lower level but is older.
		rep, err := f.svc.Debt(ctx, sys, advisory.ByOrg)
		if err != nil || len(rep.Ranking) != 2 || rep.Total.Overdue != 2 || rep.Total.Score <= 0 {
			t.Fatalf("debt = %+v, %v", rep, err)
		}
		if _, err := f.svc.SnapshotDebt(ctx); err != nil {
			t.Fatal(err)
		}
		trend, err := f.svc.Trend(ctx, sys, "", 7)
		if err != nil || len(trend) != 7 || trend[6].Score != rep.Total.Score {
			t.Fatalf("trend = %+v, %v; want today's score %v last", trend, err, rep.Total.Score)
		}
		// Remediate and verify: A's debt goes away.
		if _, err := f.svc.Act(ctx, constituent, itA.ID, advisory.ActRemediate, advisory.ActInput{Note: "upgraded to 1.26.2"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Act(ctx, sys, itA.ID, advisory.ActVerify, advisory.ActInput{}); err != nil {
			t.Fatal(err)
		}
		rep2, _ := f.svc.Debt(ctx, sys, advisory.ByOrg)
		if rep2.Total.Score >= rep.Total.Score || rep2.Total.Overdue != 1 {
			t.Errorf("debt after remediation %+v, before %+v", rep2.Total, rep.Total)
		}
	})
}

func TestAdvisoryImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx, sys := t.Context(), auth.System()
		f := newAdvFixture(t, db)
		good := nginxAdvisory("nginx").Advisory
		good.Source, good.SourceID, good.Revision = advisory.SourceCSAF, "VENDOR-2026-001", "1.0.0"
		bad := good
		bad.SourceID = "VENDOR-2026-002"
		bad.Products = []advisory.Product{{CPE: "cpe:/a:not:2.3"}}
		before := auditSize(t, db)
		res, err := f.svc.Import(ctx, sys, []advisory.Advisory{good, bad})
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 1 || res.Failed != 1 || res.Documents[1].Outcome != advisory.OutcomeFailed || len(res.Documents[1].Problems) == 0 {
			t.Fatalf("import = %+v", res)
		}
		if res.ActionItems != 2 {
			t.Errorf("import opened %d action items, want 2", res.ActionItems)
		}
		if n := auditSize(t, db) - before; n < 1 {
			t.Error("no audit entry for the import")
		}
		// The same revision again: unchanged; a newer one: replaced.
		res, _ = f.svc.Import(ctx, sys, []advisory.Advisory{good})
		if res.Unchanged != 1 {
			t.Errorf("re-import = %+v", res)
		}
		newer := good
		newer.Revision, newer.Title = "1.1.0", "nginx (updated)"
		res, _ = f.svc.Import(ctx, sys, []advisory.Advisory{newer})
		if res.Updated != 1 {
			t.Fatalf("newer import = %+v", res)
		}
		got, err := f.svc.Get(ctx, sys, res.Documents[0].ID)
		if err != nil || got.Title != "nginx (updated)" || len(got.Products) != 1 {
			t.Errorf("after update: %+v, %v", got, err)
		}
		// The CSAF provider sees only the platform's own published CLEAR ones.
		pub, err := db.PublishedAdvisories(ctx)
		if err != nil || len(pub) != 0 {
			t.Errorf("published = %d, %v", len(pub), err)
		}
	})
}
