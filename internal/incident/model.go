package incident

import (
	"slices"
	"time"

	"github.com/khien-cert/khien/internal/tlp"
)

// State is where an incident is in its life.
type State string

// States of an incident.
const (
	StateNew        State = "new"         // reported, not yet looked at
	StateTriaged    State = "triaged"     // classified, severity and owner set
	StateInProgress State = "in_progress" // being worked
	StateContained  State = "contained"   // the damage no longer spreads
	StateResolved   State = "resolved"    // fixed; waiting for the final report
	StateClosed     State = "closed"      // final; only the coordinating body closes
	StateRejected   State = "rejected"    // not an incident (with a reason)
	StateMerged     State = "merged"      // a duplicate of another incident
)

// States lists every state in the order of the life of an incident.
var States = []State{StateNew, StateTriaged, StateInProgress, StateContained, StateResolved,
	StateClosed, StateRejected, StateMerged}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Open reports whether the incident is still being handled.
func (s State) Open() bool {
	switch s {
	case StateClosed, StateRejected, StateMerged:
		return false
	}
	return true
}

// Severity is S0 (no impact) to S4 (national crisis).
type Severity string

// Severities, lowest first.
const (
	S0 Severity = "S0"
	S1 Severity = "S1"
	S2 Severity = "S2"
	S3 Severity = "S3"
	S4 Severity = "S4"
)

// Severities lists every severity, lowest first.
var Severities = []Severity{S0, S1, S2, S3, S4}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return slices.Contains(Severities, s) }

// Rank is 0 for S0 up to 4 for S4, -1 for none.
func (s Severity) Rank() int { return slices.Index(Severities, s) }

// Major reports whether the incident counts as major in yearly statistics (S3, S4).
func (s Severity) Major() bool { return s == S3 || s == S4 }

// Impact is what the reporter observed.
type Impact string

// Impacts, lowest first.
const (
	ImpactNone     Impact = "none"     // no visible effect yet
	ImpactLow      Impact = "low"      // a few users or one service degraded
	ImpactMedium   Impact = "medium"   // a service down or data of some people exposed
	ImpactHigh     Impact = "high"     // core services down, much data exposed
	ImpactCritical Impact = "critical" // essential services of many down, state secrets
)

// Impacts lists every impact, lowest first.
var Impacts = []Impact{ImpactNone, ImpactLow, ImpactMedium, ImpactHigh, ImpactCritical}

// Valid reports whether i is a known impact.
func (i Impact) Valid() bool { return slices.Contains(Impacts, i) }

// Visibility says who sees a timeline entry.
type Visibility string

// Visibilities of timeline entries.
const (
	Internal Visibility = "internal" // the coordinating body only
	Shared   Visibility = "shared"   // also the reporting organisation and mobilised responders
)

// Valid reports whether v is a known visibility.
func (v Visibility) Valid() bool { return v == Internal || v == Shared }

// Incident is one reported incident.
type Incident struct {
	ID               string    `json:"id"`
	Reference        string    `json:"reference"` // KH-2026-000123
	OrgID            string    `json:"org_id"`    // the reporting (affected) organisation
	OrgName          string    `json:"org_name,omitempty"`
	ReporterID       string    `json:"reporter_id,omitempty"`
	ReporterLabel    string    `json:"reporter"`
	ContactName      string    `json:"contact_name"`
	ContactEmail     string    `json:"contact_email"`
	ContactPhone     string    `json:"contact_phone"`
	Title            string    `json:"title"`
	Description      string    `json:"description"`
	DetectedAt       time.Time `json:"detected_at"`
	OccurredAt       time.Time `json:"occurred_at,omitzero"`
	ReportedAt       time.Time `json:"reported_at"`
	Category         string    `json:"category"` // RSIT "class/type", "" until classified
	Impact           Impact    `json:"impact"`
	ActionsTaken     string    `json:"actions_taken"`
	PersonalData     bool      `json:"personal_data"`
	Severity         Severity  `json:"severity"` // "" until triaged
	ProposedSeverity Severity  `json:"proposed_severity"`
	SeverityReason   string    `json:"severity_reason,omitempty"` // why the severity differs from the proposal
	TLP              tlp.Level `json:"tlp"`
	State            State     `json:"state"`
	OwnerID          string    `json:"owner_id,omitempty"`
	OwnerLabel       string    `json:"owner,omitempty"`
	MergedInto       string    `json:"merged_into,omitempty"` // the surviving incident's ID
	RejectionReason  string    `json:"rejection_reason,omitempty"`
	ClockProfile     string    `json:"clock_profile"`
	WaitingSince     time.Time `json:"waiting_since,omitzero"` // clocks paused, waiting on the reporter
	Breached         bool      `json:"breached"`               // some clock missed its deadline
	TriagedAt        time.Time `json:"triaged_at,omitzero"`
	FirstResponseAt  time.Time `json:"first_response_at,omitzero"`
	ContainedAt      time.Time `json:"contained_at,omitzero"`
	ResolvedAt       time.Time `json:"resolved_at,omitzero"`
	ClosedAt         time.Time `json:"closed_at,omitzero"`
	LastUpdateAt     time.Time `json:"last_update_at,omitzero"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`

	Systems    []System    `json:"systems"`
	Indicators []Indicator `json:"indicators"`
	Alerts     []string    `json:"alerts"` // linked alert IDs
}

