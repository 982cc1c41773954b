package evidence

import (
	"context"

	"github.com/khien-cert/khien/internal/auth"
)

// Case returns a case: to those who staff cases (evidence:assign on its
// organisation), and to the users assigned to it. Anyone else gets
// errs.NotFound, as if it did not exist.
func (s *Service) Case(ctx context.Context, p auth.Principal, caseID string) (Case, error) {
	if p.Can(auth.PermEvidenceAssign) {
		if c, err := s.managedCase(ctx, p, caseID); err == nil || p.UserID == "" {
			return c, err
		}
	}
	c, _, err := s.caseAccess(ctx, p, auth.PermEvidenceRead, caseID)
	return c, err
}
