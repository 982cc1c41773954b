package evidence_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/evidence/bundle"
	"github.com/khien-cert/khien/internal/evidence/custody"
	"github.com/khien-cert/khien/internal/store/storetest"
)

// TestUploadSessions: a resumable upload by its owner only, across a
// reopened vault, committed once into one item.
func TestUploadSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		inv := e.p["inv"]
		content := bytes.Repeat([]byte("memory page "), 4096)
		m := meta("mem.lime")
		m.SuppliedHash = hexSHA256(content)
		u, err := e.svc.StartUpload(ctx, inv, e.caseID, m, evidence.Note{Reason: "tải lên"}, int64(len(content)))
		if err != nil {
			t.Fatal(err)
		}
		if u, err = e.svc.AppendUpload(ctx, inv, u.ID, 0, bytes.NewReader(content[:10000])); err != nil || u.Received != 10000 {
			t.Fatalf("append: %+v %v", u, err)
		}
		for _, who := range []string{"inv2", "coord"} { // another's upload is not there for them
			_, err := e.svc.UploadStatus(ctx, e.p[who], u.ID)
			wantErr(t, err, errs.KindNotFound, "evidence.upload_not_found")
			_, err = e.svc.AppendUpload(ctx, e.p[who], u.ID, 10000, strings.NewReader("x"))
			wantErr(t, err, errs.KindNotFound, "evidence.upload_not_found")
		}
		_, err = e.svc.StartUpload(ctx, e.p["admin"], e.caseID, m, evidence.Note{}, 10)
		wantErr(t, err, errs.KindForbidden, "evidence.forbidden")

		e.svc.Close() // a restart: the session is on disk
		root, _ := os.OpenRoot(e.data)
		e.svc, err = evidence.Open(root, evidence.Deps{Store: db.DB})
		root.Close()
		if err != nil {
			t.Fatal(err)
		}
		if u, err = e.svc.UploadStatus(ctx, inv, u.ID); err != nil || u.Received != 10000 || u.Metadata.Name != "mem.lime" {
			t.Fatalf("status after restart: %+v %v", u, err)
		}
		_, err = e.svc.CommitUpload(ctx, inv, u.ID)
		wantErr(t, err, errs.KindConflict, "blob.upload_incomplete")
		if _, err = e.svc.AppendUpload(ctx, inv, u.ID, 10000, bytes.NewReader(content[10000:])); err != nil {
			t.Fatal(err)
		}
		it, err := e.svc.CommitUpload(ctx, inv, u.ID)
		if err != nil || it.SHA256 != hexSHA256(content) || it.UploadID != u.ID {
			t.Fatalf("commit: %+v %v", it, err)
		}
		_, err = e.svc.UploadStatus(ctx, inv, u.ID)
		wantErr(t, err, errs.KindNotFound, "blob.upload_not_found")

		// A session whose bytes do not match the collector's hash stores nothing.
		m.SuppliedHash = "sha256:" + hexSHA256([]byte("something else"))
		u, err = e.svc.StartUpload(ctx, inv, e.caseID, m, evidence.Note{}, 5)
		if err != nil {
			t.Fatal(err)
		}
		e.svc.AppendUpload(ctx, inv, u.ID, 0, strings.NewReader("hello"))
		_, err = e.svc.CommitUpload(ctx, inv, u.ID)
		wantErr(t, err, errs.KindInvalid, "evidence.hash_mismatch")
		if items, _ := e.svc.List(ctx, inv, e.caseID); len(items) != 1 || len(e.blobFiles()) != 1 {
			t.Fatalf("after a refused commit: %d items, blobs %v", len(items), e.blobFiles())
		}
	})
}

// TestExportVerifies exports a case and verifies the bundle offline, with
// the platform's key pinned; each log ends with its own export.
func TestExportVerifies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		a := e.add("inv", []byte("first item"))
		b := e.add("inv2", bytes.Repeat([]byte{0, 1, 2, 3}, 5000))
		if _, err := e.svc.Record(ctx, e.p["inv"], a.ID, custody.Sealed, evidence.Note{Reason: "niêm phong", Seal: "S-9"}); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, err := e.svc.Export(ctx, e.p["inv"], e.caseID, nil, evidence.Note{Reason: "chuyển hồ sơ"}, &buf)
		wantErr(t, err, errs.KindInvalid, "evidence.to_required")
		_, err = e.svc.Export(ctx, e.p["outsider"], e.caseID, nil, evidence.Note{Reason: "x", To: "y"}, &buf)
		wantErr(t, err, errs.KindNotFound, "evidence.case_not_found")
		m, err := e.svc.Export(ctx, e.p["coord"], e.caseID, nil, evidence.Note{Reason: "chuyển hồ sơ truy tố", To: "Viện KSND Hà Nội"}, &buf)
		if err != nil || m.BundleID == "" {
			t.Fatalf("export: %v", err)
		}
		rep := bundle.Verify(bytes.NewReader(buf.Bytes()), bundle.Options{Key: e.svc.PublicKey()})
		if !rep.OK() || rep.Items != 2 || rep.Bytes != a.Size+b.Size {
			t.Fatalf("bundle does not verify: %+v", rep)
		}
		for _, it := range []evidence.Item{a, b} {
			_, evs, err := e.svc.Get(ctx, e.p["inv"], it.ID, evidence.Note{})
			if err != nil {
				t.Fatal(err)
			}
			if k := evs[len(evs)-2]; k.Kind != custody.Exported || k.To != "Viện KSND Hà Nội" || !strings.Contains(k.Detail, m.BundleID) {
				t.Errorf("item %s: event before this read is %+v, want the export", it.ID, k)
			}
		}
		_, err = e.svc.Export(ctx, e.p["coord"], e.caseID, []string{a.ID, "../" + b.ID}, evidence.Note{Reason: "x", To: "y"}, io.Discard)
		wantErr(t, err, errs.KindInvalid, "evidence.bad_id")
	})
}

