package evidence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence/custody"
	"github.com/khien-cert/khien/internal/tlp"
)

// Add streams r into the vault as a new item of a case. Its SHA-256 and
// SHA-512 are computed as it streams; content that fails the collector's
// hash (m.SuppliedHash) is refused and nothing is stored. n describes the
// receipt (where, why). The item enters on legal hold, held by p.
func (s *Service) Add(ctx context.Context, p auth.Principal, caseID string, m Metadata, n Note, r io.Reader) (Item, error) {
	c, v, err := s.caseAccess(ctx, p, auth.PermEvidenceWrite, caseID)
	if err != nil {
		return Item{}, err
	}
	want, err := s.prepare(v.Clearance, &m, &n)
	if err != nil {
		return Item{}, err
	}
	dg, err := s.blobs.Put(ctx, r, want, s.maxSize)
	if err != nil {
		return Item{}, blobErr(err)
	}
	return s.insert(ctx, p, c, m, n, dg, "")
}

// prepare validates an item's metadata for a person cleared up to clearance.
func (s *Service) prepare(clearance tlp.Level, m *Metadata, n *Note) (blob.Expect, error) {
	now := s.clock()
	want, err := validateMetadata(m, now, clearance)
	if err != nil {
		return blob.Expect{}, err
	}
	return want, validateNote(n, now, false)
}

// blobErr names the form field a content mismatch concerns.
func blobErr(err error) error {
	if e, ok := errors.AsType[*errs.Error](err); ok && (e.Code == "blob.hash_mismatch" || e.Code == "blob.size_mismatch") {
		return errs.Invalid("evidence.hash_mismatch", e.Public+"; nothing was stored",
			errs.Field("supplied_hash", "evidence.hash_mismatch", e.Public))
	}
	return err
}