// System is an affected information system, with the security level it had
// when it was linked.
type System struct {
	ID    string `json:"id"`
	OrgID string `json:"org_id"`
	Name  string `json:"name"`
	Level int    `json:"security_level"`
}

// Indicator is an observable the reporter or an analyst attached.
type Indicator struct {
	ID    string `json:"id,omitempty"`
	Type  string `json:"type"` // ip, domain, url, hash, email, other
	Value string `json:"value"`
	Note  string `json:"note,omitempty"`
}

// IndicatorTypes are the accepted indicator types.
var IndicatorTypes = []string{"ip", "cidr", "domain", "url", "hash", "email", "other"}

// Entry is one line of an incident's timeline.
type Entry struct {
	ID         string     `json:"id"`
	IncidentID string     `json:"incident_id"`
	At         time.Time  `json:"at"`
	ActorID    string     `json:"actor_id,omitempty"`
	Actor      string     `json:"actor"`
	Kind       string     `json:"kind"` // "note" or the event: "reported", "state", "triaged", "member.granted" …
	Visibility Visibility `json:"visibility"`
	Body       string     `json:"body"`
	Detail     string     `json:"detail,omitempty"` // short JSON of what changed
}

// TaskState is where a task is.
type TaskState string

// Task states.
const (
	TaskOpen       TaskState = "open"
	TaskInProgress TaskState = "in_progress"
	TaskDone       TaskState = "done"
	TaskCancelled  TaskState = "cancelled"
)

// TaskStates lists every task state.
var TaskStates = []TaskState{TaskOpen, TaskInProgress, TaskDone, TaskCancelled}

// Valid reports whether s is a known task state.
func (s TaskState) Valid() bool { return slices.Contains(TaskStates, s) }

// Task is a piece of work on an incident.
type Task struct {
	ID            string    `json:"id"`
	IncidentID    string    `json:"incident_id"`
	Title         string    `json:"title"`
	Description   string    `json:"description"`
	AssigneeID    string    `json:"assignee_id,omitempty"`
	AssigneeLabel string    `json:"assignee,omitempty"`
	DueAt         time.Time `json:"due_at,omitzero"`
	State         TaskState `json:"state"`
	Template      string    `json:"template,omitempty"` // the template key it came from
	CreatedBy     string    `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	DoneAt        time.Time `json:"done_at,omitzero"`
}

// Member is a user granted access to one incident beyond the organisation
// scope (a responder mobilised from the alliance).
type Member struct {
	IncidentID   string    `json:"incident_id"`
	UserID       string    `json:"user_id"`
	Email        string    `json:"email"`
	Role         string    `json:"role"`
	GrantedAt    time.Time `json:"granted_at"`
	RevokedAt    time.Time `json:"revoked_at,omitzero"`
	Reason       string    `json:"reason"`
	RevokeReason string    `json:"revoke_reason,omitempty"`
}

// RoleResponder is the member role of a mobilised responder.
const RoleResponder = "responder"

// Pause is an interval in which pausable clocks stood still, waiting on the
// reporter. End is zero while the pause lasts.
type Pause struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end,omitzero"`
	Reason string    `json:"reason,omitempty"`
}
