package store_test

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/evidence/custody"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

func custodyKey(t *testing.T) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, custody.KeyName)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	return s, v
}

func mustUser(t *testing.T, db storetest.DB, email string, role auth.Role) auth.User {
	t.Helper()
	u, err := db.CreateUser(t.Context(), auth.System(), auth.User{Email: email, Name: email, Role: role, Language: "en"}, "not-a-hash")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// nextEvent makes the event after last (nil for the first) of an item.
func nextEvent(t *testing.T, s note.Signer, it evidence.Item, last *custody.Event, kind custody.Kind, at time.Time) custody.Event {
	t.Helper()
	e := custody.Event{ItemID: it.ID, Seq: 1, Kind: kind, At: at, Recorded: at, ActorID: it.HolderID, Actor: it.Holder,
		Location: "Đà Nẵng", Reason: "lý do", SHA256: it.SHA256}
	if last != nil {
		e.Seq, e.PrevHash = last.Seq+1, last.Hash
	}
	if err := custody.Seal(&e, s); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEvidenceStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		signer, verifier := custodyKey(t)
		o := mustOrg(t, db, "bo-a", "Bộ A")
		other := mustOrg(t, db, "bo-b", "Bộ B")
		inv := mustUser(t, db, "inv@cert.vn", auth.RoleInvestigator)
		inv2 := mustUser(t, db, "inv2@cert.vn", auth.RoleInvestigator)

		c, err := db.OpenCase(ctx, evidence.Case{ID: "VN-2026-001", OrgID: o.ID, Reference: "VN-2026-001", CreatedAt: db.Now()}, entry("evidence.case_open"))
		if err != nil {
			t.Fatal(err)
		}
		n := auditSize(t, db)
		if again, err := db.OpenCase(ctx, evidence.Case{ID: c.ID, OrgID: o.ID, CreatedAt: db.Now()}, entry("x")); err != nil || again.Reference != c.Reference || auditSize(t, db) != n {
			t.Fatalf("reopening a case: %+v %v (audit %d→%d)", again, err, n, auditSize(t, db))
		}
		asErr(t, got2(db.OpenCase(ctx, evidence.Case{ID: c.ID, OrgID: other.ID, CreatedAt: db.Now()}, entry("x"))), errs.KindConflict)
		asErr(t, got2(db.OpenCase(ctx, evidence.Case{ID: "c2", OrgID: "no-such-org", CreatedAt: db.Now()}, entry("x"))), errs.KindInvalid)
		if _, err := db.AssignCase(ctx, evidence.Assignment{CaseID: c.ID, UserID: inv.ID, Role: evidence.CaseInvestigator, AssignedAt: db.Now()}, entry("evidence.assign")); err != nil {
			t.Fatal(err)
		}

		now := db.Now()
		md := evidence.Metadata{Name: "mem.raw", CollectedBy: "Trần B", CollectedAt: now.Add(-time.Hour), LegalBasis: "QĐ 1", TLP: tlp.Amber}
		it := evidence.Item{Metadata: md, ID: "0196c1d2-7e3a-7b2c-9f10-4a5b6c7d8e9f", CaseID: c.ID, OrgID: o.ID,
			UploadID: "0196c1d2-0000-4000-8000-000000000001", Size: 3, SHA256: strings.Repeat("a", 64), SHA512: strings.Repeat("b", 128),
			LegalHold: true, HolderID: inv.ID, Holder: inv.Email, State: evidence.StateHeld, CreatedBy: inv.ID, CreatedAt: now, UpdatedAt: now}
		e1 := nextEvent(t, signer, it, nil, custody.Collected, now.Add(-time.Hour))
		e2 := nextEvent(t, signer, it, &e1, custody.Received, now)
		it.LastSeq, it.LastHash = 2, e2.Hash
		n = auditSize(t, db)
		if _, err := db.AddEvidence(ctx, it, []custody.Event{e1, e2}, []audit.Entry{entry("evidence.collected"), entry("evidence.received")}); err != nil {
			t.Fatal(err)
		}
		if auditSize(t, db) != n+2 {
			t.Errorf("AddEvidence appended %d audit entries, want 2", auditSize(t, db)-n)
		}
		asErr(t, got2(db.AddEvidence(ctx, withID(it, "0196c1d2-7e3a-7b2c-9f10-000000000002"), nil, nil)), errs.KindConflict) // same upload

		f := evidenceFixture{db: db, signer: signer, verifier: verifier, caseID: c.ID, other: other.ID, inv: inv, inv2: inv2,
			it: it, last: e2, seer: evidence.Viewer{UserID: inv.ID, Orgs: all, Clearance: tlp.Red}}
		f.visibility(t)
		f.concurrency(t)
		f.transfers(t)
	})
}

