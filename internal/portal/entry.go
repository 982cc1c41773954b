package portal

// This file is the review queue's state machine. Every transition is a
// pure function of an Entry and the time: it returns the next Entry and the
// Review step that records it, or an error saying why the step is not
// allowed. The Service loads, applies and saves; the store saves only if
// nobody changed the entry in between (Version).

import (
	"slices"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// State is where an entry is in review.
type State string

const (
	StatePending   State = "pending"   // reported, under review; shown as such
	StatePublished State = "published" // confirmed by two reviewers; shown and distributed until ExpiresAt
	StateRejected  State = "rejected"  // reviewers did not confirm it; not shown
	StateExpired   State = "expired"   // was published, not renewed in time; not shown
	StateWithdrawn State = "withdrawn" // unpublished on an upheld appeal; not shown
)

// States lists every state.
var States = []State{StatePending, StatePublished, StateRejected, StateExpired, StateWithdrawn}

// Category is the kind of scam, chosen by the reporter and settled by the
// reviewers.
type Category string

// Categories lists every category; "" is "not said".
var Categories = []Category{"phishing", "impersonation", "investment", "shopping", "job", "loan", "romance", "prize",
	"malware", "other"}

// ConfirmationsNeeded is how many different reviewers publish an entry.
const ConfirmationsNeeded = 2

// DefaultTTL is how long a publication lasts unless renewed: six months.
const DefaultTTL = 183 * 24 * time.Hour

// Listing is an entry as the public may see it. It holds nothing about who
// reported or reviewed it: no description, contact, screenshot, reviewer or
// reason. Every public output is made of Listings only.
type Listing struct {
	ID          string     `json:"id"`
	Kind        canon.Kind `json:"kind"`
	Value       string     `json:"value"` // canonical, as first reported
	Key         string     `json:"key"`   // match key (canon.Subject.Key), unique
	Category    Category   `json:"category,omitempty"`
	State       State      `json:"state"`
	Reports     int        `json:"reports"`
	PublishedAt time.Time  `json:"published_at,omitzero"`
	ExpiresAt   time.Time  `json:"expires_at,omitzero"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Status is what a look-up answers about a value.
type Status string

const (
	StatusConfirmed   Status = "confirmed"    // published and not expired
	StatusUnderReview Status = "under_review" // pending
	StatusUnknown     Status = "unknown"      // nothing known (which is not "safe")
)

// StatusAt is what the listing means to the public at now.
func (l Listing) StatusAt(now time.Time) Status {
	switch {
	case l.State == StatePublished && now.Before(l.ExpiresAt):
		return StatusConfirmed
	case l.State == StatePending:
		return StatusUnderReview
	}
	return StatusUnknown
}

// Entry is one normalised value in review, with the reports merged into it.
type Entry struct {
	Listing
	Round          int       `json:"round"`   // starts at 1; a reopened entry starts a new round
	Version        int       `json:"version"` // bumped by every save; 0 for an entry not yet stored
	FirstReported  time.Time `json:"first_reported"`
	LastReported   time.Time `json:"last_reported"`
	NewReports     int       `json:"new_reports"`               // reports since it was rejected or withdrawn
	Confirmations  []Review  `json:"confirmations,omitempty"`   // this round's, in order
	StaffReporters []string  `json:"staff_reporters,omitempty"` // user IDs of staff who filed a report on it
	Reason         string    `json:"reason,omitempty"`          // of the last rejection or withdrawal
	CreatedAt      time.Time `json:"created_at"`
}

// Action is one kind of review step.
type Action string

const (
	ActConfirm  Action = "confirm"
	ActReject   Action = "reject"
	ActRenew    Action = "renew"
	ActReopen   Action = "reopen"
	ActExpire   Action = "expire"
	ActWithdraw Action = "withdraw"
)

// Review is one step of review, kept for ever with the entry.
type Review struct {
	ID         string    `json:"id"`
	EntryID    string    `json:"entry_id"`
	Round      int       `json:"round"`
	Action     Action    `json:"action"`
	ActorID    string    `json:"actor_id"` // "" for the system
	ActorLabel string    `json:"actor_label"`
	Note       string    `json:"note,omitempty"`
	At         time.Time `json:"at"`
}

// Reviewer is who takes a step.
type Reviewer struct {
	ID, Label string
	Trusted   bool // reviews by designation as a trusted alliance reviewer (reviewers.go)
}

// Codes of refused steps.
const (
	CodeNotPending       = "portal.not_pending"
	CodeAlreadyConfirmed = "portal.already_confirmed"
	CodeOwnReport        = "portal.own_report"
	CodeNotPublished     = "portal.not_published"
	CodeNotClosed        = "portal.not_closed"
	CodeReasonRequired   = "portal.reason_required"
)

func (e Entry) step(r Reviewer, a Action, note string, now time.Time) Review {
	return Review{EntryID: e.ID, Round: e.Round, Action: a, ActorID: r.ID, ActorLabel: r.Label, Note: note, At: now}
}

// NewEntry starts an entry for a subject first reported at now.
func NewEntry(s canon.Subject, now time.Time) Entry {
	return Entry{
		Listing:       Listing{Kind: s.Kind, Value: s.Value, Key: s.Key, State: StatePending},
		Round:         1,
		FirstReported: now, LastReported: now, CreatedAt: now,
	}
}

// WithReport is e after one more report at now: counted, and an expired
// entry is back in review (a new round). A rejected or withdrawn entry
// stays so — a wave of reports must not put a cleared site back on show —
// and counts the report as new, for reviewers to look at again.
func (e Entry) WithReport(now time.Time, staffID string, category Category) Entry {
	e.Reports++
	e.LastReported = now
	if staffID != "" && !slices.Contains(e.StaffReporters, staffID) {
		e.StaffReporters = append(slices.Clip(e.StaffReporters), staffID)
	}
	if e.Category == "" {
		e.Category = category
	}
	switch e.State {
	case StateExpired:
		e = e.reopened()
	case StateRejected, StateWithdrawn:
		e.NewReports++
	}
	return e
}

func (e Entry) reopened() Entry {
	e.State, e.Round, e.Confirmations, e.NewReports, e.Reason = StatePending, e.Round+1, nil, 0, ""
	e.PublishedAt, e.ExpiresAt = time.Time{}, time.Time{}
	return e
}

// Confirm records r's confirmation. The second confirmation by a different
// reviewer in the round publishes the entry until now+ttl. A reviewer
// confirms once per round, and never an entry they filed a report on.
func (e Entry) Confirm(r Reviewer, category Category, note string, now time.Time, ttl time.Duration) (Entry, Review, error) {
	if e.State != StatePending {
		return e, Review{}, errs.Conflict(CodeNotPending, "only an entry under review can be confirmed; this one is "+string(e.State))
	}
	if slices.Contains(e.StaffReporters, r.ID) {
		return e, Review{}, errs.New(errs.KindForbidden, CodeOwnReport,
			"you filed a report on this entry; two other reviewers must confirm it")
	}
	if slices.ContainsFunc(e.Confirmations, func(c Review) bool { return c.ActorID == r.ID }) {
		return e, Review{}, errs.Conflict(CodeAlreadyConfirmed, "you have confirmed this entry; another reviewer must confirm it too")
	}
	st := e.step(r, ActConfirm, note, now)
	e.Confirmations = append(slices.Clip(e.Confirmations), st)
	if category != "" {
		e.Category = category
	}
	if len(e.Confirmations) >= ConfirmationsNeeded {
		e.State, e.PublishedAt, e.ExpiresAt = StatePublished, now, now.Add(ttl)
	}
	return e, st, nil
}

// Reject closes the review of a pending entry without publishing it.
func (e Entry) Reject(r Reviewer, reason string, now time.Time) (Entry, Review, error) {
	if e.State != StatePending {
		return e, Review{}, errs.Conflict(CodeNotPending, "only an entry under review can be rejected; this one is "+string(e.State))
	}
	if reason == "" {
		return e, Review{}, reasonRequired()
	}
	e.State, e.Reason, e.NewReports, e.Confirmations = StateRejected, reason, 0, nil
	return e, e.step(r, ActReject, reason, now), nil
}

// Renew extends a publication that has not yet expired to now+ttl.
func (e Entry) Renew(r Reviewer, note string, now time.Time, ttl time.Duration) (Entry, Review, error) {
	if e.StatusAt(now) != StatusConfirmed {
		return e, Review{}, errs.Conflict(CodeNotPublished,
			"only a publication still in force can be renewed; reopen an expired entry and confirm it again")
	}
	e.ExpiresAt = now.Add(ttl)
	return e, e.step(r, ActRenew, note, now), nil
}

// Reopen puts a rejected, expired or withdrawn entry back under review in
// a new round: earlier confirmations no longer count.
func (e Entry) Reopen(r Reviewer, note string, now time.Time) (Entry, Review, error) {
	switch e.State {
	case StateRejected, StateExpired, StateWithdrawn:
	default:
		return e, Review{}, errs.Conflict(CodeNotClosed, "only a rejected, expired or withdrawn entry can be reopened")
	}
	e = e.reopened()
	return e, e.step(r, ActReopen, note, now), nil
}

// Expire ends a publication whose time has come.
func (e Entry) Expire(now time.Time) (Entry, Review, error) {
	if e.State != StatePublished || now.Before(e.ExpiresAt) {
		return e, Review{}, errs.Conflict(CodeNotPublished, "the entry is not a publication past its expiry")
	}
	e.State = StateExpired
	return e, e.step(Reviewer{Label: "system"}, ActExpire, "", now), nil
}

// Withdraw takes a pending or published entry off show on an upheld appeal.
func (e Entry) Withdraw(r Reviewer, reason string, now time.Time) (Entry, Review, error) {
	if e.State != StatePending && e.State != StatePublished {
		return e, Review{}, errs.Conflict(CodeNotPublished, "only an entry on show can be withdrawn; this one is "+string(e.State))
	}
	if reason == "" {
		return e, Review{}, reasonRequired()
	}
	e.State, e.Reason, e.NewReports, e.Confirmations = StateWithdrawn, reason, 0, nil
	e.PublishedAt, e.ExpiresAt = time.Time{}, time.Time{}
	return e, e.step(r, ActWithdraw, reason, now), nil
}

func reasonRequired() error {
	return errs.Invalid(CodeReasonRequired, "say why", errs.Field("reason", CodeReasonRequired, "a reason is required"))
}
