package advisory

import (
	"slices"
	"time"

	"github.com/khien-cert/khien/internal/tlp"
)

// State is where an action item is in its workflow.
type State string

const (
	StateOpen             State = "open"
	StateAcknowledged     State = "acknowledged"
	StateNAClaimed        State = "not_applicable_claimed" // waiting for a coordinator's review
	StateNotApplicable    State = "not_applicable"         // claim approved
	StateInProgress       State = "in_progress"
	StateRemediated       State = "remediated" // waiting for a coordinator's verification
	StateVerified         State = "verified"
	StateNoLongerAffected State = "no_longer_affected" // the match disappeared (inventory or advisory changed)
)

// States lists every state, in workflow order.
var States = []State{StateOpen, StateAcknowledged, StateNAClaimed, StateNotApplicable, StateInProgress,
	StateRemediated, StateVerified, StateNoLongerAffected}

// Active reports whether an item still asks the organisation to act: it can
// fall overdue, climb the escalation ladder and count as debt.
func (s State) Active() bool {
	switch s {
	case StateOpen, StateAcknowledged, StateInProgress, StateNAClaimed:
		return true
	}
	return false
}

// ActiveStates lists the states for which Active is true.
var ActiveStates = []State{StateOpen, StateAcknowledged, StateInProgress, StateNAClaimed}

// Action is a step of the workflow, named as the API and UI name it.
type Action string

const (
	ActAcknowledge Action = "acknowledge"
	ActClaimNA     Action = "claim-not-applicable"
	ActStart       Action = "start"
	ActRemediate   Action = "remediate"
	ActApproveNA   Action = "approve-not-applicable" // coordinator
	ActRejectNA    Action = "reject-not-applicable"  // coordinator
	ActVerify      Action = "verify"                 // coordinator
	ActReopen      Action = "reopen"                 // coordinator: a remediation that does not hold
)

// Actions lists the workflow steps.
var Actions = []Action{ActAcknowledge, ActClaimNA, ActStart, ActRemediate, ActApproveNA, ActRejectNA, ActVerify, ActReopen}

// step is one edge of the workflow: from which states, to which, and
// whether it is a coordinator's review (PermActionReview) or the
// organisation's own work (PermActionWork).
type step struct {
	from   []State
	to     State
	review bool
}

// workflow is THE table of action-item transitions.
var workflow = map[Action]step{
	ActAcknowledge: {from: []State{StateOpen}, to: StateAcknowledged},
	ActClaimNA:     {from: []State{StateOpen, StateAcknowledged, StateInProgress}, to: StateNAClaimed},
	ActStart:       {from: []State{StateOpen, StateAcknowledged}, to: StateInProgress},
	ActRemediate:   {from: []State{StateOpen, StateAcknowledged, StateInProgress}, to: StateRemediated},
	ActApproveNA:   {from: []State{StateNAClaimed}, to: StateNotApplicable, review: true},
	ActRejectNA:    {from: []State{StateNAClaimed}, to: StateAcknowledged, review: true},
	ActVerify:      {from: []State{StateRemediated}, to: StateVerified, review: true},
	ActReopen:      {from: []State{StateRemediated, StateVerified, StateNotApplicable}, to: StateOpen, review: true},
}

// Next returns the state act leads to from s, and whether it is allowed.
func Next(s State, act Action) (State, bool) {
	st, ok := workflow[act]
	if !ok || !slices.Contains(st.from, s) {
		return "", false
	}
	return st.to, true
}

// IsReview reports whether act is a coordinator's review step.
func IsReview(act Action) bool { return workflow[act].review }

// Available lists the actions allowed from s, the organisation's own first.
func Available(s State, review bool) []Action {
	var out []Action
	for _, a := range Actions {
		st := workflow[a]
		if slices.Contains(st.from, s) && (!st.review || review) {
			out = append(out, a)
		}
	}
	return out
}

