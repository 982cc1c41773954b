package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store/storetest"
)

func mustSystem(t *testing.T, db storetest.DB, orgID, name string, level int) org.System {
	t.Helper()
	s, err := db.CreateSystem(t.Context(), auth.Scope{All: true}, org.System{OrgID: orgID, Name: name, Level: level,
		Status: org.SystemStatus("operational")}, entry("system.create"))
	if err != nil {
		t.Fatalf("CreateSystem: %v", err)
	}
	return s
}

func incPrincipal(u auth.User, orgs ...string) auth.Principal {
	return auth.Principal{UserID: u.ID, Email: u.Email, Role: u.Role, Orgs: orgs, Stage: auth.StageDone}
}

func wantIncErr(t *testing.T, err error, k errs.Kind, code string) {
	t.Helper()
	e, ok := errors.AsType[*errs.Error](err)
	if errs.KindOf(err) != k || ok && code != "" && e.Code != code {
		t.Fatalf("err = %v (kind %v), want kind %v code %q", err, errs.KindOf(err), k, code)
	}
}

func TestIncidentStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		a := mustOrg(t, db, "bo-a", "Bộ A")
		b := mustOrg(t, db, "bo-b", "Bộ B")
		sysA := mustSystem(t, db, a.ID, "Cổng dịch vụ công", 4)
		sysB := mustSystem(t, db, b.ID, "Hệ thống B", 2)
		cert, err := db.CreateOrg(ctx, org.Org{Slug: "cert", Name: "CERT", Kind: org.KindCoordinator, Coordinating: true}, entry("org.create"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateContact(ctx, auth.Scope{All: true}, org.Contact{OrgID: cert.ID, Name: "Trực ban", Role: "duty-24x7",
			Email: "duty@cert.vn", Language: "vi", ConfirmedAt: time.Now()}, entry("contact.create")); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateContact(ctx, auth.Scope{All: true}, org.Contact{OrgID: a.ID, Name: "CISO A", Role: "ciso",
			Email: "ciso@a.vn", Language: "vi", ConfirmedAt: time.Now()}, entry("contact.create")); err != nil {
			t.Fatal(err)
		}
		coord := incPrincipal(mustUser(t, db, "coord@cert.vn", auth.RoleCoordinator))
		repA := incPrincipal(mustUser(t, db, "soc@a.vn", auth.RoleConstituentAdmin), a.ID)
		repB := incPrincipal(mustUser(t, db, "soc@b.vn", auth.RoleConstituentAdmin), b.ID)
		member := mustOrg(t, db, "member", "Công ty thành viên")
		resp := incPrincipal(mustUser(t, db, "ir@member.vn", auth.RoleResponder), member.ID)
		lead := incPrincipal(mustUser(t, db, "lead@gov.vn", auth.RoleLeadership))

		now := time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC) // Tuesday 10:00 in Hà Nội
		svc, err := incident.New(incident.Deps{Store: db.DB, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		report := incident.Report{OrgID: a.ID, Title: "Ransomware trên cổng", Description: "Các tệp bị mã hoá",
			DetectedAt: now.Add(-2 * time.Hour), Impact: incident.ImpactHigh, SystemIDs: []string{sysA.ID},
			Indicators: []incident.Indicator{{Type: "ip", Value: "203.0.113.9"}}}

		// A system of another organisation: a field error, nothing stored.
		bad := report
		bad.SystemIDs = []string{sysA.ID, sysB.ID}
		_, err = svc.Report(ctx, repA, bad)
		wantIncErr(t, err, errs.KindInvalid, "incident.invalid")
		if e, _ := errors.AsType[*errs.Error](err); len(e.Fields) != 1 || e.Fields[0].Field != "system_ids" {
			t.Fatalf("fields = %+v", e.Fields)
		}
		// Reporting for an organisation out of scope answers 404.
		_, err = svc.Report(ctx, repB, report)
		wantIncErr(t, err, errs.KindNotFound, "")
		if res, _ := svc.List(ctx, coord, incident.Filter{}, page.Request{}); len(res.Items) != 0 {
			t.Fatalf("bad reports stored %d incidents", len(res.Items))
		}

		inc, err := svc.Report(ctx, repA, report)
		if err != nil {
			t.Fatal(err)
		}
		if inc.Reference != "KH-2026-000001" || inc.State != incident.StateNew || inc.ProposedSeverity != incident.S4 ||
			len(inc.Systems) != 1 || inc.Systems[0].Level != 4 || len(inc.Indicators) != 1 {
			t.Fatalf("reported %+v", inc)
		}
		if n, err := db.CountForTest(ctx, `SELECT COUNT(*) FROM notify_outbox WHERE kind = 'incident.reported' AND ref = $1 AND recipient = 'duty@cert.vn'`,
			inc.Reference); err != nil || n != 1 {
			t.Errorf("the coordinating body's duty desk was told %d times (%v), want once", n, err)
		}
		second, err := svc.Report(ctx, repA, incident.Report{OrgID: a.ID, Title: "Trùng lặp", Description: "x", DetectedAt: now})
		if err != nil || second.Reference != "KH-2026-000002" {
			t.Fatalf("second = %q, %v", second.Reference, err)
		}

		// Who sees it.
		for name, p := range map[string]auth.Principal{"other org": repB, "responder before": resp} {
			if _, err := svc.Get(ctx, p, inc.ID); errs.KindOf(err) != errs.KindNotFound {
				t.Errorf("%s: Get err = %v, want not found", name, err)
			}
		}
		for name, p := range map[string]auth.Principal{"reporter": repA, "coordinator": coord, "leadership": lead} {
			if _, err := svc.Get(ctx, p, inc.ID); err != nil {
				t.Errorf("%s: Get: %v", name, err)
			}
		}

		// Triage: only coordinators; an override needs a reason.
		_, err = svc.Triage(ctx, repA, inc.ID, incident.Triage{Category: "malicious-code/infected-system"})
		wantIncErr(t, err, errs.KindForbidden, "incident.not_allowed")
		_, err = svc.Triage(ctx, coord, inc.ID, incident.Triage{Category: "malicious-code/infected-system", Severity: "S3"})
		wantIncErr(t, err, errs.KindInvalid, "incident.invalid")
		now = now.Add(30 * time.Minute)
		inc, err = svc.Triage(ctx, coord, inc.ID, incident.Triage{Category: `ecsirt:malicious-code="ransomware"`,
			Severity: "S3", SeverityReason: "chỉ một máy chủ", OwnerID: coord.UserID, TLP: "AMBER", PersonalData: new(true)})
		if err != nil {
			t.Fatal(err)
		}
		if inc.State != incident.StateTriaged || inc.Category != "malicious-code/infected-system" || inc.OwnerID != coord.UserID {
			t.Fatalf("triaged %+v", inc)
		}
		// Personal data found at triage brings the Decree 13/2023 clock.
		if cv, _ := svc.Get(ctx, coord, inc.ID); !inc.PersonalData || !slices.ContainsFunc(cv.Clocks, func(c incident.Clock) bool {
			return c.Name == "personal_data_notify"
		}) {
			t.Fatalf("personal data %v, clocks %+v", inc.PersonalData, cv.Clocks)
		}

		// Internal notes are the coordinators'.
		if _, err := svc.AddNote(ctx, coord, inc.ID, "ghi chú nội bộ", incident.Internal); err != nil {
			t.Fatal(err)
		}
		_, err = svc.AddNote(ctx, repA, inc.ID, "x", incident.Internal)
		wantIncErr(t, err, errs.KindForbidden, "")
		if _, err := svc.AddNote(ctx, repA, inc.ID, "thêm thông tin", incident.Shared); err != nil {
			t.Fatal(err)
		}
		v, _ := svc.Get(ctx, repA, inc.ID)
		for _, e := range v.Timeline {
			if e.Visibility == incident.Internal {
				t.Fatalf("reporter sees internal entry %+v", e)
			}
		}

		// Mobilisation: the responder sees this incident only, while granted.
		if err := db.GrantIncidentAccess(ctx, inc.ID, resp.UserID, "mobilised"); err != nil {
			t.Fatal(err)
		}
		rv, err := svc.Get(ctx, resp, inc.ID)
		if err != nil || rv.Actor != incident.ActorResponder {
			t.Fatalf("responder Get: %v actor %v", err, rv.Actor)
		}
		if res, _ := svc.List(ctx, resp, incident.Filter{}, page.Request{}); len(res.Items) != 1 || res.Items[0].ID != inc.ID {
			t.Fatalf("responder lists %d", len(res.Items))
		}
		if _, err := svc.Get(ctx, resp, second.ID); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("responder sees an incident they were not mobilised to: %v", err)
		}

		// The state machine through the service.
		_, err = svc.Transition(ctx, coord, second.ID, incident.StateClosed, "")
		wantIncErr(t, err, errs.KindConflict, "incident.bad_transition")
		_, err = svc.Transition(ctx, repA, inc.ID, incident.StateInProgress, "")
		wantIncErr(t, err, errs.KindForbidden, "incident.not_allowed")
		for _, to := range []incident.State{incident.StateInProgress, incident.StateContained, incident.StateResolved} {
			now = now.Add(time.Hour)
			if inc, err = svc.Transition(ctx, resp, inc.ID, to, "ok"); err != nil {
				t.Fatalf("→ %s: %v", to, err)
			}
		}
		_, err = svc.Transition(ctx, resp, inc.ID, incident.StateClosed, "")
		wantIncErr(t, err, errs.KindForbidden, "incident.not_allowed")

		// Tasks: another incident's task answers 404.
		tasks, err := svc.AddTask(ctx, coord, second.ID, incident.TaskInput{Title: "Kiểm tra"}, "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.UpdateTask(ctx, resp, inc.ID, tasks[0].ID, incident.TaskInput{State: incident.TaskDone})
		wantIncErr(t, err, errs.KindNotFound, "incident.task_not_found")

		// Merge the duplicate into the first; both timelines say so.
		second, err = svc.Merge(ctx, coord, second.ID, inc.Reference, "trùng")
		if err != nil || second.State != incident.StateMerged || second.MergedInto != inc.ID {
			t.Fatalf("merge: %+v %v", second, err)
		}
		v, _ = svc.Get(ctx, coord, inc.ID)
		if !slices.ContainsFunc(v.Timeline, func(e incident.Entry) bool {
			return e.Kind == "merged.in" && strings.Contains(e.Body, second.Reference)
		}) {
			t.Fatalf("survivor timeline has no merge entry: %+v", v.Timeline)
		}

		now = now.Add(time.Hour)
		if inc, err = svc.Transition(ctx, coord, inc.ID, incident.StateClosed, "báo cáo cuối"); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeIncidentAccess(ctx, inc.ID, resp.UserID, "released"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Get(ctx, resp, inc.ID); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("released responder still sees the incident: %v", err)
		}

		// Clocks: an incident reported late breaches its notify clock at once;
		// a running triage clock breaches when the sweeper passes its deadline,
		// exactly once.
		late, err := svc.Report(ctx, repA, incident.Report{OrgID: a.ID, Title: "Báo muộn", Description: "x",
			DetectedAt: now.Add(-15 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if !late.Breached {
			t.Fatalf("late report not flagged breached")
		}
		now = now.Add(48 * time.Hour)
		n1, err := svc.Sweep(ctx)
		if err != nil || n1 == 0 {
			t.Fatalf("sweep found %d, %v", n1, err)
		}
		if n2, err := svc.Sweep(ctx); err != nil || n2 != 0 {
			t.Fatalf("second sweep found %d, %v", n2, err)
		}
		// The organisation's escalation contact (ciso) is told.
		if n, err := db.CountForTest(ctx, `SELECT COUNT(*) FROM notify_outbox WHERE kind = 'incident.breach' AND ref = $1 AND recipient = 'ciso@a.vn'`, late.Reference); err != nil || n == 0 {
			t.Errorf("breach notices for %s: %d, %v", late.Reference, n, err)
		}
		lv, _ := svc.Get(ctx, coord, late.ID)
		seen := map[string]int{}
		for _, e := range lv.Timeline {
			if e.Kind == "clock.breached" {
				seen[e.Body]++
			}
		}
		for c, k := range seen {
			if k != 1 {
				t.Errorf("clock %s breached %d times on the timeline", c, k)
			}
		}
		if seen["notify"] != 1 || seen["triage"] != 1 {
			t.Errorf("breaches on the timeline = %v", seen)
		}

		// Statistics see the closed incident and not the merged one.
		rows, err := db.IncidentStats(ctx, incident.ViewerOf(lead), now.AddDate(0, -1, 0), now.AddDate(0, 1, 0))
		if err != nil {
			t.Fatal(err)
		}
		st := incident.Compute(rows, now.AddDate(0, -1, 0), now.AddDate(0, 1, 0))
		if st.Total != 2 || st.Resolved != 1 || st.MajorByYear[2026] != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
}

// Reference numbers stay unique and gapless when many report at once, on
// both engines; a new year starts again at 1.
func TestIncidentReferencesConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		a := mustOrg(t, db, "bo-a", "Bộ A")
		rep := incPrincipal(mustUser(t, db, "soc@a.vn", auth.RoleConstituentAdmin), a.ID)
		now := time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC) // 23:00 on 31 December in Hà Nội
		svc, err := incident.New(incident.Deps{Store: db.DB, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		const n = 12
		refs := make(chan string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				inc, err := svc.Report(ctx, rep, incident.Report{OrgID: a.ID, Title: fmt.Sprintf("Sự cố %d", i), Description: "x",
					DetectedAt: now.Add(-time.Hour)})
				if err != nil {
					t.Error(err)
					return
				}
				refs <- inc.Reference
			})
		}
		wg.Wait()
		close(refs)
		var got []string
		for r := range refs {
			got = append(got, r)
		}
		slices.Sort(got)
		for i, r := range got {
			if want := fmt.Sprintf("KH-2026-%06d", i+1); r != want {
				t.Fatalf("references %v: #%d is %s, want %s", got, i, r, want)
			}
		}
		// 17:00 UTC on 31 December is already 2027 in Hà Nội.
		svc2, _ := incident.New(incident.Deps{Store: db.DB, Now: func() time.Time { return now.Add(time.Hour) }})
		inc, err := svc2.Report(ctx, rep, incident.Report{OrgID: a.ID, Title: "Năm mới", Description: "x", DetectedAt: now})
		if err != nil || inc.Reference != "KH-2027-000001" {
			t.Fatalf("first of 2027: %q, %v", inc.Reference, err)
		}
	})
}

// Leadership reads incidents up to its clearance: a TLP:RED incident is not
// there for it, as if it did not exist; coordinators and the reporter see it.
func TestIncidentTLPForLeadership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		a := mustOrg(t, db, "bo-a", "Bộ A")
		rep := incPrincipal(mustUser(t, db, "soc@a.vn", auth.RoleConstituentAdmin), a.ID)
		lead := incPrincipal(mustUser(t, db, "lead@gov.vn", auth.RoleLeadership))
		coord := incPrincipal(mustUser(t, db, "coord@cert.vn", auth.RoleCoordinator))
		svc, err := incident.New(incident.Deps{Store: db.DB})
		if err != nil {
			t.Fatal(err)
		}
		red, err := svc.Report(ctx, rep, incident.Report{OrgID: a.ID, Title: "Bí mật", Description: "x",
			DetectedAt: time.Now().Add(-time.Hour), TLP: "RED"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Get(ctx, lead, red.ID); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("leadership reads a RED incident: %v", err)
		}
		for _, p := range []auth.Principal{rep, coord} {
			if _, err := svc.Get(ctx, p, red.ID); err != nil {
				t.Fatalf("%s cannot read it: %v", p.Email, err)
			}
		}
	})
}

