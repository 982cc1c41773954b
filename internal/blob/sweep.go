package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/errs"
)

// This file sweeps what nobody will claim any more: resumable-upload
// sessions abandoned for longer than a set age, and blobs no record
// references (left by a crash between naming a blob and recording its
// item, or by an abandoned committed upload) once a grace period has
// passed since they were last written.
//
// A blob is never deleted while anything may still claim it:
//
//   - Sweep asks the caller's Referenced, which the evidence vault answers
//     from its records, and skips any blob an open upload session committed.
//   - The grace period is measured from the blob's modification time, which
//     Put and Commit refresh when they find the blob already stored; that
//     refresh and DeleteIdle's check-and-remove hold the same per-blob lock,
//     so a Put that finds an orphan either refreshes it before the sweep
//     looks (and it stays) or finds it gone and names its own copy.
//   - Referenced is asked again for each candidate just before it goes, so
//     a record written after the sweep started keeps its blob.

// Info describes one stored blob.
type Info struct {
	SHA256  string
	Size    int64
	ModTime time.Time // last written, or last found again by Put/Commit
}

// SweepOptions configures Sweep.
type SweepOptions struct {
	Now time.Time
	// UploadAge is how long an upload session may stay open (since it was
	// created); older ones are removed with their bytes. 0 keeps them all.
	UploadAge time.Duration
	// Grace is how long a blob no record references is kept after it was
	// last written. 0 keeps every blob.
	Grace time.Duration
	// Referenced reports whether a record claims the blob. It is required
	// when Grace is set.
	Referenced func(ctx context.Context, sha256 string) (bool, error)
}

// SweepReport is what Sweep removed.
type SweepReport struct {
	Uploads []Upload // sessions removed
	Blobs   []Info   // blobs deleted
	Kept    int      // unreferenced blobs still within their grace period
}

// Sweep removes stale upload sessions and unreferenced blobs past their
// grace period from st. It stops at the first error, reporting what it
// removed so far.
func Sweep(ctx context.Context, st Store, o SweepOptions) (rep SweepReport, err error) {
	defer errs.Wrap(&err, "blob.Sweep")
	if o.Grace > 0 && o.Referenced == nil {
		return rep, errors.New("blob.Sweep: Referenced is required with a grace period")
	}
	us, err := st.Uploads(ctx)
	if err != nil {
		return rep, err
	}
	committed := map[string]bool{}
	for _, u := range us {
		if o.UploadAge > 0 && o.Now.Sub(u.CreatedAt) > o.UploadAge {
			if err := st.Remove(ctx, u.ID); err != nil {
				return rep, err
			}
			rep.Uploads = append(rep.Uploads, u)
			continue
		}
		if u.Committed != nil {
			committed[u.Committed.SHA256] = true
		}
	}
	if o.Grace <= 0 {
		return rep, nil
	}
	cutoff := o.Now.Add(-o.Grace)
	var candidates []Info
	err = st.Walk(ctx, func(in Info) error {
		if committed[in.SHA256] {
			return nil
		}
		used, err := o.Referenced(ctx, in.SHA256)
		if err != nil || used {
			return err
		}
		if in.ModTime.After(cutoff) {
			rep.Kept++
			return nil
		}
		candidates = append(candidates, in)
		return nil
	})
	if err != nil {
		return rep, err
	}
	for _, in := range candidates {
		used, err := o.Referenced(ctx, in.SHA256) // a record may have come meanwhile
		if err != nil {
			return rep, err
		}
		if used {
			continue
		}
		gone, err := st.DeleteIdle(ctx, in.SHA256, cutoff)
		if err != nil {
			return rep, err
		}
		if gone {
			rep.Blobs = append(rep.Blobs, in)
		} else {
			rep.Kept++
		}
	}
	return rep, nil
}

// Walk implements Store: every blob under sha256/, in name order. Entries
// that are not the store's own (wrong names, links, special files) are
// skipped, never followed.
func (d *Disk) Walk(ctx context.Context, fn func(Info) error) (err error) {
	defer errs.Wrap(&err, "blob.Walk")
	return d.walkDir(ctx, blobDir, 0, fn)
}

func (d *Disk) walkDir(ctx context.Context, dir string, depth int, fn func(Info) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := d.root.Open(dir)
	if err != nil {
		return err
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return err
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, e := range entries {
		name := dir + "/" + e.Name()
		if depth < 2 {
			if e.Type().IsDir() && len(e.Name()) == 2 && validHex(e.Name(), 1) {
				if err := d.walkDir(ctx, name, depth+1, fn); err != nil {
					return err
				}
			}
			continue
		}
		if !e.Type().IsRegular() || !ValidSHA256(e.Name()) || blobPath(e.Name()) != name {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		if err := fn(Info{SHA256: e.Name(), Size: fi.Size(), ModTime: fi.ModTime().UTC()}); err != nil {
			return err
		}
	}
	return nil
}

// DeleteIdle implements Store: it deletes the blob only when it was last
// written before cutoff, and reports whether it did. It holds the blob's
// lock, which promote takes to refresh a blob it finds already stored.
func (d *Disk) DeleteIdle(ctx context.Context, sum string, cutoff time.Time) (gone bool, err error) {
	defer errs.Wrap(&err, "blob.DeleteIdle(%s)", sum)
	if !ValidSHA256(sum) {
		return false, badName("SHA-256", sum)
	}
	m := d.blobLock(sum)
	defer m.Unlock()
	fi, err := d.root.Lstat(blobPath(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() {
		return false, unsafe(blobPath(sum), fi)
	}
	if !fi.ModTime().Before(cutoff) {
		return false, nil
	}
	if err := d.deleteLocked(sum); err != nil {
		return false, err
	}
	return true, nil
}

// touch marks a blob found again as freshly written, so a sweep running
// now keeps it for another grace period.
func (d *Disk) touch(final string) error {
	now := d.now()
	if err := d.root.Chtimes(final, now, now); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: refresh %s: %w", final, err)
	}
	return nil
}
