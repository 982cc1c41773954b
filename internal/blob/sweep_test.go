package blob_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/blob"
)

// age sets a blob's modification time, as if it was written at t.
func age(t *testing.T, dir, sum string, at time.Time) {
	t.Helper()
	must(t, os.Chtimes(filepath.Join(dir, "sha256", sum[:2], sum[2:4], sum), at, at))
}

// refs is a settable set of referenced blobs, safe for concurrent use.
type refs struct {
	mu  sync.Mutex
	set map[string]bool
	n   int // questions asked
}

func (r *refs) add(sum string) { r.mu.Lock(); r.set[sum] = true; r.mu.Unlock() }
func (r *refs) referenced(_ context.Context, sum string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	return r.set[sum], nil
}

// TestSweep: stale sessions go with their bytes; a blob no record
// references goes once its grace period is over; a referenced blob, a blob
// within its grace period and the blob of an open committed session stay.
func TestSweep(t *testing.T) {
	dir := t.TempDir()
	d := open(t, dir)
	ctx := t.Context()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	blob.SetNow(d, func() time.Time { return now })

	put := func(s string) blob.Digest {
		dg, err := d.Put(ctx, strings.NewReader(s), blob.Expect{}, 0)
		must(t, err)
		return dg
	}
	held, orphan, fresh := put("bằng chứng đang giữ"), put("mồ côi sau sự cố"), put("vừa ghi xong")
	old := now.Add(-48 * time.Hour)
	age(t, dir, held.SHA256, old)
	age(t, dir, orphan.SHA256, old)
	age(t, dir, fresh.SHA256, now.Add(-time.Hour))

	// An upload started 10 days ago, one started now, and one committed
	// now whose blob is old (the same bytes existed before) and unclaimed.
	blob.SetNow(d, func() time.Time { return now.Add(-10 * 24 * time.Hour) })
	stale, err := d.CreateUpload(ctx, 5, []byte(`{"case":"c1"}`))
	must(t, err)
	_, err = d.Append(ctx, stale.ID, 0, strings.NewReader("abc"))
	must(t, err)
	blob.SetNow(d, func() time.Time { return now })
	open1, err := d.CreateUpload(ctx, 3, nil)
	must(t, err)
	committed, err := d.CreateUpload(ctx, 6, nil)
	must(t, err)
	_, err = d.Append(ctx, committed.ID, 0, strings.NewReader("cam-01"))
	must(t, err)
	cdg, err := d.Commit(ctx, committed.ID, blob.Expect{})
	must(t, err)
	age(t, dir, cdg.SHA256, old)

	r := &refs{set: map[string]bool{held.SHA256: true}}
	o := blob.SweepOptions{Now: now, UploadAge: 7 * 24 * time.Hour, Grace: 24 * time.Hour, Referenced: r.referenced}
	rep, err := blob.Sweep(ctx, d, o)
	must(t, err)
	if len(rep.Uploads) != 1 || rep.Uploads[0].ID != stale.ID || rep.Uploads[0].Received != 3 {
		t.Errorf("sessions removed: %+v, want only the stale one", rep.Uploads)
	}
	if len(rep.Blobs) != 1 || rep.Blobs[0].SHA256 != orphan.SHA256 || rep.Blobs[0].Size != orphan.Size {
		t.Errorf("blobs deleted: %+v, want only the orphan", rep.Blobs)
	}
	if rep.Kept != 1 {
		t.Errorf("kept %d unreferenced blobs within grace, want 1 (the fresh one)", rep.Kept)
	}
	if _, err := d.Upload(ctx, stale.ID); err == nil {
		t.Error("the stale session is still there")
	}
	if _, err := os.Stat(filepath.Join(dir, "uploads", stale.ID)); !os.IsNotExist(err) {
		t.Errorf("the stale session's bytes are still on disk: %v", err)
	}
	for _, u := range []string{open1.ID, committed.ID} {
		if _, err := d.Upload(ctx, u); err != nil {
			t.Errorf("session %s: %v", u, err)
		}
	}
	for _, keep := range []blob.Digest{held, fresh, cdg} {
		rc, _, err := d.Open(ctx, keep.SHA256)
		if err != nil {
			t.Errorf("blob %s was swept: %v", keep.SHA256[:12], err)
			continue
		}
		rc.Close()
	}
	if _, _, err := d.Open(ctx, orphan.SHA256); err == nil {
		t.Error("the orphan is still there")
	}

	// Once the committed session is gone, its unclaimed blob goes too; and
	// a sweep with nothing to do changes nothing.
	must(t, d.Remove(ctx, committed.ID))
	rep, err = blob.Sweep(ctx, d, o)
	must(t, err)
	if len(rep.Blobs) != 1 || rep.Blobs[0].SHA256 != cdg.SHA256 || len(rep.Uploads) != 0 {
		t.Errorf("second sweep: %+v", rep)
	}
	rep, err = blob.Sweep(ctx, d, o)
	must(t, err)
	if len(rep.Blobs)+len(rep.Uploads) != 0 {
		t.Errorf("third sweep removed %+v", rep)
	}
}