// evidenceFixture is a case with one item of two events, and who works on it.
type evidenceFixture struct {
	db            storetest.DB
	signer        note.Signer
	verifier      note.Verifier
	caseID, other string // the case, another organisation
	inv, inv2     auth.User
	it            evidence.Item
	last          custody.Event
	seer          evidence.Viewer // inv, assigned and cleared
}

// visibility: only an assigned viewer, cleared for the TLP, within the
// organisation scope, sees the item; its chain round-trips exactly.
func (f evidenceFixture) visibility(t *testing.T) {
	ctx, db, it, seer := t.Context(), f.db, f.it, f.seer
	inv, inv2, other := f.inv, f.inv2, auth.Scope{Orgs: []string{f.other}}
	for name, v := range map[string]evidence.Viewer{
		"not assigned":       {UserID: inv2.ID, Orgs: all, Clearance: tlp.Red},
		"clearance too low":  {UserID: inv.ID, Orgs: all, Clearance: tlp.Green},
		"other organisation": {UserID: inv.ID, Orgs: other, Clearance: tlp.Red},
		"no user":            {Orgs: all, Clearance: tlp.Red},
	} {
		if _, err := db.GetEvidence(ctx, v, it.ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("%s: GetEvidence = %v, want not found", name, err)
		}
		if items, err := db.ListEvidence(ctx, v, f.caseID, entry("evidence.list")); err != nil || len(items) != 0 {
			t.Errorf("%s: ListEvidence = %d items, %v", name, len(items), err)
		}
		if _, err := db.CustodyEvents(ctx, v, it.ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("%s: CustodyEvents = %v", name, err)
		}
	}
	if items, err := db.ListEvidence(ctx, seer, f.caseID, entry("evidence.list")); err != nil || len(items) != 1 || items[0].Name != "mem.raw" || !items[0].CollectedAt.Equal(it.CollectedAt) {
		t.Fatalf("ListEvidence for the assigned investigator = %+v, %v", items, err)
	}

	// The chain read back verifies on this engine: times and text round-trip exactly.
	evs, err := db.CustodyEvents(ctx, seer, it.ID)
	if err != nil || len(evs) != 2 {
		t.Fatalf("CustodyEvents = %d, %v", len(evs), err)
	}
	if ps := custody.Check(evs, it.ID, it.SHA256, f.verifier); len(ps) != 0 {
		t.Fatalf("stored chain does not verify: %v", ps)
	}
}

// concurrency: a change built on a stale event, or by someone who cannot
// see the item, changes nothing.
func (f evidenceFixture) concurrency(t *testing.T) {
	ctx, db, it, seer, inv2, e2 := t.Context(), f.db, f.it, f.seer, f.inv2, f.last
	e3 := nextEvent(t, f.signer, it, &e2, custody.Sealed, db.Now())
	next := it
	next.Sealed, next.Seal, next.LastSeq, next.LastHash = true, "S-1", 3, e3.Hash
	n := auditSize(t, db)
	stale := evidence.Change{Item: next, PrevSeq: 1, Events: []custody.Event{e3}, Audit: []audit.Entry{entry("evidence.sealed")}}
	if e := asErr(t, got2(db.ApplyCustody(ctx, seer, stale)), errs.KindConflict); e.Code != evidence.CodeConcurrent {
		t.Errorf("stale change: code %s", e.Code)
	}
	asErr(t, got2(db.ApplyCustody(ctx, evidence.Viewer{UserID: inv2.ID, Orgs: all, Clearance: tlp.Red}, evidence.Change{Item: next, PrevSeq: 2, Events: []custody.Event{e3}})), errs.KindNotFound)
	if auditSize(t, db) != n {
		t.Error("refused changes appended audit entries")
	}
	out, err := db.ApplyCustody(ctx, seer, evidence.Change{Item: next, PrevSeq: 2, Events: []custody.Event{e3}, Audit: []audit.Entry{entry("evidence.sealed")}})
	if err != nil || !out.Sealed || out.Seal != "S-1" || out.LastSeq != 3 || auditSize(t, db) != n+1 {
		t.Fatalf("ApplyCustody = %+v, %v", out, err)
	}
}

