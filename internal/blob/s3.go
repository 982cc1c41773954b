package blob

// S3 is a Store in a bucket of an S3-compatible object store (AWS S3,
// MinIO, Ceph RGW …), the scale-out option beside Disk. Layout under the
// configured prefix:
//
//	sha256/ab/cd/abcd…              blobs, named as on Disk
//	tmp/<random>                     content being written by Put or Commit
//	uploads/<id>/state.json          a resumable upload's state
//	uploads/<id>/chunk-<offset>      its bytes, one object per Append
//
// Content is streamed into a temporary object while it is hashed, then
// given its address by a server-side copy (ComposeObject, any size) and the
// temporary object removed: a blob appears only whole and only under the
// SHA-256 of its bytes. A blob found already stored is copied onto itself,
// which refreshes its modification time for the sweeper. Object stores
// have no links, directories to fsync or planted symlinks; names are still
// checked against the same patterns before they become keys.
//
// Within one process, the per-blob and per-session locks serialise as on
// Disk. Across processes sharing a bucket, DeleteIdle's check-and-delete is
// not atomic with another process's refresh: run the sweeper in one
// process only (the grace period then covers the others' commits).
//
// The behaviour suite (suite_test.go) runs on it when KHIEN_TEST_S3 names a
// bucket. Where it was written it ran against moto_server (an S3 API
// emulator), not against AWS S3 or MinIO.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/khien-cert/khien/internal/errs"
)

// S3Options says where the store lives.
type S3Options struct {
	// URL is the endpoint with credentials and place, as one string:
	// https://ACCESS:SECRET@host[:port]/bucket[/prefix][?region=r]
	// (http:// for a local MinIO without TLS).
	URL string
	Now func() time.Time // clock; time.Now when nil
}

// S3 is a Store in an S3-compatible bucket.
type S3 struct {
	c        *minio.Client
	bucket   string
	prefix   string // "" or ending in "/"
	now      func() time.Time
	sessions [64]sync.Mutex
	blobs    [64]sync.Mutex
}

var _ Store = (*S3)(nil)

// ParseS3URL splits an S3 URL into its endpoint, TLS flag, credentials,
// bucket, prefix and region.
func ParseS3URL(raw string) (endpoint string, secure bool, access, secret, bucket, prefix, region string, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", false, "", "", "", "", "", errors.New("blob: the S3 URL must look like https://ACCESS:SECRET@host/bucket[/prefix]")
	}
	path := strings.Trim(u.Path, "/")
	bucket, prefix, _ = strings.Cut(path, "/")
	if bucket == "" {
		return "", false, "", "", "", "", "", errors.New("blob: the S3 URL names no bucket")
	}
	if prefix != "" {
		prefix += "/"
	}
	if u.User != nil {
		access = u.User.Username()
		secret, _ = u.User.Password()
	}
	return u.Host, u.Scheme == "https", access, secret, bucket, prefix, u.Query().Get("region"), nil
}

// OpenS3 connects to the bucket and checks that it exists.
func OpenS3(ctx context.Context, o S3Options) (*S3, error) {
	endpoint, secure, access, secret, bucket, prefix, region, err := ParseS3URL(o.URL)
	if err != nil {
		return nil, err
	}
	c, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(access, secret, ""), Secure: secure, Region: region})
	if err != nil {
		return nil, fmt.Errorf("blob: S3: %w", err)
	}
	ok, err := c.BucketExists(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: S3 bucket %s: %w", bucket, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob: S3 bucket %s does not exist", bucket)
	}
	s := &S3{c: c, bucket: bucket, prefix: prefix, now: o.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Close implements io.Closer (the client holds no resources to release).
func (s *S3) Close() error { return nil }

func (s *S3) key(name string) string { return s.prefix + name }

func lockOf(ms *[64]sync.Mutex, name string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(name))
	m := &ms[h.Sum32()%uint32(len(ms))]
	m.Lock()
	return m
}

func notFound(err error) bool {
	code := minio.ToErrorResponse(err).Code
	return code == "NoSuchKey" || code == "NotFound"
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, r io.Reader, want Expect, limit int64) (dg Digest, err error) {
	defer errs.Wrap(&err, "blob.S3.Put")
	src := io.Reader(r)
	if limit > 0 {
		src = io.LimitReader(r, limit+1)
	}
	tmp, dg, err := s.stage(ctx, src)
	if err != nil {
		return Digest{}, err
	}
	defer s.c.RemoveObject(context.WithoutCancel(ctx), s.bucket, tmp, minio.RemoveObjectOptions{})
	if limit > 0 && dg.Size > limit {
		return Digest{}, tooLarge(limit)
	}
	if err := want.Check(dg); err != nil {
		return Digest{}, err
	}
	return dg, s.promote(ctx, tmp, dg)
}

