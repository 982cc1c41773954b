package evidence_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/store/storetest"
)

// TestSweep: a week-old unfinished upload and content no item claims go,
// each with an audit entry; the content of an item on legal hold stays
// however old it is, and so does fresh unclaimed content.
func TestSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		content := []byte("ảnh bộ nhớ máy chủ thư")
		it := e.add("inv", content)
		if !it.LegalHold {
			t.Fatal("a new item is not on legal hold")
		}
		vault, err := blob.OpenDisk(filepath.Join(e.data, evidence.VaultDir))
		if err != nil {
			t.Fatal(err)
		}
		defer vault.Close()
		orphan, err := vault.Put(ctx, strings.NewReader("bytes whose item was never recorded"), blob.Expect{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		young, err := vault.Put(ctx, strings.NewReader("a commit in flight"), blob.Expect{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		u, err := e.svc.StartUpload(ctx, e.p["inv2"], e.caseID, meta("mem.raw"), evidence.Note{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AppendUpload(ctx, e.p["inv2"], u.ID, 0, strings.NewReader("abcd")); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(8 * 24 * time.Hour)
		for _, sum := range []string{it.SHA256, orphan.SHA256} {
			if err := os.Chtimes(e.blobPath(sum), later.Add(-48*time.Hour), later.Add(-48*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(e.blobPath(young.SHA256), later.Add(-time.Hour), later.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}

		// The same vault eight days on.
		root, err := os.OpenRoot(e.data)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		svc, err := evidence.Open(root, evidence.Deps{Store: db.DB, Now: func() time.Time { return later }})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		before := e.auditSize()
		rep, err := svc.Sweep(ctx, evidence.SweepOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Uploads) != 1 || rep.Uploads[0].ID != u.ID || len(rep.Blobs) != 1 || rep.Blobs[0].SHA256 != orphan.SHA256 || rep.Kept != 1 {
			t.Fatalf("sweep report %+v", rep)
		}
		if got := e.auditSize() - before; got != 2 {
			t.Errorf("the sweep appended %d audit entries, want 2", got)
		}
		if _, err := os.Stat(e.blobPath(orphan.SHA256)); !os.IsNotExist(err) {
			t.Errorf("the orphan is still in the vault: %v", err)
		}
		if _, err := e.svc.UploadStatus(ctx, e.p["inv2"], u.ID); err == nil {
			t.Error("the stale upload can still be resumed")
		}
		rc, _, err := e.svc.Download(ctx, e.p["inv"], it.ID, evidence.Note{Reason: "kiểm tra sau dọn dẹp"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(b, content) {
			t.Fatalf("the held item's content after the sweep: %v", err)
		}

		// Nothing more to do: no entries.
		before = e.auditSize()
		if rep, err = svc.Sweep(ctx, evidence.SweepOptions{}); err != nil || len(rep.Uploads)+len(rep.Blobs) != 0 {
			t.Fatalf("second sweep %+v, %v", rep, err)
		}
		if e.auditSize() != before {
			t.Error("a sweep that removed nothing was audited")
		}
	})
}
