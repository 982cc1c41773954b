package blob_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/errs"
)

// TestResumableUpload sends an upload in chunks across a "restart" (the
// store reopened), with a refused chunk and a torn write in between.
func TestResumableUpload(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	content := bytes.Repeat([]byte("khien-evidence-"), 1000) // 15000 bytes
	want := digestOf(t, content)
	d := open(t, dir)
	u, err := d.CreateUpload(ctx, int64(len(content)), []byte(`{"case":"c1"}`))
	must(t, err)
	if u, err = d.Append(ctx, u.ID, 0, bytes.NewReader(content[:4000])); err != nil || u.Received != 4000 {
		t.Fatalf("first chunk: %+v %v", u, err)
	}
	_, err = d.Append(ctx, u.ID, 1000, bytes.NewReader(content[1000:2000]))
	wantKind(t, err, errs.KindConflict, "blob.bad_offset")
	_, err = d.Append(ctx, u.ID, 4000, bytes.NewReader(append(bytes.Clone(content[4000:]), '!')))
	wantKind(t, err, errs.KindTooLarge, "blob.past_end")
	_, err = d.Commit(ctx, u.ID, blob.Expect{})
	wantKind(t, err, errs.KindConflict, "blob.upload_incomplete")

	// A crash after bytes were written but before the state recorded them:
	// the tail must be cut off, not counted.
	f, _ := os.OpenFile(filepath.Join(dir, "uploads", u.ID, "data"), os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte("garbage that was never acknowledged"))
	f.Close()
	d.Close()
	d = open(t, dir)
	if got, err := d.Upload(ctx, u.ID); err != nil || got.Received != 4000 || string(got.Meta) != `{"case":"c1"}` {
		t.Fatalf("state after restart: %+v %v", got, err)
	}
	// A reader failing midway keeps what arrived, so the client resumes there.
	u, err = d.Append(ctx, u.ID, 4000, io.MultiReader(bytes.NewReader(content[4000:9000]), iotest.ErrReader(errors.New("connection reset"))))
	if err == nil || u.Received != 9000 {
		t.Fatalf("broken chunk: %+v %v", u, err)
	}
	if u, err = d.Append(ctx, u.ID, 9000, bytes.NewReader(content[9000:])); err != nil || u.Received != int64(len(content)) {
		t.Fatalf("last chunk: %+v %v", u, err)
	}
	got, err := d.Commit(ctx, u.ID, blob.Expect{SHA512: want.SHA512})
	if err != nil || got != want {
		t.Fatalf("Commit = %+v, %v; want %+v", got, err, want)
	}
	if again, err := d.Commit(ctx, u.ID, blob.Expect{}); err != nil || again != want {
		t.Fatalf("second Commit = %+v, %v", again, err)
	}
	if ups, err := d.Uploads(ctx); err != nil || len(ups) != 1 || ups[0].Committed == nil {
		t.Fatalf("Uploads = %+v, %v", ups, err)
	}
	must(t, d.Remove(ctx, u.ID))
	rc, _, err := d.Open(ctx, want.SHA256)
	must(t, err)
	b, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(b, content) {
		t.Fatal("the committed blob holds other bytes")
	}
	if ups, _ := d.Uploads(ctx); len(ups) != 0 {
		t.Fatalf("sessions left: %+v", ups)
	}
}

// TestCommitMismatchStoresNothing: an upload that does not match the
// collector's hash leaves neither a blob nor a session.
func TestCommitMismatchStoresNothing(t *testing.T) {
	dir := t.TempDir()
	d := open(t, dir)
	u, err := d.CreateUpload(t.Context(), 5, nil)
	must(t, err)
	_, err = d.Append(t.Context(), u.ID, 0, bytes.NewReader([]byte("hello")))
	must(t, err)
	_, err = d.Commit(t.Context(), u.ID, blob.Expect{SHA256: digestOf(t, []byte("hellO")).SHA256})
	wantKind(t, err, errs.KindInvalid, "blob.hash_mismatch")
	if fs := files(t, dir); len(fs) != 0 {
		t.Fatalf("a refused commit left %v", fs)
	}
	_, err = d.Upload(t.Context(), u.ID)
	wantKind(t, err, errs.KindNotFound, "blob.upload_not_found")
}

func TestUploadLimits(t *testing.T) {
	d := open(t, t.TempDir())
	_, err := d.CreateUpload(t.Context(), -1, nil)
	wantKind(t, err, errs.KindInvalid, "blob.bad_size")
	_, err = d.CreateUpload(t.Context(), 1, make([]byte, blob.MaxMeta+1))
	wantKind(t, err, errs.KindTooLarge, "blob.meta_too_large")
	_, err = d.Upload(t.Context(), "0196c1d2-7e3a-4b2c-9f10-4a5b6c7d8e9f")
	wantKind(t, err, errs.KindNotFound, "blob.upload_not_found")
}
