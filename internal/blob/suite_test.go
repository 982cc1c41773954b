package blob_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/errs"
)

// storeSuite is the behaviour every blob.Store must have, run on Disk here
// and on S3 when a bucket is configured (TestS3Store).
func storeSuite(t *testing.T, st blob.Store) {
	ctx := t.Context()
	count := func() int {
		n := 0
		must(t, st.Walk(ctx, func(blob.Info) error { n++; return nil }))
		return n
	}
	base := count()
	content := []byte("ảnh đĩa máy chủ — suite")
	dg, err := st.Put(ctx, bytes.NewReader(content), blob.Expect{}, 0)
	must(t, err)
	if dg != digestOf(t, content) {
		t.Fatalf("Put digest %+v", dg)
	}
	again, err := st.Put(ctx, bytes.NewReader(content), blob.Expect{SHA256: dg.SHA256, SHA512: dg.SHA512}, 1<<20)
	if err != nil || again != dg {
		t.Fatalf("second Put: %+v %v", again, err)
	}
	rc, size, err := st.Open(ctx, dg.SHA256)
	must(t, err)
	b, _ := io.ReadAll(rc)
	rc.Close()
	if size != int64(len(content)) || !bytes.Equal(b, content) {
		t.Fatalf("Open: %d bytes %q", size, b)
	}
	if count() != base+1 {
		t.Fatalf("Walk counts %d blobs, want %d", count(), base+1)
	}
	_, err = st.Put(ctx, strings.NewReader("other"), blob.Expect{SHA256: dg.SHA256}, 0)
	wantKind(t, err, errs.KindInvalid, "blob.hash_mismatch")
	_, err = st.Put(ctx, strings.NewReader("too long"), blob.Expect{}, 3)
	wantKind(t, err, errs.KindTooLarge, "blob.too_large")
	if count() != base+1 {
		t.Fatal("refused content was stored")
	}
	if _, _, err := st.Open(ctx, strings.Repeat("0", 64)); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("Open of a missing blob: %v", err)
	}
	if _, _, err := st.Open(ctx, "../../etc/passwd"); err == nil {
		t.Fatal("Open took a path")
	}

	// A resumable upload in two chunks, with a wrong offset and a chunk
	// past the end refused on the way.
	whole := []byte("0123456789abcdef")
	u, err := st.CreateUpload(ctx, int64(len(whole)), []byte(`{"case":"c"}`))
	must(t, err)
	if u, err = st.Append(ctx, u.ID, 0, bytes.NewReader(whole[:6])); err != nil || u.Received != 6 {
		t.Fatalf("first chunk: %+v %v", u, err)
	}
	_, err = st.Append(ctx, u.ID, 3, bytes.NewReader(whole[3:]))
	wantKind(t, err, errs.KindConflict, "blob.bad_offset")
	_, err = st.Append(ctx, u.ID, 6, bytes.NewReader(append(whole[6:], 'x')))
	wantKind(t, err, errs.KindTooLarge, "blob.past_end")
	_, err = st.Commit(ctx, u.ID, blob.Expect{})
	wantKind(t, err, errs.KindConflict, "blob.upload_incomplete")
	if u, err = st.Append(ctx, u.ID, 6, bytes.NewReader(whole[6:])); err != nil || u.Received != int64(len(whole)) {
		t.Fatalf("second chunk: %+v %v", u, err)
	}
	us, err := st.Uploads(ctx)
	must(t, err)
	if len(us) != 1 || us[0].ID != u.ID || string(us[0].Meta) != `{"case":"c"}` {
		t.Fatalf("Uploads %+v", us)
	}
	cd, err := st.Commit(ctx, u.ID, blob.Expect{SHA256: digestOf(t, whole).SHA256})
	if err != nil || cd != digestOf(t, whole) {
		t.Fatalf("Commit %+v %v", cd, err)
	}
	if again, err := st.Commit(ctx, u.ID, blob.Expect{}); err != nil || again != cd {
		t.Fatalf("Commit again %+v %v", again, err)
	}
	must(t, st.Remove(ctx, u.ID))
	if _, err := st.Upload(ctx, u.ID); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("a removed session: %v", err)
	}
	// An upload whose bytes are not what was promised keeps nothing.
	bad, err := st.CreateUpload(ctx, 3, nil)
	must(t, err)
	_, err = st.Append(ctx, bad.ID, 0, strings.NewReader("abc"))
	must(t, err)
	_, err = st.Commit(ctx, bad.ID, blob.Expect{SHA256: dg.SHA256})
	wantKind(t, err, errs.KindInvalid, "blob.hash_mismatch")
	if _, err := st.Upload(ctx, bad.ID); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("a mismatched upload was kept: %v", err)
	}

	// Sweeping: the unreferenced upload's blob goes once the grace is over;
	// the referenced one stays.
	rep, err := blob.Sweep(ctx, st, blob.SweepOptions{Now: time.Now().Add(48 * time.Hour), Grace: 24 * time.Hour,
		Referenced: func(_ context.Context, sum string) (bool, error) { return sum == dg.SHA256, nil }})
	must(t, err)
	if len(rep.Blobs) != 1 || rep.Blobs[0].SHA256 != cd.SHA256 {
		t.Fatalf("sweep %+v", rep)
	}
	gone, err := st.DeleteIdle(ctx, dg.SHA256, time.Now().Add(-time.Hour))
	if err != nil || gone {
		t.Fatalf("DeleteIdle of a fresh blob: %v %v", gone, err)
	}
	must(t, st.Delete(ctx, dg.SHA256))
	must(t, st.Delete(ctx, dg.SHA256)) // deleting a missing blob is not an error
	if count() != base {
		t.Fatalf("after deletion Walk counts %d, want %d", count(), base)
	}
}

