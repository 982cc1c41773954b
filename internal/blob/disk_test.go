package blob_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/errs"
)

func open(t *testing.T, dir string) *blob.Disk {
	t.Helper()
	d, err := blob.OpenDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func digestOf(t *testing.T, b []byte) blob.Digest {
	t.Helper()
	d, err := blob.HashReader(t.Context(), bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func wantKind(t *testing.T, err error, kind errs.Kind, code string) {
	t.Helper()
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || e.Kind != kind || (code != "" && e.Code != code) {
		t.Fatalf("error %v, want kind %s code %q", err, kind, code)
	}
}

// files lists the regular files under dir, relative, for "nothing was stored".
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func TestPutOpenDelete(t *testing.T) {
	dir := t.TempDir()
	d := open(t, dir)
	ctx := t.Context()
	content := []byte("bằng chứng số: nhật ký máy chủ\n")
	want := digestOf(t, content)
	got, err := d.Put(ctx, iotest.OneByteReader(bytes.NewReader(content)), blob.Expect{SHA256: want.SHA256, Size: new(int64(len(content)))}, 0)
	if err != nil || got != want {
		t.Fatalf("Put = %+v, %v; want %+v", got, err, want)
	}
	again, err := d.Put(ctx, bytes.NewReader(content), blob.Expect{}, 0)
	if err != nil || again != want {
		t.Fatalf("second Put = %+v, %v", again, err)
	}
	path := "sha256/" + want.SHA256[:2] + "/" + want.SHA256[2:4] + "/" + want.SHA256
	if fs := files(t, dir); len(fs) != 1 || fs[0] != path {
		t.Fatalf("store holds %v, want just %s", fs, path)
	}
	if fi, _ := os.Stat(filepath.Join(dir, path)); fi.Mode().Perm() != 0o440 {
		t.Errorf("blob mode %v, want read-only 0440", fi.Mode().Perm())
	}
	rc, size, err := d.Open(ctx, want.SHA256)
	if err != nil || size != int64(len(content)) {
		t.Fatalf("Open = %d, %v", size, err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(b, content) {
		t.Fatal("read back other bytes")
	}
	if err := d.Delete(ctx, want.SHA256); err != nil {
		t.Fatal(err)
	}
	if err := d.Delete(ctx, want.SHA256); err != nil {
		t.Fatalf("deleting a missing blob: %v", err)
	}
	_, _, err = d.Open(ctx, want.SHA256)
	wantKind(t, err, errs.KindNotFound, "blob.not_found")
}

func TestPutRefusesWhatItDoesNotExpect(t *testing.T) {
	dir := t.TempDir()
	d := open(t, dir)
	content := []byte("0123456789")
	dg := digestOf(t, content)
	other := digestOf(t, []byte("x"))
	cases := []struct {
		name  string
		want  blob.Expect
		limit int64
		kind  errs.Kind
		code  string
	}{
		{"sha256", blob.Expect{SHA256: other.SHA256}, 0, errs.KindInvalid, "blob.hash_mismatch"},
		{"sha512", blob.Expect{SHA512: other.SHA512}, 0, errs.KindInvalid, "blob.hash_mismatch"},
		{"size", blob.Expect{Size: new(int64(9))}, 0, errs.KindInvalid, "blob.size_mismatch"},
		{"limit", blob.Expect{SHA256: dg.SHA256}, 9, errs.KindTooLarge, "blob.too_large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := d.Put(t.Context(), bytes.NewReader(content), c.want, c.limit)
			wantKind(t, err, c.kind, c.code)
			if fs := files(t, dir); len(fs) != 0 {
				t.Fatalf("a refused Put left %v", fs)
			}
		})
	}
	if _, err := d.Put(t.Context(), bytes.NewReader(content), blob.Expect{SHA256: dg.SHA256, SHA512: dg.SHA512}, 10); err != nil {
		t.Fatalf("content at the limit: %v", err)
	}
}

func TestBadNames(t *testing.T) {
	d := open(t, t.TempDir())
	ctx := t.Context()
	for _, name := range []string{"../../../etc/passwd", "/etc/passwd", strings.Repeat("A", 64), strings.Repeat("a", 63) + "/",
		"..", "", strings.Repeat("a", 65), "sha256/aa/bb/" + strings.Repeat("a", 64)} {
		_, _, err := d.Open(ctx, name)
		wantKind(t, err, errs.KindInvalid, "blob.bad_name")
		wantKind(t, d.Delete(ctx, name), errs.KindInvalid, "blob.bad_name")
		_, err = d.Upload(ctx, name)
		wantKind(t, err, errs.KindInvalid, "blob.bad_name")
		_, err = d.Append(ctx, name, 0, strings.NewReader("x"))
		wantKind(t, err, errs.KindInvalid, "blob.bad_name")
		_, err = d.Commit(ctx, name, blob.Expect{})
		wantKind(t, err, errs.KindInvalid, "blob.bad_name")
		wantKind(t, d.Remove(ctx, name), errs.KindInvalid, "blob.bad_name")
	}
}

// TestPlantedSymlinks plants links where the store keeps its files: inside
// and outside the store, on files and on directories. Each is refused with
// ErrUnsafe; nothing outside is read or written.
func TestPlantedSymlinks(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("secret"), 0o600)
	content := []byte("evidence")
	sum := digestOf(t, content).SHA256
	rel := filepath.Join("sha256", sum[:2], sum[2:4], sum)
	cases := []struct {
		name  string
		plant func(t *testing.T, dir string)
	}{
		{"blob links outside", func(t *testing.T, dir string) {
			os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o700)
			must(t, os.Symlink(outside, filepath.Join(dir, rel)))
		}},
		{"blob links inside", func(t *testing.T, dir string) {
			os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o700)
			os.WriteFile(filepath.Join(dir, "tmp", "other"), content, 0o600)
			must(t, os.Symlink("../../../tmp/other", filepath.Join(dir, rel)))
		}},
		{"fan-out directory links", func(t *testing.T, dir string) {
			must(t, os.Symlink("../tmp", filepath.Join(dir, "sha256", sum[:2])))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			d := open(t, dir)
			c.plant(t, dir)
			_, _, err := d.Open(t.Context(), sum)
			if !errors.Is(err, blob.ErrUnsafe) {
				t.Errorf("Open: %v, want ErrUnsafe", err)
			}
			if _, err := d.Put(t.Context(), bytes.NewReader(content), blob.Expect{}, 0); !errors.Is(err, blob.ErrUnsafe) {
				t.Errorf("Put: %v, want ErrUnsafe", err)
			}
			if err := d.Delete(t.Context(), sum); !errors.Is(err, blob.ErrUnsafe) {
				t.Errorf("Delete: %v, want ErrUnsafe", err)
			}
			if b, _ := os.ReadFile(outside); string(b) != "secret" {
				t.Error("the file outside the store changed")
			}
		})
	}
	t.Run("store directory links", func(t *testing.T) {
		dir := t.TempDir()
		must(t, os.Symlink(t.TempDir(), filepath.Join(dir, "sha256")))
		if _, err := blob.OpenDisk(dir); !errors.Is(err, blob.ErrUnsafe) {
			t.Errorf("OpenDisk: %v, want ErrUnsafe", err)
		}
	})
	t.Run("upload data links", func(t *testing.T) {
		dir := t.TempDir()
		d := open(t, dir)
		u, err := d.CreateUpload(t.Context(), 4, nil)
		must(t, err)
		data := filepath.Join(dir, "uploads", u.ID, "data")
		os.Remove(data)
		must(t, os.Symlink(outside, data))
		if _, err := d.Append(t.Context(), u.ID, 0, strings.NewReader("evil")); !errors.Is(err, blob.ErrUnsafe) {
			t.Errorf("Append: %v, want ErrUnsafe", err)
		}
		if b, _ := os.ReadFile(outside); string(b) != "secret" {
			t.Error("the file outside the store changed")
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