// stage streams r into a new temporary object, hashing it on the way.
func (s *S3) stage(ctx context.Context, r io.Reader) (string, Digest, error) {
	var b [12]byte
	rand.Read(b[:])
	tmp := s.key(tmpDir + "/" + hex.EncodeToString(b[:]))
	h := NewHasher()
	_, err := s.c.PutObject(ctx, s.bucket, tmp, io.TeeReader(ctxReader{ctx, r}, h), -1,
		minio.PutObjectOptions{ContentType: "application/octet-stream", PartSize: 16 << 20})
	if err != nil {
		s.c.RemoveObject(context.WithoutCancel(ctx), s.bucket, tmp, minio.RemoveObjectOptions{})
		return "", Digest{}, err
	}
	return tmp, h.Digest(), nil
}

// promote gives the staged object its address, or refreshes the blob that
// already has it (which must have the same size).
func (s *S3) promote(ctx context.Context, tmp string, dg Digest) error {
	final := s.key(blobPath(dg.SHA256))
	m := lockOf(&s.blobs, dg.SHA256)
	defer m.Unlock()
	src := tmp
	info, err := s.c.StatObject(ctx, s.bucket, final, minio.StatObjectOptions{})
	switch {
	case err == nil && info.Size != dg.Size:
		return fmt.Errorf("blob %s exists with %d bytes instead of %d: the store is damaged", dg.SHA256, info.Size, dg.Size)
	case err == nil:
		src = final // copy onto itself: a new modification time
	case !notFound(err):
		return err
	}
	_, err = s.c.ComposeObject(ctx, minio.CopyDestOptions{Bucket: s.bucket, Object: final, ReplaceMetadata: true,
		UserMetadata: map[string]string{"Khien-Sha256": dg.SHA256, "Khien-Sha512": dg.SHA512}},
		minio.CopySrcOptions{Bucket: s.bucket, Object: src})
	return err
}

// Open implements Store.
func (s *S3) Open(ctx context.Context, sum string) (rc io.ReadCloser, size int64, err error) {
	defer errs.Wrap(&err, "blob.S3.Open(%s)", sum)
	if !ValidSHA256(sum) {
		return nil, 0, badName("SHA-256", sum)
	}
	obj, err := s.c.GetObject(ctx, s.bucket, s.key(blobPath(sum)), minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, err
	}
	info, err := obj.Stat()
	if notFound(err) {
		obj.Close()
		return nil, 0, errs.NotFound("blob.not_found")
	}
	if err != nil {
		obj.Close()
		return nil, 0, err
	}
	return obj, info.Size, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, sum string) (err error) {
	defer errs.Wrap(&err, "blob.S3.Delete(%s)", sum)
	if !ValidSHA256(sum) {
		return badName("SHA-256", sum)
	}
	m := lockOf(&s.blobs, sum)
	defer m.Unlock()
	return s.c.RemoveObject(ctx, s.bucket, s.key(blobPath(sum)), minio.RemoveObjectOptions{})
}

// Walk implements Store.
func (s *S3) Walk(ctx context.Context, fn func(Info) error) (err error) {
	defer errs.Wrap(&err, "blob.S3.Walk")
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.key(blobDir + "/"), Recursive: true}) {
		if o.Err != nil {
			return o.Err
		}
		sum := o.Key[strings.LastIndexByte(o.Key, '/')+1:]
		if !ValidSHA256(sum) || o.Key != s.key(blobPath(sum)) {
			continue
		}
		if err := fn(Info{SHA256: sum, Size: o.Size, ModTime: o.LastModified.UTC()}); err != nil {
			return err
		}
	}
	return nil
}

// DeleteIdle implements Store.
func (s *S3) DeleteIdle(ctx context.Context, sum string, cutoff time.Time) (gone bool, err error) {
	defer errs.Wrap(&err, "blob.S3.DeleteIdle(%s)", sum)
	if !ValidSHA256(sum) {
		return false, badName("SHA-256", sum)
	}
	m := lockOf(&s.blobs, sum)
	defer m.Unlock()
	info, err := s.c.StatObject(ctx, s.bucket, s.key(blobPath(sum)), minio.StatObjectOptions{})
	if notFound(err) {
		return false, nil
	}
	if err != nil || !info.LastModified.Before(cutoff) {
		return false, err
	}
	return true, s.c.RemoveObject(ctx, s.bucket, s.key(blobPath(sum)), minio.RemoveObjectOptions{})
}

func (s *S3) stateKey(id string) string { return s.key(sessionDir(id) + "/state.json") }

func (s *S3) chunkKey(id string, offset int64) string {
	return s.key(fmt.Sprintf("%s/chunk-%020d", sessionDir(id), offset))
}