// insert records an item whose content is durable in the vault, with its
// "collected" and "received" events.
func (s *Service) insert(ctx context.Context, p auth.Principal, c Case, m Metadata, n Note, dg blob.Digest, uploadID string) (Item, error) {
	now := s.clock()
	it := Item{Metadata: m, ID: newID(), CaseID: c.ID, OrgID: c.OrgID, UploadID: uploadID,
		Size: dg.Size, SHA256: dg.SHA256, SHA512: dg.SHA512, LegalHold: true,
		Sealed: m.SealNumber != "", Seal: m.SealNumber, HolderID: p.UserID, Holder: p.Email,
		State: StateHeld, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	if it.Name == "" {
		it.Name = "content"
	}
	evs, err := s.seal(p, it, []draft{
		{kind: custody.Collected, note: Note{At: m.CollectedAt, Location: orDash(m.SourceLocation), Reason: m.LegalBasis, Seal: m.SealNumber},
			from: m.CollectedBy, detail: collectedDetail(m)},
		{kind: custody.Received, note: n, to: p.Email,
			detail: fmt.Sprintf("%d bytes, sha256:%s, sha512:%s; placed on legal hold", dg.Size, dg.SHA256, dg.SHA512)},
	})
	if err != nil {
		return Item{}, err
	}
	last := evs[len(evs)-1]
	it.LastSeq, it.LastHash = last.Seq, last.Hash
	return s.store.AddEvidence(ctx, it, evs, entries(p, it, evs))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// collectedDetail says how an item was collected, for its first event.
func collectedDetail(m Metadata) string {
	var parts []string
	add := func(label, v string) {
		if v = strings.TrimSpace(v); v != "" {
			parts = append(parts, label+": "+v)
		}
	}
	add("method", m.Method)
	add("tool", strings.TrimSpace(m.Tool+" "+m.ToolVersion))
	add("device", m.SourceDevice)
	add("system", m.SourceSystem)
	add("collector's hash", m.SuppliedHash)
	return strings.Join(parts, "; ")
}

// uploadMeta is what an upload session keeps about the item to be.
type uploadMeta struct {
	CaseID   string   `json:"case_id"`
	UserID   string   `json:"user_id"`
	Metadata Metadata `json:"metadata"`
	Note     Note     `json:"note"`
}

// StartUpload opens a resumable upload of size bytes for a new item of a
// case. The session survives restarts; only p may continue or commit it.
func (s *Service) StartUpload(ctx context.Context, p auth.Principal, caseID string, m Metadata, n Note, size int64) (Upload, error) {
	_, v, err := s.caseAccess(ctx, p, auth.PermEvidenceWrite, caseID)
	if err != nil {
		return Upload{}, err
	}
	if _, err := s.prepare(v.Clearance, &m, &n); err != nil {
		return Upload{}, err
	}
	if size < 0 || (s.maxSize > 0 && size > s.maxSize) {
		return Upload{}, &errs.Error{Kind: errs.KindTooLarge, Code: "evidence.too_big",
			Public: fmt.Sprintf("an item may hold at most %d bytes", s.maxSize)}
	}
	meta, err := json.Marshal(uploadMeta{CaseID: caseID, UserID: p.UserID, Metadata: m, Note: n})
	if err != nil {
		return Upload{}, errs.Internal("evidence.StartUpload", err)
	}
	u, err := s.blobs.CreateUpload(ctx, size, meta)
	if err != nil {
		return Upload{}, err
	}
	return toUpload(u, uploadMeta{CaseID: caseID, Metadata: m}), nil
}

// Uploads lists p's unfinished uploads (to resume them after a break).
func (s *Service) Uploads(ctx context.Context, p auth.Principal) ([]Upload, error) {
	if _, err := viewer(p, auth.PermEvidenceWrite); err != nil {
		return nil, err
	}
	us, err := s.blobs.Uploads(ctx)
	if err != nil {
		return nil, err
	}
	out := []Upload{}
	for _, u := range us {
		var um uploadMeta
		if json.Unmarshal(u.Meta, &um) == nil && um.UserID == p.UserID {
			out = append(out, toUpload(u, um))
		}
	}
	return out, nil
}

// UploadStatus returns how far an upload has come.
func (s *Service) UploadStatus(ctx context.Context, p auth.Principal, id string) (Upload, error) {
	u, um, err := s.ownUpload(ctx, p, id)
	return toUpload(u, um), err
}

// AppendUpload adds the next chunk, which must start at the upload's
// Received offset. Bytes received before a failure are kept.
func (s *Service) AppendUpload(ctx context.Context, p auth.Principal, id string, offset int64, r io.Reader) (Upload, error) {
	_, um, err := s.ownUpload(ctx, p, id)
	if err != nil {
		return Upload{}, err
	}
	u, err := s.blobs.Append(ctx, id, offset, r)
	return toUpload(u, um), err
}

// CommitUpload verifies a complete upload against the collector's hash and
// records the item. Committing again returns the same item.
func (s *Service) CommitUpload(ctx context.Context, p auth.Principal, id string) (Item, error) {
	_, um, err := s.ownUpload(ctx, p, id)
	if err != nil {
		return Item{}, err
	}
	c, v, err := s.caseAccess(ctx, p, auth.PermEvidenceWrite, um.CaseID)
	if err != nil {
		return Item{}, err
	}
	if it, err := s.store.EvidenceByUpload(ctx, v, id); err == nil {
		return it, s.blobs.Remove(ctx, id) // recorded before a crash: finish tidying
	}
	want, _ := parseSuppliedHash(um.Metadata.SuppliedHash)
	dg, err := s.blobs.Commit(ctx, id, want)
	if err != nil {
		return Item{}, blobErr(err)
	}
	it, err := s.insert(ctx, p, c, um.Metadata, um.Note, dg, id)
	if errs.Is(err, errs.KindConflict) {
		it, err = s.store.EvidenceByUpload(ctx, v, id) // a concurrent commit won
	}
	if err != nil {
		return Item{}, err
	}
	if err := s.blobs.Remove(ctx, id); err != nil {
		s.log.Warn("evidence: upload session not removed", "upload", id, "err", err)
	}
	return it, nil
}

// AbortUpload abandons an upload and its bytes.
func (s *Service) AbortUpload(ctx context.Context, p auth.Principal, id string) error {
	if _, _, err := s.ownUpload(ctx, p, id); err != nil {
		return err
	}
	return s.blobs.Remove(ctx, id)
}

// ownUpload returns an upload session p started; others' answer NotFound.
func (s *Service) ownUpload(ctx context.Context, p auth.Principal, id string) (blob.Upload, uploadMeta, error) {
	if err := checkID("upload_id", id); err != nil {
		return blob.Upload{}, uploadMeta{}, err
	}
	if _, err := viewer(p, auth.PermEvidenceWrite); err != nil {
		return blob.Upload{}, uploadMeta{}, err
	}
	u, err := s.blobs.Upload(ctx, id)
	if err != nil {
		return blob.Upload{}, uploadMeta{}, err
	}
	var um uploadMeta
	if err := json.Unmarshal(u.Meta, &um); err != nil || um.UserID != p.UserID {
		return blob.Upload{}, uploadMeta{}, errs.NotFound("evidence.upload_not_found")
	}
	return u, um, nil
}

func toUpload(u blob.Upload, um uploadMeta) Upload {
	return Upload{ID: u.ID, CaseID: um.CaseID, Size: u.Size, Received: u.Received, Metadata: um.Metadata,
		CreatedAt: u.CreatedAt, Committed: u.Committed != nil}
}
