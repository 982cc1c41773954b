package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/khien-cert/khien/internal/errs"
)

// Layout of a Disk's directory:
//
//	sha256/ab/cd/abcd…   blobs (mode 0440), fanned out by the first two bytes
//	uploads/<id>/data    the bytes of a resumable upload so far
//	uploads/<id>/state.json  its state (size, bytes received, metadata)
//	tmp/                 files being written by Put
const (
	blobDir   = "sha256"
	uploadDir = "uploads"
	tmpDir    = "tmp"
)

// staleTemp is how old a file in tmp/ must be before Open removes it as
// the leftover of a crash (younger ones may belong to another process).
const staleTemp = 24 * time.Hour

// Disk is a Store in one local directory, reached only through an os.Root.
type Disk struct {
	root  *os.Root
	now   func() time.Time
	locks [64]sync.Mutex // upload sessions, striped by ID
	blobs [64]sync.Mutex // blob names (promote, Delete, DeleteIdle), striped by SHA-256
}

// blobLock locks the stripe of the blob named sum (valid hex).
func (d *Disk) blobLock(sum string) *sync.Mutex {
	n, _ := strconv.ParseUint(sum[:2], 16, 8)
	m := &d.blobs[n%uint64(len(d.blobs))]
	m.Lock()
	return m
}

var _ Store = (*Disk)(nil)

// OpenDisk opens the store in dir, creating it (mode 0700) if needed.
func OpenDisk(dir string) (*Disk, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	d, err := NewDisk(root)
	if err != nil {
		root.Close()
	}
	return d, err
}

// NewDisk returns a store on root, which it then owns (Close closes it).
// It creates the layout and removes stale temporary files.
func NewDisk(root *os.Root) (*Disk, error) {
	d := &Disk{root: root, now: time.Now}
	for _, dir := range []string{blobDir, uploadDir, tmpDir} {
		if err := d.mkdirs(dir); err != nil {
			return nil, fmt.Errorf("blob: %w", err)
		}
	}
	d.removeStaleTemps()
	return d, nil
}

// Close releases the directory.
func (d *Disk) Close() error { return d.root.Close() }

// blobPath is where the blob named sum lives.
func blobPath(sum string) string { return blobDir + "/" + sum[:2] + "/" + sum[2:4] + "/" + sum }

// Put implements Store.
func (d *Disk) Put(ctx context.Context, r io.Reader, want Expect, limit int64) (dg Digest, err error) {
	defer errs.Wrap(&err, "blob.Put")
	f, tmp, err := d.createTemp(tmpDir)
	if err != nil {
		return Digest{}, err
	}
	defer func() {
		if f != nil {
			f.Close()
		}
		d.root.Remove(tmp)
	}()
	var src io.Reader = ctxReader{ctx, r}
	if limit > 0 {
		src = io.LimitReader(src, limit+1)
	}
	h := NewHasher()
	if _, err := io.CopyBuffer(io.MultiWriter(f, h), src, make([]byte, 1<<20)); err != nil {
		return Digest{}, err
	}
	dg = h.Digest()
	if limit > 0 && dg.Size > limit {
		return Digest{}, tooLarge(limit)
	}
	if err := want.Check(dg); err != nil {
		return Digest{}, err
	}
	err = seal(f)
	f = nil
	if err != nil {
		return Digest{}, err
	}
	return dg, d.promote(tmp, dg)
}

func tooLarge(limit int64) error {
	return &errs.Error{Kind: errs.KindTooLarge, Code: "blob.too_large",
		Public: fmt.Sprintf("the content is larger than the limit of %d bytes", limit)}
}

