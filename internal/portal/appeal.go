package portal

import (
	"context"
	"slices"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// AppealState is where an appeal stands.
type AppealState string

const (
	AppealOpen     AppealState = "open"
	AppealUpheld   AppealState = "upheld"   // the entry was taken off show
	AppealRejected AppealState = "rejected" // the entry stays
)

// Appeal is the request of a listed value's owner (a site's, a number's, an
// account's) to take it off the list. Name and Contact are for reviewers
// only.
type Appeal struct {
	ID           string      `json:"id"`
	EntryID      string      `json:"entry_id"`
	Name         string      `json:"name,omitempty"`
	Contact      string      `json:"contact"`
	Statement    string      `json:"statement"`
	Lang         string      `json:"lang"`
	State        AppealState `json:"state"`
	Reason       string      `json:"reason,omitempty"`
	DeciderID    string      `json:"decider_id,omitempty"`
	DeciderLabel string      `json:"decider_label,omitempty"`
	DecidedAt    time.Time   `json:"decided_at,omitzero"`
	ReceiptHash  string      `json:"-"`
	CreatedAt    time.Time   `json:"created_at"`
}

// AppealInput is an appeal as the form sends it.
type AppealInput struct {
	Kind      canon.Kind `json:"kind"`  // optional: the kind of the listed value
	Value     string     `json:"value"` // the listed value, as typed
	Bank      string     `json:"bank"`
	Name      string     `json:"name"`
	Contact   string     `json:"contact"`
	Statement string     `json:"statement"`
	Lang      string     `json:"lang"`
}

// AppealFilter narrows the appeal queue.
type AppealFilter struct {
	State   AppealState
	EntryID string
}

// AppealSorts are the appeal queue's sortable fields.
var AppealSorts = []string{"created_at"}

// Codes of appeals.
const (
	CodeNothingListed = "portal.appeal_nothing_listed"
	CodeAppealOpen    = "portal.appeal_open"
	CodeAppealClosed  = "portal.appeal_closed"
	CodeAppealBias    = "portal.appeal_conflict_of_interest"
)

var (
	nameRule      = textRule{field: "name", max: 200}
	statementRule = textRule{field: "statement", max: 4000, required: true, multiLine: true}
)

// Appeal files an appeal against a value on show (under review or
// confirmed). Abuse checks and validation come first; a refused appeal
// stores nothing. One appeal per entry may be open at a time.
func (s *Service) Appeal(ctx context.Context, in AppealInput, c Client) (Submitted, error) {
	if err := s.admit(c, s.reports); err != nil {
		return Submitted{}, err
	}
	var fs errs.Fields
	ap := cleanAppeal(in, &fs)
	if err := fs.Err("portal.bad_appeal"); err != nil {
		return Submitted{}, err
	}
	e, err := s.listedEntry(ctx, in)
	if err != nil {
		return Submitted{}, err
	}
	receipt := NewReceipt()
	ap.EntryID, ap.State, ap.ReceiptHash, ap.CreatedAt = e.ID, AppealOpen, receiptHash(receipt), s.now()
	if _, err := s.d.Store.CreateAppeal(ctx, ap, audit.New(citizen(), "portal.appeal_create", "portal_appeal", "", "").
		WithDetail(map[string]any{"entry": e.ID})); err != nil {
		return Submitted{}, err
	}
	return Submitted{Receipt: receipt, Kind: e.Kind, Value: e.Value, At: ap.CreatedAt}, nil
}

// cleanAppeal checks an appeal's texts and returns what is stored.
func cleanAppeal(in AppealInput, fs *errs.Fields) Appeal {
	ap := Appeal{Lang: in.Lang}
	ap.Name = nameRule.clean(in.Name, fs)
	ap.Statement = statementRule.clean(in.Statement, fs)
	if ap.Contact = cleanContact(in.Contact, fs); ap.Contact == "" && !slices.ContainsFunc(*fs, func(f errs.FieldError) bool { return f.Field == "contact" }) {
		fs.Add("contact", "portal.contact_required", "give an e-mail address or a phone number so that reviewers can answer")
	}
	switch ap.Lang {
	case "":
		ap.Lang = "vi"
	case "vi", "en":
	default:
		fs.Add("lang", "portal.bad_lang", "the language is vi or en")
	}
	return ap
}

// listedEntry finds the entry on show for an appealed value: the value
// itself, or what covers it (its domain, the account at any bank), as a
// look-up would find it.
func (s *Service) listedEntry(ctx context.Context, in AppealInput) (Entry, error) {
	var keys []string
	if in.Kind != "" {
		sub, err := subjectOf(ReportInput{Kind: in.Kind, Value: in.Value, Bank: in.Bank})
		if err != nil {
			return Entry{}, err
		}
		keys = canon.IndexKeys(sub.Kind, sub.Key)
	} else {
		for _, p := range canon.Probes(in.Value) {
			keys = append(keys, p.Keys...)
		}
	}
	now, ix := s.d.Now(), s.live.load()
	var found string
	for _, k := range keys {
		ix.Find(k, now, func(h Hit) {
			if found == "" {
				found = h.Key
			}
		})
		if found != "" {
			return s.d.Store.EntryByKey(ctx, found)
		}
	}
	const msg = "nothing is listed under this value, so there is nothing to appeal"
	return Entry{}, errs.New(errs.KindNotFound, CodeNothingListed, msg)
}

// Appeals lists appeals for those who decide them.
func (s *Service) Appeals(ctx context.Context, p auth.Principal, f AppealFilter, pr page.Request) (page.Result[Appeal], error) {
	if _, err := reviewer(p, auth.PermPortalAppeal); err != nil {
		return page.Result[Appeal]{}, err
	}
	pr, err := pr.Normalize(AppealSorts)
	if err != nil {
		return page.Result[Appeal]{}, err
	}
	return s.d.Store.ListAppeals(ctx, f, pr)
}

// DecideAppeal upholds an appeal (the entry is withdrawn from show) or
// rejects it, with a reason either way. A reviewer who confirmed the entry
// in its current round may not decide an appeal against it.
func (s *Service) DecideAppeal(ctx context.Context, p auth.Principal, id string, uphold bool, reason string) (Appeal, error) {
	r, err := reviewer(p, auth.PermPortalAppeal)
	if err != nil {
		return Appeal{}, err
	}
	var fs errs.Fields
	if reason = reasonRule.clean(reason, &fs); len(fs) > 0 {
		return Appeal{}, fs.Err(CodeReasonRequired)
	}
	for attempt := 1; ; attempt++ {
		ap, e, step, err := s.decide(ctx, r, id, uphold, reason)
		if err != nil {
			return Appeal{}, err
		}
		action := "portal.appeal_reject"
		if uphold {
			action = "portal.appeal_uphold"
		}
		out, err := s.d.Store.DecideAppeal(ctx, ap, e, step, audit.New(p, action, "portal_appeal", ap.ID, "").
			WithDetail(map[string]any{"entry": ap.EntryID, "withdrawn": e != nil}))
		if lostRace(err) && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return Appeal{}, err
		}
		if e != nil {
			s.changed(e.Listing)
		}
		return out, nil
	}
}

