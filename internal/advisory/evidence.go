package advisory

import (
	"context"
	"io"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/errs"
)

// MaxEvidence bounds one file of remediation evidence.
const MaxEvidence = 32 << 20

// Blobs keeps remediation evidence (a blob store of its own, so the
// evidence vault's sweeper never sees it). An item refers to its file by
// SHA-256.
type Blobs interface {
	Put(ctx context.Context, r io.Reader, want blob.Expect, limit int64) (blob.Digest, error)
	Open(ctx context.Context, sha256 string) (io.ReadCloser, int64, error)
}

// AttachEvidence stores a file of remediation evidence for an item p may
// work and returns its SHA-256, to pass to the remediate step.
func (s *Service) AttachEvidence(ctx context.Context, p auth.Principal, id string, content io.Reader) (string, error) {
	if s.d.Blobs == nil {
		return "", errs.New(errs.KindUnavailable, "action.files_unavailable", "attachments are not available")
	}
	it, err := s.d.Store.GetActionItem(ctx, p.Scope(auth.PermActionRead), id)
	if err != nil {
		return "", err
	}
	if !p.IsSystem() && !p.CanOn(auth.PermActionWork, it.OrgID) {
		return "", errs.New(errs.KindForbidden, "action.forbidden", "your role may not take this step")
	}
	d, err := s.d.Blobs.Put(ctx, content, blob.Expect{}, MaxEvidence)
	if err != nil {
		return "", err
	}
	return d.SHA256, nil
}

// OpenEvidence opens the remediation evidence of an item p may see.
func (s *Service) OpenEvidence(ctx context.Context, p auth.Principal, id string) (io.ReadCloser, int64, error) {
	it, err := s.d.Store.GetActionItem(ctx, p.Scope(auth.PermActionRead), id)
	if err != nil {
		return nil, 0, err
	}
	if it.Attachment == "" || s.d.Blobs == nil {
		return nil, 0, errs.NotFound("action.no_attachment")
	}
	return s.d.Blobs.Open(ctx, it.Attachment)
}