func TestStoreSuiteDisk(t *testing.T) { storeSuite(t, open(t, t.TempDir())) }

// TestS3Store runs the suite on an S3-compatible bucket named by
// KHIEN_TEST_S3 (https://ACCESS:SECRET@host/bucket/prefix). None was
// reachable where this was written, so it is skipped without one.
func TestS3Store(t *testing.T) {
	u := os.Getenv("KHIEN_TEST_S3")
	if u == "" {
		t.Skip("KHIEN_TEST_S3 not set: no S3-compatible server to test against")
	}
	s, err := blob.OpenS3(t.Context(), blob.S3Options{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	storeSuite(t, s)

	// Content larger than one part (16 MiB) goes through multipart upload
	// and multipart copy.
	big := bytes.Repeat([]byte("0123456789abcdef"), 20<<20/16+7)
	dg, err := s.Put(t.Context(), bytes.NewReader(big), blob.Expect{}, 0)
	if err != nil || dg != digestOf(t, big) {
		t.Fatalf("big Put: %+v %v", dg, err)
	}
	up, err := s.CreateUpload(t.Context(), int64(len(big)), nil)
	must(t, err)
	_, err = s.Append(t.Context(), up.ID, 0, bytes.NewReader(big[:17<<20]))
	must(t, err)
	_, err = s.Append(t.Context(), up.ID, 17<<20, bytes.NewReader(big[17<<20:]))
	must(t, err)
	if cd, err := s.Commit(t.Context(), up.ID, blob.Expect{SHA512: dg.SHA512}); err != nil || cd != dg {
		t.Fatalf("big Commit: %+v %v", cd, err)
	}
	must(t, s.Remove(t.Context(), up.ID))
	must(t, s.Delete(t.Context(), dg.SHA256))
}

func TestParseS3URL(t *testing.T) {
	ep, secure, ak, sk, bucket, prefix, region, err := blob.ParseS3URL("https://AK:S%2FK@s3.example:9000/evidence/khien/vault?region=ap-southeast-1")
	if err != nil || ep != "s3.example:9000" || !secure || ak != "AK" || sk != "S/K" || bucket != "evidence" ||
		prefix != "khien/vault/" || region != "ap-southeast-1" {
		t.Fatalf("%q %v %q %q %q %q %q %v", ep, secure, ak, sk, bucket, prefix, region, err)
	}
	for _, bad := range []string{"", "s3.example/bucket", "ftp://h/b", "https://h/", "https://h"} {
		if _, _, _, _, _, _, _, err := blob.ParseS3URL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