// TestReverify changes stored content and custody rows behind the vault's
// back: re-verification finds each, records a changed blob once, and
// reports the broken chain.
func TestReverify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		good := e.add("inv", []byte("untouched"))
		bad := e.add("inv", []byte("will be changed on disk"))
		if rep, err := e.svc.Reverify(ctx); err != nil || !rep.OK() || rep.Items != 2 || rep.Blobs != 2 || rep.Chains != 2 {
			t.Fatalf("clean vault: %+v %v", rep, err)
		}
		path := e.blobPath(bad.SHA256)
		os.Chmod(path, 0o640)
		if err := os.WriteFile(path, []byte("will be changed on disK"), 0o440); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			rep, err := e.svc.Reverify(ctx)
			if err != nil || rep.OK() || len(rep.Failures) != 1 || rep.Failures[0].ItemID != bad.ID || !strings.Contains(rep.Failures[0].Cause, "changed") {
				t.Fatalf("changed blob: %+v %v", rep, err)
			}
		}
		_, evs, err := e.svc.Get(ctx, e.p["inv"], bad.ID, evidence.Note{})
		if err != nil {
			t.Fatal(err)
		}
		var failed int
		for _, ev := range evs {
			if ev.Kind == custody.VerificationFailed {
				failed++
			}
		}
		if failed != 1 || evs[2].Actor != auth.System().Email {
			t.Fatalf("want one verification_failed event by the system, got %d in %+v", failed, evs)
		}

		// A custody row edited in the database breaks its chain where it was edited.
		e.exec(`UPDATE custody_events SET location = 'somewhere else' WHERE item_id = $1 AND seq = 2`, good.ID)
		rep, err := e.svc.Reverify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, f := range rep.Failures {
			found = found || f.ItemID == good.ID && strings.Contains(f.Cause, "event 2: hash")
		}
		if !found {
			t.Fatalf("edited custody row not found: %+v", rep.Failures)
		}
	})
}

// TestDownloadNoticesChangedContent: a reader of content changed on disk
// fails at its end instead of passing it off as the evidence.
func TestDownloadNoticesChangedContent(t *testing.T) {
	e := newEnv(t, storetest.Open(t, storetest.Engines(t)[0]))
	it := e.add("inv", []byte("original bytes"))
	path := e.blobPath(it.SHA256)
	os.Chmod(path, 0o640)
	os.WriteFile(path, []byte("0riginal bytes"), 0o440)
	rc, _, err := e.svc.Download(t.Context(), e.p["inv"], it.ID, evidence.Note{Reason: "xem"})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadAll(rc); err == nil || !strings.Contains(err.Error(), "changed on disk") {
		t.Fatalf("reading changed content: %v", err)
	}
}

// TestCommitAfterCrashBetweenBlobAndRow simulates a crash after an upload's
// blob was named but before its item row was written: committing again
// records the item once, from the digest the session kept.
func TestCommitAfterCrashBetweenBlobAndRow(t *testing.T) {
	e := newEnv(t, storetest.Open(t, storetest.Engines(t)[0]))
	ctx := t.Context()
	inv := e.p["inv"]
	b := []byte("bytes of a committed upload")
	u, err := e.svc.StartUpload(ctx, inv, e.caseID, meta("x.bin"), evidence.Note{}, int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AppendUpload(ctx, inv, u.ID, 0, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	disk, err := blob.OpenDisk(filepath.Join(e.data, evidence.VaultDir)) // the "crashed" process
	if err != nil {
		t.Fatal(err)
	}
	if _, err := disk.Commit(ctx, u.ID, blob.Expect{}); err != nil {
		t.Fatal(err)
	}
	disk.Close()
	if items, _ := e.svc.List(ctx, inv, e.caseID); len(items) != 0 {
		t.Fatal("an item appeared without its commit")
	}
	it, err := e.svc.CommitUpload(ctx, inv, u.ID)
	if err != nil || it.SHA256 != hexSHA256(b) {
		t.Fatalf("commit after the crash: %+v %v", it, err)
	}
	if rep, err := e.svc.Reverify(ctx); err != nil || !rep.OK() || rep.Items != 1 {
		t.Fatalf("reverify: %+v %v", rep, err)
	}
}
