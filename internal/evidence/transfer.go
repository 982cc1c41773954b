package evidence

import (
	"context"
	"fmt"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence/custody"
)

// RequestTransfer asks to hand an item from its custodian, p, to another
// user assigned to the case. Nothing moves until the receiver confirms.
func (s *Service) RequestTransfer(ctx context.Context, p auth.Principal, itemID, toUserID string, n Note) (Transfer, error) {
	v, err := viewer(p, auth.PermEvidenceWrite)
	if err != nil {
		return Transfer{}, err
	}
	if err := checkID("item_id", itemID); err != nil {
		return Transfer{}, err
	}
	if err := validateNote(&n, s.clock(), true); err != nil {
		return Transfer{}, err
	}
	it, err := s.store.GetEvidence(ctx, v, itemID)
	if err != nil {
		return Transfer{}, err
	}
	if it.State == StateDestroyed {
		return Transfer{}, errs.Conflict(codeDestroyed, "the item was destroyed")
	}
	if err := holderOnly(p, &it); err != nil {
		return Transfer{}, err
	}
	to, err := s.receiver(ctx, it, p, toUserID)
	if err != nil {
		return Transfer{}, err
	}
	t := Transfer{ID: newID(), ItemID: it.ID, FromID: p.UserID, From: p.Email, ToID: to.ID, To: to.Email,
		Location: n.Location, Reason: n.Reason, State: TransferPending, RequestedAt: s.clock()}
	return s.store.CreateTransfer(ctx, v, t, audit.New(p, "evidence.transfer_request", "evidence_item", it.ID, it.OrgID).
		WithDetail(map[string]any{"transfer": t.ID, "to": to.Email}))
}

// receiver checks that userID may receive the item: another active user
// assigned to its case in a viewing role, with the clearance for its TLP
// (their role's, and the case assignment's ceiling if it has one).
func (s *Service) receiver(ctx context.Context, it Item, p auth.Principal, userID string) (Person, error) {
	bad := func(why string) (Person, error) {
		return Person{}, errs.Invalid("evidence.bad_receiver", why, errs.Field("to", "evidence.bad_receiver", why))
	}
	if userID == p.UserID {
		return bad("the item is already yours")
	}
	who, err := s.store.EvidencePerson(ctx, userID)
	if errs.Is(err, errs.KindNotFound) {
		return bad("no such user")
	}
	if err != nil {
		return Person{}, err
	}
	a, err := s.store.CaseAssignment(ctx, it.CaseID, who.ID)
	if errs.Is(err, errs.KindNotFound) || (err == nil && !a.Role.Valid()) {
		return bad(who.Email + " is not assigned to this case")
	}
	if err != nil {
		return Person{}, err
	}
	if who.Disabled || !who.Role.Clearance().Allows(it.TLP) || (a.Clearance.Valid() && !a.Clearance.Allows(it.TLP)) {
		return bad(who.Email + " may not hold this item")
	}
	return who, nil
}

// ConfirmTransfer is the receiver's confirmation: the "transferred" event
// is written, naming both sides, and p becomes the custodian.
func (s *Service) ConfirmTransfer(ctx context.Context, p auth.Principal, transferID string, n Note) (Item, error) {
	v, t, err := s.transferFor(ctx, p, transferID, n)
	if err != nil {
		return Item{}, err
	}
	if t.ToID != p.UserID {
		return Item{}, errs.New(errs.KindForbidden, "evidence.not_receiver", "only the receiver confirms a hand-over")
	}
	return s.change(ctx, p, v, t.ItemID, func(it *Item) ([]draft, *Transfer, error) {
		if it.HolderID != t.FromID {
			return nil, nil, errs.Conflict("evidence.holder_changed", "the item changed hands since the request")
		}
		it.HolderID, it.Holder = t.ToID, t.To
		now := s.clock()
		done := t
		done.State, done.DecidedAt, done.DecidedBy, done.Note = TransferConfirmed, now, p.Email, n.Reason
		reason := t.Reason
		if n.Reason != "" {
			reason += " (receiver: " + n.Reason + ")"
		}
		loc := n.Location
		if loc == "" {
			loc = t.Location
		}
		return []draft{{kind: custody.Transferred, note: Note{Location: loc, Reason: reason}, from: t.From, to: t.To,
			detail: fmt.Sprintf("requested by %s at %s; confirmed by %s", t.From, t.RequestedAt.Format(time.RFC3339), t.To)}}, &done, nil
	})
}

// EndTransfer declines (the receiver) or cancels (the sender) a pending
// hand-over. Nothing moved, so there is no custody event; it is audited.
func (s *Service) EndTransfer(ctx context.Context, p auth.Principal, transferID string, n Note) (Transfer, error) {
	v, t, err := s.transferFor(ctx, p, transferID, n)
	if err != nil {
		return Transfer{}, err
	}
	switch p.UserID {
	case t.ToID:
		t.State = TransferDeclined
	case t.FromID:
		t.State = TransferCancelled
	default:
		return Transfer{}, errs.New(errs.KindForbidden, "evidence.not_party", "only the sender or the receiver ends a hand-over")
	}
	t.DecidedAt, t.DecidedBy, t.Note = s.clock(), p.Email, n.Reason
	it, err := s.store.GetEvidence(ctx, v, t.ItemID)
	if err != nil {
		return Transfer{}, err
	}
	return s.store.EndTransfer(ctx, v, t, audit.New(p, "evidence.transfer_"+string(t.State), "evidence_item", it.ID, it.OrgID).
		WithDetail(map[string]any{"transfer": t.ID}))
}

// transferFor loads a pending transfer of an item p may see.
func (s *Service) transferFor(ctx context.Context, p auth.Principal, id string, n Note) (Viewer, Transfer, error) {
	v, err := viewer(p, auth.PermEvidenceWrite)
	if err != nil {
		return Viewer{}, Transfer{}, err
	}
	if err := checkID("transfer_id", id); err != nil {
		return Viewer{}, Transfer{}, err
	}
	if err := validateNote(&n, s.clock(), false); err != nil {
		return Viewer{}, Transfer{}, err
	}
	t, err := s.store.GetTransfer(ctx, v, id)
	if err != nil {
		return Viewer{}, Transfer{}, err
	}
	if t.State != TransferPending {
		return Viewer{}, Transfer{}, errs.Conflict("evidence.transfer_settled", "the hand-over was already "+string(t.State))
	}
	return v, t, nil
}

// PendingTransfers lists the hand-overs of an item waiting for confirmation.
func (s *Service) PendingTransfers(ctx context.Context, p auth.Principal, itemID string) ([]Transfer, error) {
	v, err := viewer(p, auth.PermEvidenceRead)
	if err != nil {
		return nil, err
	}
	if err := checkID("item_id", itemID); err != nil {
		return nil, err
	}
	if v.Responder { // hand-overs are the case staff's affair
		if _, err := s.store.GetEvidence(ctx, v, itemID); err != nil {
			return nil, err
		}
		return []Transfer{}, nil
	}
	return s.store.PendingTransfers(ctx, v, itemID)
}