// transfers: one pending per item, settled once; then the platform-wide reads.
func (f evidenceFixture) transfers(t *testing.T) {
	ctx, db, it, seer, inv, inv2 := t.Context(), f.db, f.it, f.seer, f.inv, f.inv2
	if _, err := db.AssignCase(ctx, evidence.Assignment{CaseID: f.caseID, UserID: inv2.ID, Role: evidence.CaseCoordinator, AssignedAt: db.Now()}, entry("evidence.assign")); err != nil {
		t.Fatal(err)
	}
	tr := evidence.Transfer{ID: "0196c1d2-7e3a-7b2c-9f10-00000000000a", ItemID: it.ID, FromID: inv.ID, From: inv.Email, ToID: inv2.ID, To: inv2.Email,
		Reason: "phân tích", State: evidence.TransferPending, RequestedAt: db.Now()}
	if _, err := db.CreateTransfer(ctx, seer, tr, entry("evidence.transfer_request")); err != nil {
		t.Fatal(err)
	}
	tr2 := tr
	tr2.ID = "0196c1d2-7e3a-7b2c-9f10-00000000000b"
	asErr(t, got2(db.CreateTransfer(ctx, seer, tr2, entry("x"))), errs.KindConflict)
	if ts, err := db.PendingTransfers(ctx, seer, it.ID); err != nil || len(ts) != 1 {
		t.Fatalf("PendingTransfers = %v, %v", ts, err)
	}
	tr.State, tr.DecidedAt, tr.DecidedBy = evidence.TransferDeclined, db.Now(), inv2.Email
	if _, err := db.EndTransfer(ctx, seer, tr, entry("evidence.transfer_declined")); err != nil {
		t.Fatal(err)
	}
	asErr(t, got2(db.EndTransfer(ctx, seer, tr, entry("x"))), errs.KindConflict)
	if got, err := db.GetTransfer(ctx, seer, tr.ID); err != nil || got.State != evidence.TransferDeclined || got.DecidedAt.IsZero() {
		t.Fatalf("GetTransfer = %+v, %v", got, err)
	}

	// Platform-wide reads.
	if used, err := db.BlobInUse(ctx, it.SHA256); err != nil || !used {
		t.Errorf("BlobInUse = %v, %v", used, err)
	}
	if n, err := db.CountHeld(ctx, f.caseID, inv.ID); err != nil || n != 1 {
		t.Errorf("CountHeld = %d, %v", n, err)
	}
	if items, err := db.AllEvidence(ctx); err != nil || len(items) != 1 {
		t.Errorf("AllEvidence = %d, %v", len(items), err)
	}
	if err := db.UnassignCase(ctx, f.caseID, inv2.ID, entry("evidence.unassign")); err != nil {
		t.Fatal(err)
	}
	asErr(t, db.UnassignCase(ctx, f.caseID, inv2.ID, entry("x")), errs.KindNotFound)
	if as, err := db.CaseAssignments(ctx, f.caseID); err != nil || len(as) != 1 || as[0].Email != inv.Email {
		t.Errorf("CaseAssignments = %+v, %v", as, err)
	}
}

func withID(it evidence.Item, id string) evidence.Item { it.ID = id; return it }

// got2 keeps the error of a two-value call.
func got2[T any](_ T, err error) error { return err }