// seal makes f read-only, syncs it to disk and closes it.
func seal(f *os.File) error {
	err := f.Chmod(0o440)
	if err == nil || runtime.GOOS == "windows" {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// promote gives the synced file src its content address. The address is
// created by a hard link, which never replaces an existing blob: when one
// exists, it must have the same size, and it is marked freshly written so
// that a sweep keeps it for another grace period. src is left in place.
func (d *Disk) promote(src string, dg Digest) error {
	final := blobPath(dg.SHA256)
	dir := path.Dir(final)
	m := d.blobLock(dg.SHA256)
	defer m.Unlock()
	if err := d.mkdirs(dir); err != nil {
		return err
	}
	err := d.root.Link(src, final)
	if errors.Is(err, fs.ErrExist) {
		fi, lerr := d.root.Lstat(final)
		if lerr != nil {
			return lerr
		}
		if !fi.Mode().IsRegular() {
			return unsafe(final, fi)
		}
		if fi.Size() != dg.Size {
			return fmt.Errorf("blob %s exists with %d bytes instead of %d: the store is damaged", dg.SHA256, fi.Size(), dg.Size)
		}
		return d.touch(final)
	}
	if err != nil {
		return err
	}
	for p := dir; p != "."; p = path.Dir(p) { // the new name and any new directories
		if err := d.syncDir(p); err != nil {
			return err
		}
	}
	return nil
}

// Open implements Store.
func (d *Disk) Open(ctx context.Context, sum string) (rc io.ReadCloser, size int64, err error) {
	defer errs.Wrap(&err, "blob.Open(%s)", sum)
	if !ValidSHA256(sum) {
		return nil, 0, badName("SHA-256", sum)
	}
	f, fi, err := d.openRegular(blobPath(sum), os.O_RDONLY)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, errs.NotFound("blob.not_found")
	}
	if err != nil {
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// Delete implements Store.
func (d *Disk) Delete(ctx context.Context, sum string) (err error) {
	defer errs.Wrap(&err, "blob.Delete(%s)", sum)
	if !ValidSHA256(sum) {
		return badName("SHA-256", sum)
	}
	m := d.blobLock(sum)
	defer m.Unlock()
	return d.deleteLocked(sum)
}

// deleteLocked removes a blob; the caller holds its lock.
func (d *Disk) deleteLocked(sum string) error {
	p := blobPath(sum)
	if err := d.checkDirs(path.Dir(p)); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	fi, err := d.root.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return unsafe(p, fi)
	}
	if err := d.root.Remove(p); err != nil {
		return err
	}
	return d.syncDir(path.Dir(p))
}

// openRegular opens name, which must be a regular file reached through real
// directories: a planted symbolic link (even one pointing inside the store)
// or a swap between the check and the open is refused with ErrUnsafe.
func (d *Disk) openRegular(name string, flag int) (*os.File, os.FileInfo, error) {
	if err := d.checkDirs(path.Dir(name)); err != nil {
		return nil, nil, err
	}
	fi, err := d.root.Lstat(name)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, unsafe(name, fi)
	}
	f, err := d.root.OpenFile(name, flag, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err == nil && !os.SameFile(fi, st) {
		err = fmt.Errorf("%w: %s changed while it was opened", ErrUnsafe, name)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

// mkdirs creates dir and its parents as needed, checking on the way down
// that each is a real directory (never following a planted link).
func (d *Disk) mkdirs(dir string) error {
	p := ""
	for part := range strings.SplitSeq(dir, "/") {
		if p == "" {
			p = part
		} else {
			p += "/" + part
		}
		if err := d.root.Mkdir(p, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		fi, err := d.root.Lstat(p)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return unsafe(p, fi)
		}
	}
	return nil
}

// checkDirs checks that every component of dir is a real directory.
func (d *Disk) checkDirs(dir string) error {
	p := ""
	for part := range strings.SplitSeq(dir, "/") {
		if p == "" {
			p = part
		} else {
			p += "/" + part
		}
		fi, err := d.root.Lstat(p)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return unsafe(p, fi)
		}
	}
	return nil
}

func unsafe(name string, fi os.FileInfo) error {
	what := "special file"
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		what = "symbolic link"
	case fi.IsDir():
		what = "directory"
	case fi.Mode().IsRegular():
		what = "regular file"
	}
	return fmt.Errorf("%w: %s is a %s where the store keeps its own files", ErrUnsafe, name, what)
}

// createTemp creates a fresh private file in dir.
func (d *Disk) createTemp(dir string) (*os.File, string, error) {
	if err := d.checkDirs(dir); err != nil {
		return nil, "", err
	}
	var b [12]byte
	rand.Read(b[:])
	name := dir + "/" + hex.EncodeToString(b[:])
	f, err := d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	return f, name, err
}

// syncDir makes the entries of dir durable.
func (d *Disk) syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be synced there; NTFS journals names
	}
	f, err := d.root.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeStaleTemps deletes what a crashed Put left behind.
func (d *Disk) removeStaleTemps() {
	f, err := d.root.Open(tmpDir)
	if err != nil {
		return
	}
	defer f.Close()
	entries, _ := f.ReadDir(-1)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && d.now().Sub(fi.ModTime()) > staleTemp {
			d.root.Remove(tmpDir + "/" + e.Name())
		}
	}
}