// BenchmarkIncidentReportAndGet measures one report (numbering, systems,
// clocks, timeline, audit, notices in one transaction) followed by a read of
// the incident as its reporter sees it, per engine.
func BenchmarkIncidentReportAndGet(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			db := storetest.Open(b, e)
			ctx := b.Context()
			a, err := db.CreateOrg(ctx, org.Org{Slug: "bo-a", Name: "Bộ A", Kind: org.KindEnterprise}, entry("org.create"))
			if err != nil {
				b.Fatal(err)
			}
			sys, err := db.CreateSystem(ctx, auth.Scope{All: true}, org.System{OrgID: a.ID, Name: "Cổng", Level: 3,
				Status: org.SystemStatus("operational")}, entry("system.create"))
			if err != nil {
				b.Fatal(err)
			}
			u, err := db.CreateUser(ctx, auth.System(), auth.User{Email: "soc@a.vn", Name: "soc", Role: auth.RoleConstituentAdmin, Language: "vi"}, "x")
			if err != nil {
				b.Fatal(err)
			}
			rep := incPrincipal(u, a.ID)
			svc, err := incident.New(incident.Deps{Store: db.DB})
			if err != nil {
				b.Fatal(err)
			}
			r := incident.Report{OrgID: a.ID, Title: "Sự cố", Description: "x", DetectedAt: time.Now().Add(-time.Hour),
				SystemIDs: []string{sys.ID}, Indicators: []incident.Indicator{{Type: "ip", Value: "203.0.113.1"}}}
			for b.Loop() {
				inc, err := svc.Report(ctx, rep, r)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := svc.Get(ctx, rep, inc.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
