package audit

import (
	"context"

	"golang.org/x/mod/sumdb/note"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

// Store is what the audit service reads.
type Store interface {
	ListAudit(ctx context.Context, scope auth.Scope, f Filter, pr page.Request) (page.Result[Entry], error)
	AuditSource() Source
}

// Service answers questions about the audit trail for principals.
type Service struct {
	store    Store
	verifier note.Verifier
}

// NewService returns a Service that verifies tree heads with v.
func NewService(s Store, v note.Verifier) *Service { return &Service{store: s, verifier: v} }

// Sorts is the one sort order of the trail: newest first by index.
var Sorts = []string{"index"}

// List returns entries p may read (PermAuditRead scope), newest first.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter, pr page.Request) (page.Result[Entry], error) {
	if !p.Can(auth.PermAuditRead) {
		return page.Result[Entry]{}, errs.New(errs.KindForbidden, "audit.forbidden", "you may not read the audit trail")
	}
	if err := f.Validate(); err != nil {
		return page.Result[Entry]{}, err
	}
	pr, err := pr.Normalize(Sorts)
	if err != nil {
		return page.Result[Entry]{}, err
	}
	return s.store.ListAudit(ctx, p.Scope(auth.PermAuditRead), f, pr)
}

// Verify recomputes the whole trail. Only principals who may read the whole
// trail may verify it.
func (s *Service) Verify(ctx context.Context, p auth.Principal) (Report, error) {
	if !p.Scope(auth.PermAuditRead).All {
		return Report{}, errs.New(errs.KindForbidden, "audit.forbidden", "only national roles may verify the whole trail")
	}
	return Verify(ctx, s.store.AuditSource(), s.verifier)
}
