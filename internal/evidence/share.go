package evidence

import (
	"context"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence/custody"
)

// Share shares an item with the responders mobilised to its case's
// incident (on) or withdraws it (off): a "shared" or "unshared" custody
// event, audited like every other. The item's custodian or a coordinator
// assigned to its case may do it; n.Reason is required.
//
// Who then sees it is the store's affair: a responder with an un-revoked
// membership of the incident whose ID is the case's, and only within their
// TLP clearance. Sharing an item of a case that is no incident shows it to
// no one.
func (s *Service) Share(ctx context.Context, p auth.Principal, itemID string, on bool, n Note) (Item, error) {
	v, err := viewer(p, auth.PermEvidenceWrite)
	if err != nil {
		return Item{}, err
	}
	if err := validateNote(&n, s.clock(), true); err != nil {
		return Item{}, err
	}
	kind := custody.Shared
	if !on {
		kind = custody.Unshared
	}
	return s.change(ctx, p, v, itemID, func(it *Item) ([]draft, *Transfer, error) {
		if it.HolderID != p.UserID {
			a, err := s.store.CaseAssignment(ctx, it.CaseID, p.UserID)
			if err != nil && !errs.Is(err, errs.KindNotFound) {
				return nil, nil, err
			}
			if err != nil || a.Role != CaseCoordinator {
				return nil, nil, errs.New(errs.KindForbidden, "evidence.not_holder",
					"only the item's custodian ("+it.Holder+") or a coordinator of the case may share it")
			}
		}
		if it.Shared == on {
			code, msg := "evidence.already_shared", "the item is already shared with the responders"
			if !on {
				code, msg = "evidence.not_shared", "the item is not shared with the responders"
			}
			return nil, nil, errs.Conflict(code, msg)
		}
		it.Shared = on
		return []draft{{kind: kind, note: n, detail: n.Detail}}, nil, nil
	})
}
