package evidence

import (
	"context"
	"encoding/json"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/blob"
)

// Default ages of the vault's sweep.
const (
	// DefaultUploadAge is how long a resumable upload may stay unfinished.
	DefaultUploadAge = 7 * 24 * time.Hour
	// DefaultOrphanGrace is how long content no item claims is kept after
	// it was last written (a crash between storing the bytes and recording
	// the item leaves such content; the grace covers any commit in flight).
	DefaultOrphanGrace = 24 * time.Hour
)

// SweepOptions configures Sweep; zero values take the defaults.
type SweepOptions struct {
	UploadAge time.Duration
	Grace     time.Duration
}

// Sweep removes resumable uploads left unfinished longer than UploadAge
// and content that no live item references once Grace has passed since it
// was last written. Content of an item on legal hold — of any live item —
// is never touched: the vault's records are asked before each deletion.
// Each removal is audited (evidence.upload_expired, evidence.blob_swept).
func (s *Service) Sweep(ctx context.Context, o SweepOptions) (blob.SweepReport, error) {
	if o.UploadAge <= 0 {
		o.UploadAge = DefaultUploadAge
	}
	if o.Grace <= 0 {
		o.Grace = DefaultOrphanGrace
	}
	items, err := s.store.AllEvidence(ctx)
	if err != nil {
		return blob.SweepReport{}, err
	}
	live := map[string]bool{}
	for _, it := range items {
		if it.State != StateDestroyed {
			live[it.SHA256] = true
		}
	}
	referenced := func(ctx context.Context, sha string) (bool, error) {
		if live[sha] {
			return true, nil
		}
		return s.store.BlobInUse(ctx, sha) // recorded since the list was read
	}
	rep, err := blob.Sweep(ctx, s.blobs, blob.SweepOptions{Now: s.clock(), UploadAge: o.UploadAge, Grace: o.Grace,
		Referenced: referenced})
	if aerr := s.auditSweep(ctx, rep); err == nil {
		err = aerr
	}
	return rep, err
}

// auditSweep records what a sweep removed, one entry per session or blob.
func (s *Service) auditSweep(ctx context.Context, rep blob.SweepReport) error {
	sys := auth.System()
	for _, u := range rep.Uploads {
		var um uploadMeta
		_ = json.Unmarshal(u.Meta, &um) // a damaged description still gets its entry
		e := audit.New(sys, "evidence.upload_expired", "evidence_upload", u.ID, "").WithDetail(map[string]any{
			"case": um.CaseID, "user": um.UserID, "size": u.Size, "received": u.Received,
			"created_at": u.CreatedAt.UTC().Format(time.RFC3339), "committed": u.Committed != nil})
		if err := s.store.AuditEvidence(ctx, e); err != nil {
			return err
		}
	}
	for _, b := range rep.Blobs {
		e := audit.New(sys, "evidence.blob_swept", "evidence_blob", b.SHA256, "").WithDetail(map[string]any{
			"size": b.Size, "last_written": b.ModTime.UTC().Format(time.RFC3339)})
		if err := s.store.AuditEvidence(ctx, e); err != nil {
			return err
		}
	}
	if n := len(rep.Uploads) + len(rep.Blobs); n > 0 {
		s.log.Info("evidence vault swept", "uploads", len(rep.Uploads), "blobs", len(rep.Blobs), "kept", rep.Kept)
	}
	return nil
}
