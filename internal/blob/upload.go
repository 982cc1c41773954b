package blob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"sync"

	"github.com/google/uuid"

	"github.com/khien-cert/khien/internal/errs"
)

// A resumable upload lives in uploads/<id>/: the bytes in data, the state in
// state.json. Append writes and syncs the bytes before it records the new
// size in the state (replaced atomically), so the state never counts bytes
// that are not on disk; bytes beyond the recorded size (written before a
// crash) are cut off by the next Append or Commit. Commit hashes the data
// from disk — the digest a caller gets is always of the bytes that get named
// — links it to its address, and records the digest before removing the
// data, so a repeated Commit after a crash answers the same digest.

func sessionDir(id string) string { return uploadDir + "/" + id }
func statePath(id string) string  { return sessionDir(id) + "/state.json" }
func dataPath(id string) string   { return sessionDir(id) + "/data" }

func (d *Disk) lock(id string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(id))
	m := &d.locks[h.Sum32()%uint32(len(d.locks))]
	m.Lock()
	return m
}

// CreateUpload implements Store.
func (d *Disk) CreateUpload(ctx context.Context, size int64, meta []byte) (u Upload, err error) {
	defer errs.Wrap(&err, "blob.CreateUpload")
	if size < 0 {
		return Upload{}, errs.Invalid("blob.bad_size", "an upload's size cannot be negative")
	}
	if len(meta) > MaxMeta {
		return Upload{}, &errs.Error{Kind: errs.KindTooLarge, Code: "blob.meta_too_large",
			Public: fmt.Sprintf("an upload's description is limited to %d bytes", MaxMeta)}
	}
	u = Upload{ID: newUploadID(), Size: size, Meta: meta, CreatedAt: d.now().UTC()}
	if err := d.root.Mkdir(sessionDir(u.ID), 0o700); err != nil {
		return Upload{}, err
	}
	f, err := d.root.OpenFile(dataPath(u.ID), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Upload{}, err
	}
	if err := f.Close(); err != nil {
		return Upload{}, err
	}
	if err := d.writeState(u); err != nil {
		return Upload{}, err
	}
	return u, d.syncDir(uploadDir)
}

// Upload implements Store.
func (d *Disk) Upload(ctx context.Context, id string) (u Upload, err error) {
	defer errs.Wrap(&err, "blob.Upload(%q)", id)
	m := d.lockChecked(id)
	if m == nil {
		return Upload{}, badName("upload ID", id)
	}
	defer m.Unlock()
	return d.readState(id)
}

func (d *Disk) lockChecked(id string) *sync.Mutex {
	if !ValidUploadID(id) {
		return nil
	}
	return d.lock(id)
}

// Append implements Store.
func (d *Disk) Append(ctx context.Context, id string, offset int64, r io.Reader) (u Upload, err error) {
	defer errs.Wrap(&err, "blob.Append(%q)", id)
	m := d.lockChecked(id)
	if m == nil {
		return Upload{}, badName("upload ID", id)
	}
	defer m.Unlock()
	if u, err = d.readState(id); err != nil {
		return Upload{}, err
	}
	if u.Committed != nil {
		return u, errs.Conflict("blob.upload_committed", "the upload is already committed")
	}
	if offset != u.Received {
		return u, errs.Conflict("blob.bad_offset",
			fmt.Sprintf("the upload holds %d bytes: send the next chunk from offset %d, not %d", u.Received, u.Received, offset))
	}
	f, _, err := d.openRegular(dataPath(id), os.O_WRONLY)
	if err != nil {
		return u, err
	}
	defer f.Close()
	n, cerr := d.appendChunk(ctx, f, u, r)
	if n == 0 {
		return u, cerr
	}
	if err := f.Sync(); err != nil {
		return u, err
	}
	u.Received += n
	if err := d.writeState(u); err != nil {
		return Upload{}, err
	}
	return u, cerr
}

// appendChunk writes r after the first u.Received bytes of f, dropping any
// unrecorded tail first. A chunk running past the upload's size is refused
// whole (it writes nothing).
func (d *Disk) appendChunk(ctx context.Context, f *os.File, u Upload, r io.Reader) (int64, error) {
	if err := f.Truncate(u.Received); err != nil {
		return 0, err
	}
	if _, err := f.Seek(u.Received, io.SeekStart); err != nil {
		return 0, err
	}
	remaining := u.Size - u.Received
	n, err := io.CopyBuffer(f, io.LimitReader(ctxReader{ctx, r}, remaining), make([]byte, 1<<20))
	if err == nil && n == remaining {
		var one [1]byte
		if k, _ := io.ReadAtLeast(r, one[:], 1); k > 0 {
			f.Truncate(u.Received)
			return 0, &errs.Error{Kind: errs.KindTooLarge, Code: "blob.past_end",
				Public: fmt.Sprintf("the chunk runs past the upload's size of %d bytes", u.Size)}
		}
	}
	return n, err
}

