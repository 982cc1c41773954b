package evidence_test

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/evidence/custody"
	"github.com/khien-cert/khien/internal/store/storetest"
)

// TestCustodyLifecycle walks an item through sealing, a hand-over refused
// and one confirmed, its legal hold, retention and destruction, checking who
// may do each step.
func TestCustodyLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		inv, inv2 := e.p["inv"], e.p["inv2"]
		it := e.add("inv", []byte("pcap bytes"))
		twin := e.add("inv2", []byte("pcap bytes")) // same content: one blob, two items
		if twin.SHA256 != it.SHA256 || len(e.blobFiles()) != 1 {
			t.Fatalf("identical content is not stored once: %v", e.blobFiles())
		}

		// Only the custodian handles the item.
		_, err := e.svc.Record(ctx, inv2, it.ID, custody.Sealed, evidence.Note{Reason: "niêm phong", Seal: "S-1"})
		wantErr(t, err, errs.KindForbidden, "evidence.not_holder")
		_, err = e.svc.Record(ctx, inv, it.ID, custody.Sealed, evidence.Note{Reason: "niêm phong"})
		wantErr(t, err, errs.KindInvalid, "evidence.seal_required")
		if it, err = e.svc.Record(ctx, inv, it.ID, custody.Sealed, evidence.Note{Reason: "niêm phong", Seal: "S-1"}); err != nil || !it.Sealed {
			t.Fatalf("seal: %+v %v", it, err)
		}
		_, err = e.svc.Record(ctx, inv, it.ID, custody.Sealed, evidence.Note{Reason: "again", Seal: "S-2"})
		wantErr(t, err, errs.KindConflict, "evidence.already_sealed")
		_, err = e.svc.Record(ctx, inv, it.ID, custody.Destroyed, evidence.Note{Reason: "shortcut"})
		wantErr(t, err, errs.KindInvalid, "evidence.bad_kind")
		_, err = e.svc.Record(ctx, inv, it.ID, custody.Copied, evidence.Note{Reason: "bản làm việc"})
		wantErr(t, err, errs.KindInvalid, "evidence.to_required")

		it = handOver(t, e, it)
		destroy(t, e, it, twin)
	})
}

