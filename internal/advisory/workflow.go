package advisory

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// maxNote bounds justifications, notes and reasons.
const maxNote = 4000

// GetAction returns an action item p may see (PermActionRead).
func (s *Service) GetAction(ctx context.Context, p auth.Principal, id string) (ActionItem, error) {
	it, err := s.d.Store.GetActionItem(ctx, p.Scope(auth.PermActionRead), id)
	if err != nil {
		return it, err
	}
	items := []ActionItem{it}
	err = s.hideTitles(ctx, p, items)
	return items[0], err
}

// hideTitles blanks the advisory titles of items whose advisory p may not
// read: one re-marked above p's clearance after the items were opened.
func (s *Service) hideTitles(ctx context.Context, p auth.Principal, items []ActionItem) error {
	c := clearance(p)
	if c == tlp.Red {
		return nil
	}
	readable := map[string]bool{}
	for i := range items {
		id := items[i].AdvisoryID
		ok, known := readable[id]
		if !known {
			_, err := s.d.Store.GetAdvisory(ctx, c, id)
			if err != nil && !errs.Is(err, errs.KindNotFound) {
				return err
			}
			ok = err == nil
			readable[id] = ok
		}
		if !ok {
			items[i].AdvisoryTitle, items[i].AdvisoryTitleVI = "", ""
		}
	}
	return nil
}

// ListActions lists the action items p may see.
func (s *Service) ListActions(ctx context.Context, p auth.Principal, f ActionFilter, pr page.Request) (page.Result[ActionItem], error) {
	pr, err := pr.Normalize(ActionSorts)
	if err != nil {
		return page.Result[ActionItem]{}, err
	}
	if f.Now.IsZero() {
		f.Now = s.now()
	}
	res, err := s.d.Store.ListActionItems(ctx, p.Scope(auth.PermActionRead), f, pr)
	if err != nil {
		return res, err
	}
	return res, s.hideTitles(ctx, p, res.Items)
}

// ActInput is what a workflow step carries.
type ActInput struct {
	Justification string `json:"justification"` // claim-not-applicable
	Note          string `json:"note"`          // remediate; a review's note
	Attachment    string `json:"attachment"`    // remediate: a blob's SHA-256
}

// Act applies one workflow step to an action item. The organisation's steps
// need PermActionWork on it, the reviews PermActionReview; an item p cannot
// see answers not found.
func (s *Service) Act(ctx context.Context, p auth.Principal, id string, act Action, in ActInput) (ActionItem, error) {
	it, err := s.d.Store.GetActionItem(ctx, p.Scope(auth.PermActionRead), id)
	if err != nil {
		return ActionItem{}, err
	}
	if _, known := workflow[act]; !known {
		return ActionItem{}, errs.Invalid("action.bad_step", "no such step",
			errs.Field("action", "action.bad_step", "one of the workflow's steps"))
	}
	perm := auth.PermActionWork
	if IsReview(act) {
		perm = auth.PermActionReview
	}
	if !p.IsSystem() && !p.CanOn(perm, it.OrgID) {
		return ActionItem{}, errs.New(errs.KindForbidden, "action.forbidden", "your role may not take this step")
	}
	to, ok := Next(it.State, act)
	if !ok {
		return ActionItem{}, errs.Conflict("action.bad_state", fmt.Sprintf("an item that is %s cannot take the step %s", it.State, act))
	}
	c := Change{From: it.State, To: to, At: s.now()}
	var f errs.Fields
	in.Justification, in.Note, in.Attachment = strings.TrimSpace(in.Justification), strings.TrimSpace(in.Note), strings.TrimSpace(strings.ToLower(in.Attachment))
	for name, v := range map[string]string{"justification": in.Justification, "note": in.Note} {
		if len(v) > maxNote {
			f.Add(name, "action.too_long", fmt.Sprintf("at most %d characters", maxNote))
		}
	}
	switch act {
	case ActClaimNA:
		if in.Justification == "" {
			f.Add("justification", "action.justification_required", "say why the advisory does not apply to this system")
		}
		c.Justification = in.Justification
	case ActRemediate:
		if in.Note == "" && in.Attachment == "" {
			f.Add("note", "action.evidence_required", "describe the remediation or attach evidence")
		}
		if in.Attachment != "" {
			if b, err := hex.DecodeString(in.Attachment); err != nil || len(b) != 32 {
				f.Add("attachment", "action.bad_attachment", "the SHA-256 of an uploaded file")
			}
		}
		c.Note, c.Attachment = in.Note, in.Attachment
	case ActApproveNA, ActRejectNA, ActVerify, ActReopen:
		if act == ActRejectNA || act == ActReopen {
			if in.Note == "" {
				f.Add("note", "action.note_required", "say why, for the organisation")
			}
		}
		c.Reviewer, c.ReviewNote = p.Email, in.Note
	}
	if err := f.Err("action.invalid"); err != nil {
		return ActionItem{}, err
	}
	scope := p.Scope(perm)
	if p.IsSystem() {
		scope = auth.Scope{All: true}
	}
	return s.d.Store.MoveActionItem(ctx, scope, id, c,
		audit.New(p, "action."+string(act), "action_item", id, it.OrgID).WithDetail(map[string]string{"from": string(c.From), "to": string(c.To)}))
}