// Commit implements Store.
func (d *Disk) Commit(ctx context.Context, id string, want Expect) (dg Digest, err error) {
	defer errs.Wrap(&err, "blob.Commit(%q)", id)
	m := d.lockChecked(id)
	if m == nil {
		return Digest{}, badName("upload ID", id)
	}
	defer m.Unlock()
	u, err := d.readState(id)
	if err != nil {
		return Digest{}, err
	}
	if u.Committed != nil {
		return *u.Committed, want.Check(*u.Committed)
	}
	if u.Received != u.Size {
		return Digest{}, errs.Conflict("blob.upload_incomplete",
			fmt.Sprintf("the upload holds %d of its %d bytes", u.Received, u.Size))
	}
	if dg, err = d.hashData(ctx, u); err != nil {
		return Digest{}, err
	}
	if err := want.Check(dg); err != nil {
		d.root.RemoveAll(sessionDir(id)) // the bytes are not what was promised: keep nothing
		return Digest{}, err
	}
	if err := d.promote(dataPath(id), dg); err != nil {
		return Digest{}, err
	}
	u.Committed = &dg
	if err := d.writeState(u); err != nil {
		return Digest{}, err
	}
	d.root.Remove(dataPath(id))
	return dg, nil
}

// hashData cuts the data to the recorded size, seals it and hashes it.
func (d *Disk) hashData(ctx context.Context, u Upload) (Digest, error) {
	f, _, err := d.openRegular(dataPath(u.ID), os.O_RDWR)
	if err != nil {
		return Digest{}, err
	}
	if err := f.Truncate(u.Received); err != nil {
		f.Close()
		return Digest{}, err
	}
	dg, err := HashReader(ctx, io.NewSectionReader(f, 0, u.Received))
	if err == nil {
		err = seal(f)
	} else {
		f.Close()
	}
	return dg, err
}

// Remove implements Store.
func (d *Disk) Remove(ctx context.Context, id string) (err error) {
	defer errs.Wrap(&err, "blob.Remove(%q)", id)
	m := d.lockChecked(id)
	if m == nil {
		return badName("upload ID", id)
	}
	defer m.Unlock()
	if err := d.checkDirs(uploadDir); err != nil {
		return err
	}
	if err := d.root.RemoveAll(sessionDir(id)); err != nil {
		return err
	}
	return d.syncDir(uploadDir)
}

// Uploads implements Store.
func (d *Disk) Uploads(ctx context.Context) (out []Upload, err error) {
	defer errs.Wrap(&err, "blob.Uploads")
	if err := d.checkDirs(uploadDir); err != nil {
		return nil, err
	}
	f, err := d.root.Open(uploadDir)
	if err != nil {
		return nil, err
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !ValidUploadID(e.Name()) {
			continue
		}
		if u, err := d.Upload(ctx, e.Name()); err == nil {
			out = append(out, u)
		}
	}
	return out, nil
}

// readState reads a session's state.
func (d *Disk) readState(id string) (Upload, error) {
	f, _, err := d.openRegular(statePath(id), os.O_RDONLY)
	if errors.Is(err, fs.ErrNotExist) {
		return Upload{}, errs.NotFound("blob.upload_not_found")
	}
	if err != nil {
		return Upload{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 2*MaxMeta+4096))
	if err != nil {
		return Upload{}, err
	}
	var u Upload
	if err := json.Unmarshal(b, &u); err != nil || u.ID != id || u.Received < 0 || u.Received > u.Size {
		return Upload{}, fmt.Errorf("upload %s: damaged state file", id)
	}
	return u, nil
}

// writeState replaces a session's state atomically and durably.
func (d *Disk) writeState(u Upload) error {
	b, err := json.Marshal(u)
	if err != nil {
		return err
	}
	f, tmp, err := d.createTemp(sessionDir(u.ID))
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = d.root.Rename(tmp, statePath(u.ID))
	}
	if err != nil {
		d.root.Remove(tmp)
		return err
	}
	return d.syncDir(sessionDir(u.ID))
}

// newUploadID is a fresh random upload ID (a lowercase UUID).
func newUploadID() string { return uuid.Must(uuid.NewRandom()).String() }
