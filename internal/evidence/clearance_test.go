package evidence_test

import (
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

// TestClearanceCeiling: an investigator assigned to a case with a ceiling
// of AMBER is refused (not found) a RED item of the case — its record,
// custody log, content and hand-over — while seeing the AMBER one; the
// case list counts only what they may see; they cannot add a RED item;
// the ceiling never raises a clearance; and lifting it restores access.
func TestClearanceCeiling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		if _, err := e.svc.AssignCleared(ctx, auth.System(), e.caseID, e.p["inv2"].UserID, evidence.CaseInvestigator, tlp.Amber); err != nil {
			t.Fatal(err)
		}
		redMeta := meta("ram.red")
		redMeta.TLP = tlp.Red
		red, err := e.svc.Add(ctx, e.p["inv"], e.caseID, redMeta, evidence.Note{}, strings.NewReader("RED content"))
		if err != nil {
			t.Fatal(err)
		}
		amber := e.add("inv", []byte("AMBER content"))

		inv2 := e.p["inv2"]
		if _, err := e.svc.RequestTransfer(ctx, e.p["inv"], red.ID, e.p["coord"].UserID, evidence.Note{Reason: "phân tích"}); err != nil {
			t.Fatal(err)
		}
		before := e.auditSize()
		if _, _, err := e.svc.Get(ctx, inv2, red.ID, evidence.Note{}); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("Get of a RED item above the case ceiling: %v, want not found", err)
		}
		if _, _, err := e.svc.Download(ctx, inv2, red.ID, evidence.Note{Reason: "xem"}); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("Download of a RED item above the ceiling: %v, want not found", err)
		}
		if ts, err := e.svc.PendingTransfers(ctx, inv2, red.ID); err != nil || len(ts) != 0 {
			t.Errorf("transfers of a RED item above the ceiling: %+v %v, want none", ts, err)
		}
		if e.auditSize() != before {
			t.Error("refused reads were recorded as accesses")
		}
		if _, _, err := e.svc.Get(ctx, inv2, amber.ID, evidence.Note{}); err != nil {
			t.Errorf("Get of the AMBER item: %v", err)
		}
		items, err := e.svc.List(ctx, inv2, e.caseID)
		if err != nil || len(items) != 1 || items[0].ID != amber.ID {
			t.Errorf("List under the ceiling: %+v %v", items, err)
		}
		cases, err := e.svc.MyCases(ctx, inv2, page.Request{})
		if err != nil || len(cases.Items) != 1 || cases.Items[0].Items != 1 {
			t.Errorf("MyCases under the ceiling: %+v %v", cases.Items, err)
		}
		if all, err := e.svc.MyCases(ctx, e.p["inv"], page.Request{}); err != nil || all.Items[0].Items != 2 {
			t.Errorf("MyCases without a ceiling: %+v %v", all.Items, err)
		}
		// The holder may not hand a RED item to them either.
		red2Meta := redMeta
		red2Meta.Name = "disk.red"
		red2, err := e.svc.Add(ctx, e.p["inv"], e.caseID, red2Meta, evidence.Note{}, strings.NewReader("RED 2"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.RequestTransfer(ctx, e.p["inv"], red2.ID, inv2.UserID, evidence.Note{Reason: "bàn giao"})
		wantErr(t, err, errs.KindInvalid, "evidence.bad_receiver")
		// Nor may they add an item above it.
		_, err = e.svc.Add(ctx, inv2, e.caseID, redMeta, evidence.Note{}, strings.NewReader("more"))
		wantErr(t, err, errs.KindInvalid, "evidence.invalid")
		// Others on the case are unaffected.
		if _, _, err := e.svc.Get(ctx, e.p["coord"], red.ID, evidence.Note{}); err != nil {
			t.Errorf("the coordinator's access: %v", err)
		}
		as, err := e.svc.Assignments(ctx, e.p["coord"], e.caseID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			want := tlp.Level(0)
			if a.UserID == inv2.UserID {
				want = tlp.Amber
			}
			if a.Clearance != want {
				t.Errorf("%s listed with clearance %v, want %v", a.Email, a.Clearance, want)
			}
		}
		// A ceiling of the role's own clearance is no ceiling; a bad one is refused.
		if a, err := e.svc.AssignCleared(ctx, auth.System(), e.caseID, inv2.UserID, evidence.CaseInvestigator, tlp.Red); err != nil || a.Clearance != 0 {
			t.Fatalf("lifting the ceiling: %+v %v", a, err)
		}
		if _, _, err := e.svc.Get(ctx, inv2, red.ID, evidence.Note{}); err != nil {
			t.Errorf("Get after the ceiling was lifted: %v", err)
		}
		_, err = e.svc.AssignCleared(ctx, auth.System(), e.caseID, inv2.UserID, evidence.CaseInvestigator, tlp.Level(42))
		wantErr(t, err, errs.KindInvalid, "evidence.bad_tlp")
	})
}