// decide loads an appeal and its entry and works out the decision.
func (s *Service) decide(ctx context.Context, r Reviewer, id string, uphold bool, reason string) (Appeal, *Entry, *Review, error) {
	ap, err := s.d.Store.GetAppeal(ctx, id)
	if err != nil {
		return Appeal{}, nil, nil, err
	}
	if ap.State != AppealOpen {
		return Appeal{}, nil, nil, errs.Conflict(CodeAppealClosed, "this appeal was already decided")
	}
	e, err := s.d.Store.GetEntry(ctx, ap.EntryID)
	if err != nil {
		return Appeal{}, nil, nil, err
	}
	if slices.ContainsFunc(e.Confirmations, func(c Review) bool { return c.ActorID == r.ID }) {
		return Appeal{}, nil, nil, errs.Conflict(CodeAppealBias, "you confirmed this entry; another reviewer must decide the appeal")
	}
	now := s.now()
	ap.State, ap.Reason, ap.DeciderID, ap.DeciderLabel, ap.DecidedAt = AppealRejected, reason, r.ID, r.Label, now
	if !uphold {
		return ap, nil, nil, nil
	}
	ap.State = AppealUpheld
	if e.State != StatePending && e.State != StatePublished {
		return ap, nil, nil, nil // already off show: nothing to withdraw
	}
	next, step, err := e.Withdraw(r, reason, now)
	if err != nil {
		return Appeal{}, nil, nil, err
	}
	return ap, &next, &step, nil
}

// appealReceipt answers a receipt number that belongs to an appeal.
func (s *Service) appealReceipt(ctx context.Context, rc, hash string) (ReceiptStatus, error) {
	ap, err := s.d.Store.AppealByReceipt(ctx, hash)
	if err != nil {
		return ReceiptStatus{}, err
	}
	e, err := s.d.Store.GetEntry(ctx, ap.EntryID)
	if err != nil {
		return ReceiptStatus{}, err
	}
	return ReceiptStatus{Receipt: rc, Type: "appeal", Kind: e.Kind, Value: e.Value, At: ap.CreatedAt, Status: string(ap.State)}, nil
}