func (s *S3) session(id string) (*sync.Mutex, error) {
	if !ValidUploadID(id) {
		return nil, badName("upload ID", id)
	}
	return lockOf(&s.sessions, id), nil
}

func (s *S3) readState(ctx context.Context, id string) (Upload, error) {
	obj, err := s.c.GetObject(ctx, s.bucket, s.stateKey(id), minio.GetObjectOptions{})
	if err != nil {
		return Upload{}, err
	}
	defer obj.Close()
	b, err := io.ReadAll(io.LimitReader(obj, 2*MaxMeta+4096))
	if notFound(err) {
		return Upload{}, errs.NotFound("blob.upload_not_found")
	}
	if err != nil {
		return Upload{}, err
	}
	var u Upload
	if err := json.Unmarshal(b, &u); err != nil || u.ID != id || u.Received < 0 || u.Received > u.Size {
		return Upload{}, fmt.Errorf("upload %s: damaged state object", id)
	}
	return u, nil
}

func (s *S3) writeState(ctx context.Context, u Upload) error {
	b, err := json.Marshal(u)
	if err != nil {
		return err
	}
	_, err = s.c.PutObject(ctx, s.bucket, s.stateKey(u.ID), strings.NewReader(string(b)), int64(len(b)),
		minio.PutObjectOptions{ContentType: "application/json"})
	return err
}

// CreateUpload implements Store.
func (s *S3) CreateUpload(ctx context.Context, size int64, meta []byte) (u Upload, err error) {
	defer errs.Wrap(&err, "blob.S3.CreateUpload")
	if size < 0 {
		return Upload{}, errs.Invalid("blob.bad_size", "an upload's size cannot be negative")
	}
	if len(meta) > MaxMeta {
		return Upload{}, &errs.Error{Kind: errs.KindTooLarge, Code: "blob.meta_too_large",
			Public: fmt.Sprintf("an upload's description is limited to %d bytes", MaxMeta)}
	}
	u = Upload{ID: newUploadID(), Size: size, Meta: meta, CreatedAt: s.now().UTC()}
	return u, s.writeState(ctx, u)
}

// Upload implements Store.
func (s *S3) Upload(ctx context.Context, id string) (u Upload, err error) {
	defer errs.Wrap(&err, "blob.S3.Upload(%q)", id)
	m, err := s.session(id)
	if err != nil {
		return Upload{}, err
	}
	defer m.Unlock()
	return s.readState(ctx, id)
}

// Append implements Store. Each chunk is one object named by its offset;
// the state counts it only once it is stored whole.
func (s *S3) Append(ctx context.Context, id string, offset int64, r io.Reader) (u Upload, err error) {
	defer errs.Wrap(&err, "blob.S3.Append(%q)", id)
	m, err := s.session(id)
	if err != nil {
		return Upload{}, err
	}
	defer m.Unlock()
	if u, err = s.readState(ctx, id); err != nil {
		return Upload{}, err
	}
	if u.Committed != nil {
		return u, errs.Conflict("blob.upload_committed", "the upload is already committed")
	}
	if offset != u.Received {
		return u, errs.Conflict("blob.bad_offset",
			fmt.Sprintf("the upload holds %d bytes: send the next chunk from offset %d, not %d", u.Received, u.Received, offset))
	}
	remaining := u.Size - u.Received
	cr := &countReader{r: io.LimitReader(ctxReader{ctx, r}, remaining+1)}
	key := s.chunkKey(id, offset)
	if _, err := s.c.PutObject(ctx, s.bucket, key, cr, -1, minio.PutObjectOptions{PartSize: 16 << 20}); err != nil {
		s.c.RemoveObject(context.WithoutCancel(ctx), s.bucket, key, minio.RemoveObjectOptions{})
		return u, err
	}
	if cr.n > remaining {
		s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
		return u, &errs.Error{Kind: errs.KindTooLarge, Code: "blob.past_end",
			Public: fmt.Sprintf("the chunk runs past the upload's size of %d bytes", u.Size)}
	}
	if cr.n == 0 {
		s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
		return u, nil
	}
	u.Received += cr.n
	return u, s.writeState(ctx, u)
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// chunks lists a session's chunk objects in offset order, keeping only
// those the state counts (a chunk stored before a crash but not recorded
// is ignored, and overwritten by the next Append at its offset).
func (s *S3) chunks(ctx context.Context, u Upload) ([]string, error) {
	var keys []string
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.key(sessionDir(u.ID) + "/chunk-"), Recursive: true}) {
		if o.Err != nil {
			return nil, o.Err
		}
		keys = append(keys, o.Key)
	}
	slices.Sort(keys)
	var out []string
	var at int64
	for _, k := range keys {
		off, err := strconv.ParseInt(k[strings.LastIndexByte(k, '-')+1:], 10, 64)
		if err != nil || off >= u.Received {
			continue
		}
		if off != at {
			return nil, fmt.Errorf("upload %s: the chunk at %d is missing", u.ID, at)
		}
		info, err := s.c.StatObject(ctx, s.bucket, k, minio.StatObjectOptions{})
		if err != nil {
			return nil, err
		}
		out, at = append(out, k), at+info.Size
	}
	if at != u.Received {
		return nil, fmt.Errorf("upload %s: its chunks hold %d bytes, its state %d", u.ID, at, u.Received)
	}
	return out, nil
}

