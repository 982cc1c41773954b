// Package blob is content-addressed storage for evidence: immutable byte
// strings named by their SHA-256, with staged, resumable uploads.
//
// Store is the interface; Disk keeps blobs under one directory opened with
// os.Root, S3 in an S3-compatible bucket (s3.go). Sweep (sweep.go) removes
// stale upload sessions and blobs no record claims after a grace period.
//
// Invariants of every Store:
//
//   - A blob's name is the lowercase hex SHA-256 of its bytes. A blob becomes
//     visible only whole: its bytes are synced before its name appears, and
//     the name is made durable before Put or Commit returns.
//   - A blob is written once and never modified or replaced; a second Put of
//     the same bytes finds the existing blob (and refreshes its modification
//     time). Delete and DeleteIdle are the only ways a blob goes, and only
//     the evidence service calls them: after destruction, and when sweeping
//     blobs no record references after a grace period (sweep.go).
//   - Content that does not match what the caller expected (size, SHA-256,
//     SHA-512) is never stored: the staged bytes are removed and nothing is
//     named.
//   - Names from outside (digests, upload IDs) are checked against a strict
//     pattern before they touch a path; nothing outside the store's directory
//     is reachable, and a symbolic link or other non-regular file planted in
//     the store is refused with ErrUnsafe.
package blob

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/khien-cert/khien/internal/errs"
)

// Store is content-addressed blob storage with resumable uploads.
type Store interface {
	// Put streams r into a new blob, computing its digests as it goes. A
	// limit > 0 bounds its size. Content that fails want stores nothing.
	Put(ctx context.Context, r io.Reader, want Expect, limit int64) (Digest, error)
	// Open returns the blob named by sha256 and its size.
	Open(ctx context.Context, sha256 string) (io.ReadCloser, int64, error)
	// Delete removes a blob. Deleting a missing blob is not an error.
	Delete(ctx context.Context, sha256 string) error
	// Walk calls fn with every stored blob; an error from fn stops it.
	Walk(ctx context.Context, fn func(Info) error) error
	// DeleteIdle removes a blob only when it was last written (or found
	// again by Put or Commit) before cutoff, and reports whether it did.
	DeleteIdle(ctx context.Context, sha256 string, cutoff time.Time) (bool, error)

	// CreateUpload starts a resumable upload of size bytes. meta is the
	// caller's opaque description, kept with the session (at most MaxMeta).
	CreateUpload(ctx context.Context, size int64, meta []byte) (Upload, error)
	// Upload returns a session's state.
	Upload(ctx context.Context, id string) (Upload, error)
	// Append writes r at offset, which must equal the bytes received so far.
	// What arrived before an error is kept, so the client resumes from the
	// returned Received.
	Append(ctx context.Context, id string, offset int64, r io.Reader) (Upload, error)
	// Commit hashes the complete upload, checks want and names the blob.
	// Committing again returns the same digest until Remove.
	Commit(ctx context.Context, id string, want Expect) (Digest, error)
	// Remove ends a session, committed or not.
	Remove(ctx context.Context, id string) error
	// Uploads lists the open sessions.
	Uploads(ctx context.Context) ([]Upload, error)
}

// Digest describes stored content.
type Digest struct {
	SHA256 string `json:"sha256"` // lowercase hex; the blob's name
	SHA512 string `json:"sha512"` // lowercase hex
	Size   int64  `json:"size"`
}

// Expect is what the caller knows content must be. Empty fields are not checked.
type Expect struct {
	Size   *int64
	SHA256 string // lowercase hex
	SHA512 string // lowercase hex
}

// Check compares d with e and returns a KindInvalid error naming the first
// difference, or nil.
func (e Expect) Check(d Digest) error {
	switch {
	case e.Size != nil && *e.Size != d.Size:
		return errs.Invalid("blob.size_mismatch",
			fmt.Sprintf("the content is %d bytes, not the %d expected", d.Size, *e.Size))
	case e.SHA256 != "" && e.SHA256 != d.SHA256:
		return errs.Invalid("blob.hash_mismatch",
			fmt.Sprintf("the content's SHA-256 is %s, not the %s expected", d.SHA256, e.SHA256))
	case e.SHA512 != "" && e.SHA512 != d.SHA512:
		return errs.Invalid("blob.hash_mismatch",
			fmt.Sprintf("the content's SHA-512 is %s, not the %s expected", d.SHA512, e.SHA512))
	}
	return nil
}

// Upload is the state of a resumable upload.
type Upload struct {
	ID        string    `json:"id"`
	Size      int64     `json:"size"`     // expected total
	Received  int64     `json:"received"` // durable bytes so far
	Meta      []byte    `json:"meta"`
	CreatedAt time.Time `json:"created_at"`
	Committed *Digest   `json:"committed,omitempty"` // set once Commit succeeded
}

// MaxMeta bounds an upload's metadata.
const MaxMeta = 64 << 10

// ErrUnsafe marks a path in the store that is not what the store wrote: a
// symbolic link, a device, a directory where a file belongs.
var ErrUnsafe = errors.New("blob: unsafe file in the store")

// ValidSHA256 reports whether s is a lowercase hex SHA-256: the only form
// of blob name the store accepts.
func ValidSHA256(s string) bool { return validHex(s, sha256.Size) }

// ValidSHA512 reports whether s is a lowercase hex SHA-512.
func ValidSHA512(s string) bool { return validHex(s, sha512.Size) }

func validHex(s string, n int) bool {
	if len(s) != 2*n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// ValidUploadID reports whether s has the form of an upload ID (a
// lowercase UUID), so it can never name a path outside its session.
func ValidUploadID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func badName(what, s string) error {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return errs.Invalid("blob.bad_name", fmt.Sprintf("%q is not a valid %s", s, what))
}

// Hasher computes both digests of a byte stream.
type Hasher struct {
	h256, h512 hash.Hash
	n          int64
}

// NewHasher returns an empty Hasher.
func NewHasher() *Hasher { return &Hasher{h256: sha256.New(), h512: sha512.New()} }

// Write hashes p; it never fails.
func (h *Hasher) Write(p []byte) (int, error) {
	h.h256.Write(p)
	h.h512.Write(p)
	h.n += int64(len(p))
	return len(p), nil
}

// Digest returns the digests of what was written.
func (h *Hasher) Digest() Digest {
	return Digest{SHA256: hex.EncodeToString(h.h256.Sum(nil)), SHA512: hex.EncodeToString(h.h512.Sum(nil)), Size: h.n}
}

// HashReader reads r to its end and returns its digests.
func HashReader(ctx context.Context, r io.Reader) (Digest, error) {
	h := NewHasher()
	if _, err := io.Copy(h, ctxReader{ctx, r}); err != nil {
		return Digest{}, err
	}
	return h.Digest(), nil
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
