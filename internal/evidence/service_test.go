package evidence_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/evidence/custody"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

func hexSHA256(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// TestAddAndWhoSees adds items and checks, for every persona, who sees them
// and that each read is a custody event in the audit log.
func TestAddAndWhoSees(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		content := []byte("MZ\x90\x00 memory dump of the accounting workstation")
		m := meta("mem.raw")
		m.SuppliedHash = "SHA-256:" + strings.ToUpper(hexSHA256(content))
		it, err := e.svc.Add(ctx, e.p["inv"], e.caseID, m, evidence.Note{Location: "Kho vật chứng, Hà Nội", Reason: "tiếp nhận"}, bytes.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		if it.SHA256 != hexSHA256(content) || it.Size != int64(len(content)) || !it.LegalHold || it.Holder != "inv@cert.vn" ||
			it.LastSeq != 2 || it.SuppliedHash != "sha256:"+hexSHA256(content) || len(it.SHA512) != 128 {
			t.Fatalf("added item = %+v", it)
		}

		// Who sees it: the case's investigators and coordinator; nobody else.
		for name, want := range map[string]errs.Kind{"inv": 0, "inv2": 0, "coord": 0, "outsider": errs.KindNotFound,
			"admin": errs.KindForbidden, "lead": errs.KindForbidden, "analyst": errs.KindForbidden} {
			_, evs, err := e.svc.Get(ctx, e.p[name], it.ID, evidence.Note{})
			if want == 0 {
				if err != nil || evs[len(evs)-1].Kind != custody.Accessed || evs[len(evs)-1].Actor != name+"@cert.vn" {
					t.Errorf("%s: Get = %v (last event %+v)", name, err, evs)
				}
				continue
			}
			if !errs.Is(err, want) {
				t.Errorf("%s: Get error %v, want %s", name, err, want)
			}
			if _, err := e.svc.List(ctx, e.p[name], e.caseID); !errs.Is(err, want) {
				t.Errorf("%s: List error %v, want %s", name, err, want)
			}
		}
		// (TLP against clearance is filtered in the store: see TestEvidenceStore;
		// every role that holds evidence:read is cleared for RED today.)

		// Downloading is a custody event too, and gives back the same bytes.
		rc, _, err := e.svc.Download(ctx, e.p["coord"], it.ID, evidence.Note{Reason: "phân tích mã độc"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(b, content) {
			t.Fatalf("download: %v", err)
		}
		_, _, err = e.svc.Download(ctx, e.p["coord"], it.ID, evidence.Note{})
		wantErr(t, err, errs.KindInvalid, "evidence.invalid_note") // a reason is required

		items, err := e.svc.List(ctx, e.p["inv2"], e.caseID)
		if err != nil || len(items) != 1 || items[0].ID != it.ID {
			t.Fatalf("List = %+v, %v", items, err)
		}
		_, evs, err := e.svc.Get(ctx, e.p["inv"], it.ID, evidence.Note{})
		if err != nil {
			t.Fatal(err)
		}
		var kinds []custody.Kind
		for _, ev := range evs {
			kinds = append(kinds, ev.Kind)
		}
		want := []custody.Kind{custody.Collected, custody.Received, custody.Accessed, custody.Accessed, custody.Accessed,
			custody.Downloaded, custody.Accessed}
		if !slicesEqual(kinds, want) {
			t.Fatalf("custody log %v, want %v", kinds, want)
		}
		if ps := custody.Check(evs, it.ID, it.SHA256, verifier(t, e)); len(ps) != 0 {
			t.Fatalf("custody log does not verify: %v", ps)
		}
		checkAuditCarriesChain(t, e, evs)
	})
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func verifier(t *testing.T, e *env) note.Verifier {
	v, err := custody.ParseVerifier(e.svc.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkAuditCarriesChain: the audit log verifies, and each custody event's
// hash is in the audit entry appended with it.
func checkAuditCarriesChain(t *testing.T, e *env, evs []custody.Event) {
	t.Helper()
	rep, err := audit.Verify(t.Context(), e.db.AuditSource(), e.db.Verifier)
	if err != nil || !rep.OK {
		t.Fatalf("audit log: %+v %v", rep, err)
	}
	var details strings.Builder
	for cursor := "first"; cursor != ""; {
		if cursor == "first" {
			cursor = ""
		}
		res, err := e.db.ListAudit(t.Context(), auth.Scope{All: true}, audit.Filter{TargetType: "evidence_item"}, page.Request{Limit: 100, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range res.Items {
			details.WriteString(en.Detail)
		}
		cursor = res.Next
	}
	for _, ev := range evs {
		if !strings.Contains(details.String(), ev.Hash) {
			t.Errorf("event %d (%s) is not in the audit log", ev.Seq, ev.Kind)
		}
	}
}

// TestCollectorHashMismatchStoresNothing: content that fails the
// collector's hash leaves no item, no blob and no audit entry.
func TestCollectorHashMismatchStoresNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := newEnv(t, db)
		before := e.auditSize()
		for _, h := range []string{"sha256:" + hexSHA256([]byte("other")), strings.Repeat("ab", 64)} {
			m := meta("x.bin")
			m.SuppliedHash = h
			_, err := e.svc.Add(t.Context(), e.p["inv"], e.caseID, m, evidence.Note{}, strings.NewReader("the real content"))
			wantErr(t, err, errs.KindInvalid, "evidence.hash_mismatch")
		}
		items, _ := e.svc.List(t.Context(), e.p["inv"], e.caseID)
		if len(items) != 0 || len(e.blobFiles()) != 0 || e.auditSize() != before+1 { // +1: the List itself
			t.Fatalf("after refused adds: %d items, blobs %v, audit %d→%d", len(items), e.blobFiles(), before, e.auditSize())
		}
	})
}

// TestBadInput: traversal in IDs, oversized and malformed metadata. Each
// answers a clear error and changes nothing.
func TestBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		it := e.add("inv", []byte("content"))
		before, blobs := e.auditSize(), len(e.blobFiles())
		p := e.p["inv"]
		for _, id := range []string{"../../etc/passwd", "/etc/passwd", "..", it.ID + "/../x", strings.ToUpper(it.ID), "", it.ID + "\x00"} {
			_, _, err := e.svc.Get(ctx, p, id, evidence.Note{})
			wantErr(t, err, errs.KindInvalid, "evidence.bad_id")
			_, _, err = e.svc.Download(ctx, p, id, evidence.Note{Reason: "x"})
			wantErr(t, err, errs.KindInvalid, "evidence.bad_id")
			_, err = e.svc.UploadStatus(ctx, p, id)
			wantErr(t, err, errs.KindInvalid, "evidence.bad_id")
			_, err = e.svc.ConfirmTransfer(ctx, p, id, evidence.Note{})
			wantErr(t, err, errs.KindInvalid, "evidence.bad_id")
		}
		for _, caseID := range []string{"../cases", "/abs", "a/b", ".hidden", strings.Repeat("c", 65), "ca\nse"} {
			_, err := e.svc.Add(ctx, p, caseID, meta("x"), evidence.Note{}, strings.NewReader("x"))
			wantErr(t, err, errs.KindInvalid, "evidence.bad_case_id")
		}
		huge := meta("x")
		huge.Description = strings.Repeat("mô tả ", 2000)
		huge.Tool = strings.Repeat("t", 300)
		_, err := e.svc.Add(ctx, p, e.caseID, huge, evidence.Note{}, strings.NewReader("x"))
		wantErr(t, err, errs.KindTooLarge, "evidence.too_large")
		if e, _ := err.(*errs.Error); len(e.Fields) != 2 || e.Fields[0].Field != "description" || e.Fields[1].Field != "tool" {
			t.Errorf("oversized fields named %+v", e.Fields)
		}
		_, err = e.svc.Add(ctx, p, e.caseID, meta("x"), evidence.Note{Reason: strings.Repeat("r", 1001)}, strings.NewReader("x"))
		wantErr(t, err, errs.KindTooLarge, "evidence.too_large")
		bad := meta("evil\x1b[2J.bin")
		bad.CollectedBy, bad.TLP, bad.SuppliedHash = "", 0, "md5:abc"
		_, err = e.svc.Add(ctx, p, e.caseID, bad, evidence.Note{}, strings.NewReader("x"))
		wantErr(t, err, errs.KindInvalid, "evidence.invalid")
		if e, _ := err.(*errs.Error); len(e.Fields) != 4 {
			t.Errorf("malformed metadata fields %+v", e.Fields)
		}
		_, err = e.svc.Add(ctx, p, e.caseID, func() evidence.Metadata { m := meta("x"); m.TLP = tlp.Red; return m }(), evidence.Note{}, strings.NewReader("x"))
		if err != nil { // investigators are cleared for RED
			t.Fatalf("RED item by an investigator: %v", err)
		}
		if e.auditSize() != before+2 || len(e.blobFiles()) != blobs+1 { // the RED item: two events
			t.Fatalf("bad input changed state: audit %d→%d, blobs %d→%d", before, e.auditSize(), blobs, len(e.blobFiles()))
		}
		if _, err := os.Stat(e.blobPath(it.SHA256)); err != nil {
			t.Fatal(err)
		}
	})
}