// RequestException asks for a risk to be accepted on an item until a date
// (the organisation, PermActionWork), or grants it at once when a
// coordinator (PermActionReview) asks.
func (s *Service) RequestException(ctx context.Context, p auth.Principal, itemID, reason string, until time.Time) (Exception, error) {
	it, err := s.d.Store.GetActionItem(ctx, p.Scope(auth.PermActionRead), itemID)
	if err != nil {
		return Exception{}, err
	}
	if !p.IsSystem() && !p.CanOn(auth.PermActionWork, it.OrgID) && !p.CanOn(auth.PermActionReview, it.OrgID) {
		return Exception{}, errs.New(errs.KindForbidden, "action.forbidden", "your role may not ask for exceptions")
	}
	now := s.now()
	var f errs.Fields
	reason = strings.TrimSpace(reason)
	if reason == "" {
		f.Add("reason", "exception.reason_required", "say which risk is accepted and why")
	} else if len(reason) > maxNote {
		f.Add("reason", "exception.too_long", fmt.Sprintf("at most %d characters", maxNote))
	}
	if !until.After(now) {
		f.Add("until", "exception.bad_until", "a date in the future")
	} else if until.After(now.AddDate(1, 0, 0)) {
		f.Add("until", "exception.bad_until", "at most one year ahead")
	}
	if !it.State.Active() {
		f.Add("item", "exception.inactive", "the item no longer asks for action")
	}
	if err := f.Err("exception.invalid"); err != nil {
		return Exception{}, err
	}
	x := Exception{ItemID: itemID, OrgID: it.OrgID, State: ExceptionRequested, Reason: reason, Until: until.UTC(),
		RequestedBy: p.Email, CreatedAt: now}
	return s.d.Store.RequestActionException(ctx, p.Scope(auth.PermActionRead), x,
		audit.New(p, "exception.request", "action_item", itemID, it.OrgID))
}

// DecideException approves or rejects a requested exception; the approver is
// the coordinator deciding, by name.
func (s *Service) DecideException(ctx context.Context, p auth.Principal, id string, approve bool, note string) (Exception, error) {
	scope := p.Scope(auth.PermActionReview)
	if p.IsSystem() {
		scope = auth.Scope{All: true}
	}
	x, err := s.d.Store.GetActionException(ctx, p.Scope(auth.PermActionRead), id)
	if p.IsSystem() || err == nil && scope.Allows(x.OrgID) {
		err = nil
	} else if err == nil {
		err = errs.New(errs.KindForbidden, "action.forbidden", "only a coordinator decides exceptions")
	}
	if err != nil {
		return Exception{}, err
	}
	name := p.Email
	verb := "exception.reject"
	if approve {
		verb = "exception.approve"
	}
	return s.d.Store.DecideActionException(ctx, scope, id, approve, name, strings.TrimSpace(note), s.now(),
		audit.New(p, verb, "exception", id, ""))
}