// ActionItem is what one advisory asks of one information system of one
// organisation. Several inventory items of the system fold into one item.
type ActionItem struct {
	ID              string    `json:"id"`
	OrgID           string    `json:"org_id"`
	OrgName         string    `json:"org_name,omitempty"`
	SystemID        string    `json:"system_id"`
	SystemName      string    `json:"system_name,omitempty"`
	AdvisoryID      string    `json:"advisory_id"`
	AdvisoryTitle   string    `json:"advisory_title,omitempty"`
	AdvisoryTitleVI string    `json:"advisory_title_vi,omitempty"`
	AdvisoryTLP     tlp.Level `json:"-"`     // the advisory's marking as stored now: decides what a notice may say (see TitleMailable)
	Items           []string  `json:"items"` // inventory item IDs
	Severity        string    `json:"severity"`
	SecurityLevel   int       `json:"security_level"`
	KnownExploited  bool      `json:"known_exploited,omitempty"`
	DueAt           time.Time `json:"due_at"`
	State           State     `json:"state"`
	Justification   string    `json:"justification,omitempty"` // of a not-applicable claim
	Note            string    `json:"note,omitempty"`          // of the remediation
	Attachment      string    `json:"attachment,omitempty"`    // blob reference (sha256) of remediation evidence
	Reviewer        string    `json:"reviewer,omitempty"`      // the coordinator who last reviewed it
	ReviewNote      string    `json:"review_note,omitempty"`
	EscalationLevel int       `json:"escalation_level"`
	EscalatedAt     time.Time `json:"escalated_at,omitzero"`
	ExceptionUntil  time.Time `json:"exception_until,omitzero"` // an approved exception covers it until then
	ClosedAt        time.Time `json:"closed_at,omitzero"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// TitleMailable reports whether the advisory's title may travel in a notice.
//
// Notices leave the platform: they are e-mailed to contacts (who need not
// hold an account) and posted to webhooks, and escalation notices go to the
// parent organisation and the coordinating body, beyond the organisation the
// item belongs to. Under TLP 2.0, CLEAR and GREEN may go to the community and
// AMBER to the recipient organisation and its clients on a need-to-know basis,
// which a notice about that organisation's own item is; AMBER+STRICT stays
// within the recipient organisation and RED with the named recipients only,
// so neither may be put in an e-mail or a webhook at all. Above AMBER (and
// for an unknown marking: fail closed) a notice therefore says only that an
// item on a restricted advisory needs attention, with a link; the platform
// shows the title to whoever is cleared to read it.
func (it ActionItem) TitleMailable() bool {
	return it.AdvisoryTLP.Valid() && it.AdvisoryTLP <= tlp.Amber
}

// Overdue reports whether the item is active, past due and not covered by an
// exception at now.
func (it ActionItem) Overdue(now time.Time) bool {
	return it.State.Active() && now.After(it.DueAt) && !it.Excepted(now)
}

// Excepted reports whether an approved exception covers the item at now.
func (it ActionItem) Excepted(now time.Time) bool {
	return !it.ExceptionUntil.IsZero() && now.Before(it.ExceptionUntil)
}

// ActionFilter narrows an action-item list.
type ActionFilter struct {
	OrgID      string
	SystemID   string
	AdvisoryID string
	State      State
	Active     bool // only active states
	Overdue    bool // only overdue at Now
	Now        time.Time
}

// ActionSorts are the sortable action-item fields.
var ActionSorts = []string{"due_at", "created_at", "severity"}

// Change is what a workflow step writes onto an item.
type Change struct {
	From, To      State
	Justification string
	Note          string
	Attachment    string
	Reviewer      string
	ReviewNote    string
	At            time.Time
}

// Exception states.
const (
	ExceptionRequested = "requested"
	ExceptionApproved  = "approved"
	ExceptionRejected  = "rejected"
	ExceptionExpired   = "expired"
)

// Exception is a risk accepted for one action item until a date, approved
// by a named coordinator. It expires by itself.
type Exception struct {
	ID          string    `json:"id"`
	ItemID      string    `json:"item_id"`
	OrgID       string    `json:"org_id"`
	State       string    `json:"state"`
	Reason      string    `json:"reason"`
	Until       time.Time `json:"until"`
	RequestedBy string    `json:"requested_by"`
	Approver    string    `json:"approver,omitempty"` // the named coordinator
	DecidedAt   time.Time `json:"decided_at,omitzero"`
	Decision    string    `json:"decision,omitempty"` // the coordinator's note
	CreatedAt   time.Time `json:"created_at"`
}

// Escalation is one step an overdue item climbed.
type Escalation struct {
	ID        string    `json:"id"`
	ItemID    string    `json:"item_id"`
	OrgID     string    `json:"org_id"`
	Level     int       `json:"level"`
	Target    string    `json:"target"`     // ladder rung: org-ciso, parent, coordinator
	TargetOrg string    `json:"target_org"` // organisation told
	At        time.Time `json:"at"`
}