// TestSweepKeepsWhatPutFindsAgain: putting the bytes of an old orphan again
// refreshes it, so a sweep keeps it for another grace period; without a
// grace period or reference check nothing is deleted at all.
func TestSweepKeepsWhatPutFindsAgain(t *testing.T) {
	dir := t.TempDir()
	d := open(t, dir)
	ctx := t.Context()
	now := time.Now().UTC()
	blob.SetNow(d, func() time.Time { return now })
	dg, err := d.Put(ctx, bytes.NewReader([]byte("ảnh đĩa")), blob.Expect{}, 0)
	must(t, err)
	age(t, dir, dg.SHA256, now.Add(-72*time.Hour))
	if _, err := d.Put(ctx, bytes.NewReader([]byte("ảnh đĩa")), blob.Expect{}, 0); err != nil {
		t.Fatal(err)
	}
	r := &refs{set: map[string]bool{}}
	rep, err := blob.Sweep(ctx, d, blob.SweepOptions{Now: now, Grace: 24 * time.Hour, Referenced: r.referenced})
	must(t, err)
	if len(rep.Blobs) != 0 || rep.Kept != 1 {
		t.Fatalf("a blob put again was swept: %+v", rep)
	}
	age(t, dir, dg.SHA256, now.Add(-72*time.Hour))
	if rep, err = blob.Sweep(ctx, d, blob.SweepOptions{Now: now}); err != nil || len(rep.Blobs) != 0 {
		t.Fatalf("a sweep without a grace period deleted %+v (%v)", rep, err)
	}
	if _, err := blob.Sweep(ctx, d, blob.SweepOptions{Now: now, Grace: time.Hour}); err == nil {
		t.Fatal("a grace period without a reference check was accepted")
	}
	// DeleteIdle itself refuses a blob touched after the cutoff.
	gone, err := d.DeleteIdle(ctx, dg.SHA256, now.Add(-100*time.Hour))
	if err != nil || gone {
		t.Fatalf("DeleteIdle of a younger blob: %v %v", gone, err)
	}
	if _, err := d.DeleteIdle(ctx, "../../etc/passwd", now); err == nil {
		t.Fatal("DeleteIdle took a path")
	}
}

// TestSweepRacesWithRecords: while sweeps run over and over, writers put
// the bytes of old orphans again and record them at once; no recorded
// blob is ever missing afterwards.
func TestSweepRacesWithRecords(t *testing.T) {
	dir := t.TempDir()
	d := open(t, dir)
	ctx := t.Context()
	now := time.Now().UTC()
	const n = 40
	contents := make([]string, n)
	for i := range contents {
		contents[i] = strings.Repeat("x", i+1)
		dg, err := d.Put(ctx, strings.NewReader(contents[i]), blob.Expect{}, 0)
		must(t, err)
		age(t, dir, dg.SHA256, now.Add(-72*time.Hour))
	}
	r := &refs{set: map[string]bool{}}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := blob.Sweep(ctx, d, blob.SweepOptions{Now: time.Now().UTC(), Grace: 24 * time.Hour, Referenced: r.referenced}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var recorded []string
	for i := range contents {
		if i%2 == 0 {
			continue // left as orphans
		}
		dg, err := d.Put(ctx, strings.NewReader(contents[i]), blob.Expect{}, 0)
		must(t, err)
		r.add(dg.SHA256)
		recorded = append(recorded, dg.SHA256)
	}
	close(stop)
	wg.Wait()
	for _, sum := range recorded {
		rc, _, err := d.Open(ctx, sum)
		if err != nil {
			t.Fatalf("recorded blob %s is missing: %v", sum[:12], err)
		}
		rc.Close()
	}
	rep, err := blob.Sweep(ctx, d, blob.SweepOptions{Now: time.Now().UTC(), Grace: 24 * time.Hour, Referenced: r.referenced})
	must(t, err)
	var left []string
	must(t, d.Walk(ctx, func(in blob.Info) error { left = append(left, in.SHA256); return nil }))
	slices.Sort(left)
	slices.Sort(recorded)
	if !slices.Equal(left, recorded) {
		t.Errorf("after the last sweep (%d deleted) the store holds %d blobs, want the %d recorded", len(rep.Blobs), len(left), len(recorded))
	}
}
