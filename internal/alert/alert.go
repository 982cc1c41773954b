// Package alert turns detection hits into alerts: folded by a dedupe key
// (repeats raise a count and last-seen instead of new alerts), routed to every
// organisation involved (the sensor's owner and the owner of any matched IP or
// domain), triaged by analysts, and pushed live to subscribers.
//
// Invariants:
//   - at most one open (new or acknowledged) alert per dedupe key;
//   - an event is counted into an alert at most once (re-sent events and
//     re-delivered stream messages do not inflate counts);
//   - a principal sees an alert only when one of its organisations is
//     involved, or it holds alert:read on every organisation;
//   - indicator details are shown only as the indicator's TLP allows the
//     viewer (Redact); the alert itself still reaches its owners;
//   - every triage step is audited and kept in the alert's history.
package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/khien-cert/khien/internal/tlp"
)

// Kind is what raised an alert.
type Kind string

const (
	KindIndicator         Kind = "indicator"          // an event matched threat intel
	KindRule              Kind = "rule"               // an event matched a detection rule
	KindSensorSilent      Kind = "sensor_silent"      // a sensor stopped sending
	KindSensorRecovered   Kind = "sensor_recovered"   // a silent sensor sends again
	KindEvidenceIntegrity Kind = "evidence_integrity" // a vault blob or custody log no longer verifies
)

// State is where an alert is in triage.
type State string

const (
	StateNew           State = "new"
	StateAcknowledged  State = "acknowledged"
	StateFalsePositive State = "false_positive"
	StateEscalated     State = "escalated"
	StateClosed        State = "closed"
)

// States lists every state.
var States = []State{StateNew, StateAcknowledged, StateFalsePositive, StateEscalated, StateClosed}

// Open reports whether repeats still fold into an alert in this state.
func (s State) Open() bool { return s == StateNew || s == StateAcknowledged }

// Severity runs from 1 (informational) to 5 (critical).
type Severity int

// Reason says why an organisation is involved in an alert.
type Reason string

const (
	ReasonSensorOwner Reason = "sensor_owner"
	ReasonIPOwner     Reason = "ip_owner"
	ReasonDomainOwner Reason = "domain_owner"
)

// Involved is one organisation an alert concerns.
type Involved struct {
	OrgID  string `json:"org_id"`
	Reason Reason `json:"reason"`
}

// Alert is one folded detection.
type Alert struct {
	ID           string     `json:"id"`
	Kind         Kind       `json:"kind"`
	Severity     Severity   `json:"severity"`
	Title        string     `json:"title"`
	RuleID       string     `json:"rule_id,omitempty"`
	Indicator    string     `json:"indicator,omitempty"` // intel key "type|value"
	Field        string     `json:"matched_field,omitempty"`
	Value        string     `json:"matched_value,omitempty"`
	SensorID     string     `json:"sensor_id,omitempty"`
	TLP          tlp.Level  `json:"tlp"`
	State        State      `json:"state"`
	Count        int64      `json:"count"`
	FirstSeen    time.Time  `json:"first_seen"`
	LastSeen     time.Time  `json:"last_seen"`
	Excerpt      string     `json:"excerpt,omitempty"` // JSON excerpt of the first event
	Sources      []string   `json:"sources,omitempty"` // feeds of the indicator, or the rule set
	Orgs         []Involved `json:"orgs"`
	Redacted     bool       `json:"redacted,omitempty"` // indicator details withheld by TLP
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	DedupeKey    string     `json:"-"`
	FirstEventID string     `json:"-"`
}

// Change is one step of an alert's history.
type Change struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Note   string    `json:"note,omitempty"`
}

// Hit is one detection to record: what matched in which event.
type Hit struct {
	Kind      Kind
	Severity  Severity
	Title     string
	RuleID    string
	Indicator string
	Field     string
	Value     string
	TLP       tlp.Level
	Sources   []string
	SensorID  string
	EventID   string
	EventTime time.Time
	Excerpt   string
	Orgs      []Involved
}

// DedupeKey folds repeats: the same rule or indicator, matching the same
// value, from the same sensor, is one alert.
func (h Hit) DedupeKey() string {
	s := sha256.Sum256([]byte(string(h.Kind) + "\x00" + h.RuleID + "\x00" + h.Indicator + "\x00" + h.Value + "\x00" + h.SensorID))
	return hex.EncodeToString(s[:16])
}

// Redact withholds indicator details a viewer cleared to c may not see.
func (a Alert) Redact(c tlp.Level) Alert {
	if c.Allows(a.TLP) {
		return a
	}
	a.Redacted = true
	a.Indicator, a.Value, a.Sources = "", "", nil
	a.Title = "Match on restricted threat intelligence"
	return a
}