// handOver: refused by the receiver, then asked again and confirmed; the new
// custodian works the item and the old one no longer can.
func handOver(t *testing.T, e *env, it evidence.Item) evidence.Item {
	ctx := t.Context()
	t.Helper()
	inv, inv2, coord := e.p["inv"], e.p["inv2"], e.p["coord"]
	_, err := e.svc.RequestTransfer(ctx, inv, it.ID, e.p["outsider"].UserID, evidence.Note{Reason: "phân tích"})
	wantErr(t, err, errs.KindInvalid, "evidence.bad_receiver")
	_, err = e.svc.RequestTransfer(ctx, inv2, it.ID, coord.UserID, evidence.Note{Reason: "phân tích"})
	wantErr(t, err, errs.KindForbidden, "evidence.not_holder")
	tr, err := e.svc.RequestTransfer(ctx, inv, it.ID, coord.UserID, evidence.Note{Reason: "phân tích", Location: "Hà Nội"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.RequestTransfer(ctx, inv, it.ID, inv2.UserID, evidence.Note{Reason: "x"})
	wantErr(t, err, errs.KindConflict, "evidence.transfer_pending")
	_, err = e.svc.ConfirmTransfer(ctx, inv2, tr.ID, evidence.Note{})
	wantErr(t, err, errs.KindForbidden, "evidence.not_receiver")
	if tr, err = e.svc.EndTransfer(ctx, coord, tr.ID, evidence.Note{Reason: "đang bận"}); err != nil || tr.State != evidence.TransferDeclined {
		t.Fatalf("decline: %+v %v", tr, err)
	}
	_, err = e.svc.ConfirmTransfer(ctx, coord, tr.ID, evidence.Note{})
	wantErr(t, err, errs.KindConflict, "evidence.transfer_settled")
	tr, err = e.svc.RequestTransfer(ctx, inv, it.ID, coord.UserID, evidence.Note{Reason: "phân tích"})
	if err != nil {
		t.Fatal(err)
	}
	if it, err = e.svc.ConfirmTransfer(ctx, coord, tr.ID, evidence.Note{Location: "Phòng lab", Reason: "đã nhận đủ"}); err != nil || it.Holder != coord.Email {
		t.Fatalf("confirm: %+v %v", it, err)
	}
	wantErr(t, e.svc.Unassign(ctx, auth.System(), e.caseID, coord.UserID), errs.KindConflict, "evidence.still_holding")

	_, err = e.svc.Record(ctx, inv, it.ID, custody.Unsealed, evidence.Note{Reason: "x"})
	wantErr(t, err, errs.KindForbidden, "evidence.not_holder")
	for _, k := range []custody.Kind{custody.Unsealed, custody.Analysed, custody.Copied, custody.Returned} {
		if it, err = e.svc.Record(ctx, coord, it.ID, k, evidence.Note{Reason: "phân tích", To: "máy phân tích #2", Detail: "Volatility 3.2"}); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	return it
}

// destroy: not on hold, not before retention, not by investigators; the
// content goes with the last live item that has it.
func destroy(t *testing.T, e *env, it, twin evidence.Item) {
	t.Helper()
	ctx := t.Context()
	inv, coord := e.p["inv"], e.p["coord"]
	_, err := e.svc.Destroy(ctx, inv, it.ID, evidence.Note{Reason: "hết hạn"})
	wantErr(t, err, errs.KindForbidden, "evidence.forbidden")
	_, err = e.svc.Destroy(ctx, coord, it.ID, evidence.Note{Reason: "hết hạn"})
	wantErr(t, err, errs.KindConflict, "evidence.on_hold")
	_, err = e.svc.SetHold(ctx, inv, it.ID, false, evidence.Note{Reason: "x"})
	wantErr(t, err, errs.KindForbidden, "evidence.forbidden")
	if it, err = e.svc.SetHold(ctx, coord, it.ID, false, evidence.Note{Reason: "vụ án đã xét xử xong"}); err != nil || it.LegalHold {
		t.Fatalf("release hold: %+v %v", it, err)
	}
	_, err = e.svc.Destroy(ctx, coord, it.ID, evidence.Note{Reason: "hết hạn"})
	wantErr(t, err, errs.KindConflict, "evidence.no_retention")
	if _, err = e.svc.SetRetention(ctx, coord, it.ID, time.Now().Add(24*time.Hour), evidence.Note{Reason: "quy định"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Destroy(ctx, coord, it.ID, evidence.Note{Reason: "hết hạn"})
	wantErr(t, err, errs.KindConflict, "evidence.retained")
	if _, err = e.svc.SetRetention(ctx, coord, it.ID, time.Now().Add(-time.Hour), evidence.Note{Reason: "quyết định tiêu huỷ 3/2026"}); err != nil {
		t.Fatal(err)
	}
	if it, err = e.svc.Destroy(ctx, coord, it.ID, evidence.Note{Reason: "quyết định tiêu huỷ 3/2026"}); err != nil || it.State != evidence.StateDestroyed {
		t.Fatalf("destroy: %+v %v", it, err)
	}
	if _, err := os.Stat(e.blobPath(it.SHA256)); err != nil {
		t.Fatal("the blob went while another live item has the same content")
	}
	_, err = e.svc.Record(ctx, coord, it.ID, custody.Analysed, evidence.Note{Reason: "x"})
	wantErr(t, err, errs.KindConflict, "evidence.destroyed")
	_, _, err = e.svc.Download(ctx, coord, it.ID, evidence.Note{Reason: "x"})
	wantErr(t, err, errs.KindConflict, "evidence.destroyed")
	before := e.auditSize()
	got, evs, err := e.svc.Get(ctx, coord, it.ID, evidence.Note{})
	if err != nil || got.State != evidence.StateDestroyed || evs[len(evs)-1].Kind != custody.Destroyed || e.auditSize() != before+1 {
		t.Fatalf("reading a destroyed item's record: %v, audit %d→%d", err, before, e.auditSize())
	}
	if ps := custody.Check(evs, it.ID, it.SHA256, verifier(t, e)); len(ps) != 0 {
		t.Fatalf("custody log: %v", ps)
	}
	checkAuditCarriesChain(t, e, evs)

	destroyTwin(t, e, twin)
}

// destroyTwin destroys the last live item with the content: it goes too.
func destroyTwin(t *testing.T, e *env, twin evidence.Item) {
	t.Helper()
	ctx, coord := t.Context(), e.p["coord"]
	for _, step := range []func() error{
		func() error {
			_, err := e.svc.SetHold(ctx, coord, twin.ID, false, evidence.Note{Reason: "x"})
			return err
		},
		func() error {
			_, err := e.svc.SetRetention(ctx, coord, twin.ID, time.Now().Add(-time.Minute), evidence.Note{Reason: "x"})
			return err
		},
		func() error { _, err := e.svc.Destroy(ctx, coord, twin.ID, evidence.Note{Reason: "x"}); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(e.blobPath(twin.SHA256)); !os.IsNotExist(err) {
		t.Fatalf("the blob of destroyed items is still there: %v", err)
	}
}

// TestConcurrentCustody records events on one item from many goroutines:
// every one lands, numbered without gaps, in one valid chain.
func TestConcurrentCustody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := newEnv(t, db)
		it := e.add("inv", []byte("shared item"))
		const n = 24
		var wg sync.WaitGroup
		errc := make(chan error, n)
		for i := range n {
			who := []string{"inv", "inv2", "coord"}[i%3]
			wg.Go(func() {
				_, _, err := e.svc.Get(t.Context(), e.p[who], it.ID, evidence.Note{})
				errc <- err
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		_, evs, err := e.svc.Get(t.Context(), e.p["inv"], it.ID, evidence.Note{})
		if err != nil || len(evs) != 2+n+1 {
			t.Fatalf("%d events, %v; want %d", len(evs), err, 2+n+1)
		}
		if ps := custody.Check(evs, it.ID, it.SHA256, verifier(t, e)); len(ps) != 0 {
			t.Fatalf("custody log: %v", ps)
		}
	})
}

// TestAssignments: who may staff a case and who may be put on one.
func TestAssignments(t *testing.T) {
	e := newEnv(t, storetest.Open(t, storetest.Engines(t)[0]))
	ctx, admin := t.Context(), e.p["admin"]
	for _, who := range []string{"admin", "lead", "analyst"} {
		_, err := e.svc.Assign(ctx, admin, e.caseID, e.p[who].UserID, evidence.CaseInvestigator)
		wantErr(t, err, errs.KindInvalid, "evidence.not_assignable")
	}
	_, err := e.svc.Assign(ctx, e.p["inv"], e.caseID, e.p["outsider"].UserID, evidence.CaseInvestigator)
	wantErr(t, err, errs.KindForbidden, "evidence.forbidden")
	_, err = e.svc.Assign(ctx, admin, e.caseID, e.p["outsider"].UserID, "observer")
	wantErr(t, err, errs.KindInvalid, "evidence.bad_case_role")
	_, err = e.svc.Assignments(ctx, e.p["outsider"], e.caseID)
	wantErr(t, err, errs.KindNotFound, "evidence.case_not_found")
	if as, err := e.svc.Assignments(ctx, e.p["inv"], e.caseID); err != nil || len(as) != 3 {
		t.Fatalf("a member lists the case's members: %+v %v", as, err)
	}
	if _, err := e.svc.Assign(ctx, admin, e.caseID, e.p["outsider"].UserID, evidence.CaseInvestigator); err != nil {
		t.Fatal(err)
	}
	it := e.add("outsider", []byte("now on the case"))
	if err := e.svc.Unassign(ctx, admin, e.caseID, e.p["inv2"].UserID); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.svc.Get(ctx, e.p["inv2"], it.ID, evidence.Note{})
	wantErr(t, err, errs.KindNotFound, "evidence.not_found")
	_, _, err = e.svc.Get(ctx, admin, it.ID, evidence.Note{})
	wantErr(t, err, errs.KindForbidden, "evidence.forbidden")
	if c, err := e.svc.OpenCase(ctx, admin, evidence.Case{ID: e.caseID, OrgID: e.org.ID}); err != nil || c.Reference != "VN-2026-0042" {
		t.Fatalf("opening an existing case again: %+v %v", c, err)
	}
	_, err = e.svc.OpenCase(ctx, e.p["inv"], evidence.Case{OrgID: e.org.ID})
	wantErr(t, err, errs.KindForbidden, "evidence.forbidden")
}