// Exceptions lists exceptions p may see, by state ("" for any) and item.
func (s *Service) Exceptions(ctx context.Context, p auth.Principal, state, itemID string) ([]Exception, error) {
	return s.d.Store.ListActionExceptions(ctx, p.Scope(auth.PermActionRead), state, itemID)
}

// Escalations lists the steps an item climbed.
func (s *Service) Escalations(ctx context.Context, p auth.Principal, itemID string) ([]Escalation, error) {
	if _, err := s.GetAction(ctx, p, itemID); err != nil {
		return nil, err
	}
	return s.d.Store.ActionEscalations(ctx, p.Scope(auth.PermActionRead), itemID)
}

// ExpireExceptions ends the exceptions whose date passed (a sweeper runs it).
func (s *Service) ExpireExceptions(ctx context.Context) (int, error) {
	return s.d.Store.ExpireActionExceptions(ctx, s.now())
}

// EscalateOverdue climbs every overdue item one rung when its delay passed,
// telling the rung (action.escalated) and auditing the step.
func (s *Service) EscalateOverdue(ctx context.Context) (int, error) {
	now := s.now()
	items, err := s.d.Store.OverdueActionItems(ctx, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, st := range s.d.Ladder.Climb(items, now) {
		if err := s.d.Store.EscalateActionItem(ctx, st, now, Escalated); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Escalated is the notice a rung of the ladder gets about an overdue item.
// An item on an advisory above AMBER gets a title-less notice (see
// ActionItem.TitleMailable).
func Escalated(it ActionItem, targetOrg string) notify.Notice {
	level := fmt.Sprint(it.EscalationLevel)
	due := it.DueAt.Format("2006-01-02")
	text := map[string]notify.Text{
		"vi": {Subject: "Việc quá hạn được chuyển cấp " + level,
			Body: fmt.Sprintf("Việc cần xử lý của %s (hệ thống %s) theo một cảnh báo hạn chế chia sẻ đã quá hạn %s. Xem chi tiết trên nền tảng.\n",
				it.OrgName, it.SystemName, due)},
		"en": {Subject: "Overdue action item escalated to level " + level,
			Body: fmt.Sprintf("The action item of %s (system %s) for a restricted advisory is overdue since %s. See the platform for details.\n",
				it.OrgName, it.SystemName, due)},
	}
	if it.TitleMailable() {
		title := it.AdvisoryTitle
		titleVI := it.AdvisoryTitleVI
		if titleVI == "" {
			titleVI = title
		}
		text = map[string]notify.Text{
			"vi": {Subject: "Việc quá hạn được chuyển cấp " + level + ": " + titleVI,
				Body: fmt.Sprintf("Việc cần xử lý của %s (hệ thống %s) theo cảnh báo \u201c%s\u201d đã quá hạn %s.\n",
					it.OrgName, it.SystemName, titleVI, due)},
			"en": {Subject: "Overdue action item escalated to level " + level + ": " + title,
				Body: fmt.Sprintf("The action item of %s (system %s) for the advisory \u201c%s\u201d is overdue since %s.\n",
					it.OrgName, it.SystemName, title, due)},
		}
	}
	return notify.Notice{
		Kind:     "action.escalated",
		Ref:      it.ID,
		OrgID:    targetOrg,
		Contacts: rungContacts(it.EscalationLevel),
		Text:     text,
		Link:     "/actions/" + it.ID,
		Data:     map[string]any{"action_item": it.ID, "org_id": it.OrgID, "level": it.EscalationLevel},
	}
}

// rungContacts are the contact roles a rung of the ladder tells: the
// organisation's CISO first, then the parent's (or the coordinating body's)
// CISO and round-the-clock duty desk.
func rungContacts(level int) []string {
	if level <= 1 {
		return []string{"ciso"}
	}
	return []string{"ciso", "duty-24x7"}
}