// chunkReader reads a session's chunks one after another.
type chunkReader struct {
	ctx  context.Context
	s    *S3
	keys []string
	cur  io.ReadCloser
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for {
		if c.cur == nil {
			if len(c.keys) == 0 {
				return 0, io.EOF
			}
			obj, err := c.s.c.GetObject(c.ctx, c.s.bucket, c.keys[0], minio.GetObjectOptions{})
			if err != nil {
				return 0, err
			}
			c.cur, c.keys = obj, c.keys[1:]
		}
		n, err := c.cur.Read(p)
		if err == io.EOF {
			c.cur.Close()
			c.cur = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

// Commit implements Store.
func (s *S3) Commit(ctx context.Context, id string, want Expect) (dg Digest, err error) {
	defer errs.Wrap(&err, "blob.S3.Commit(%q)", id)
	m, err := s.session(id)
	if err != nil {
		return Digest{}, err
	}
	defer m.Unlock()
	u, err := s.readState(ctx, id)
	if err != nil {
		return Digest{}, err
	}
	if u.Committed != nil {
		return *u.Committed, want.Check(*u.Committed)
	}
	if u.Received != u.Size {
		return Digest{}, errs.Conflict("blob.upload_incomplete", fmt.Sprintf("the upload holds %d of its %d bytes", u.Received, u.Size))
	}
	keys, err := s.chunks(ctx, u)
	if err != nil {
		return Digest{}, err
	}
	tmp, dg, err := s.stage(ctx, &chunkReader{ctx: ctx, s: s, keys: keys})
	if err != nil {
		return Digest{}, err
	}
	defer s.c.RemoveObject(context.WithoutCancel(ctx), s.bucket, tmp, minio.RemoveObjectOptions{})
	if dg.Size != u.Size {
		return Digest{}, fmt.Errorf("upload %s: read %d bytes back, not %d", id, dg.Size, u.Size)
	}
	if err := want.Check(dg); err != nil {
		s.removeSession(ctx, id) // the bytes are not what was promised: keep nothing
		return Digest{}, err
	}
	if err := s.promote(ctx, tmp, dg); err != nil {
		return Digest{}, err
	}
	u.Committed = &dg
	if err := s.writeState(ctx, u); err != nil {
		return Digest{}, err
	}
	for _, k := range keys {
		s.c.RemoveObject(ctx, s.bucket, k, minio.RemoveObjectOptions{})
	}
	return dg, nil
}

// Remove implements Store.
func (s *S3) Remove(ctx context.Context, id string) (err error) {
	defer errs.Wrap(&err, "blob.S3.Remove(%q)", id)
	m, err := s.session(id)
	if err != nil {
		return err
	}
	defer m.Unlock()
	return s.removeSession(ctx, id)
}

func (s *S3) removeSession(ctx context.Context, id string) error {
	var keys []string
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.key(sessionDir(id) + "/"), Recursive: true}) {
		if o.Err != nil {
			return o.Err
		}
		keys = append(keys, o.Key)
	}
	// The state goes last, so a Remove cut short leaves a session that can
	// be removed again, never chunks without a state.
	slices.SortFunc(keys, func(a, b string) int {
		return boolInt(strings.HasSuffix(a, "/state.json")) - boolInt(strings.HasSuffix(b, "/state.json"))
	})
	for _, k := range keys {
		if err := s.c.RemoveObject(ctx, s.bucket, k, minio.RemoveObjectOptions{}); err != nil {
			return err
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Uploads implements Store.
func (s *S3) Uploads(ctx context.Context) (out []Upload, err error) {
	defer errs.Wrap(&err, "blob.S3.Uploads")
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.key(uploadDir + "/"), Recursive: true}) {
		if o.Err != nil {
			return nil, o.Err
		}
		rest := strings.TrimPrefix(o.Key, s.key(uploadDir+"/"))
		id, file, ok := strings.Cut(rest, "/")
		if !ok || file != "state.json" || !ValidUploadID(id) {
			continue
		}
		if u, err := s.Upload(ctx, id); err == nil {
			out = append(out, u)
		}
	}
	return out, nil
}
