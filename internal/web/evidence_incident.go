package web

import (
	"context"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
)

// incidentEvidence says whether p may open the evidence case of the incident
// id (a case opened from an incident has the incident's ID), and whether p
// sees it only as a responder, through items shared with it. The check is
// the evidence service's own (Case: staff of the case's organisation, users
// assigned to it, or a responder mobilised to the incident who may see at
// least one shared item) and is not audited; a case p may not see, or none,
// is simply no link.
func (w *Web) incidentEvidence(ctx context.Context, p auth.Principal, id string) (open, shared bool, err error) {
	if w.evidence == nil {
		return false, false, nil
	}
	if _, err := w.evidence.Case(ctx, p, id); err != nil {
		if errs.Is(err, errs.KindNotFound) || errs.Is(err, errs.KindForbidden) || errs.Is(err, errs.KindInvalid) {
			return false, false, nil
		}
		return false, false, err
	}
	return true, !p.Can(auth.PermEvidenceRead) && !p.Can(auth.PermEvidenceAssign), nil
}
