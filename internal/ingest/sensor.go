// Package ingest is how telemetry enters Khiên: sensors (machine identities
// that may only send for their organisation), their tokens and heartbeats,
// and the acceptance of a batch — split, decode, validate, stamp with a
// stable ID, and hand to the durable stream.
//
// Invariants:
//   - a batch is acknowledged to the sender only after every accepted event
//     in it was stored by the stream (Publisher.Publish returned nil);
//   - an event's ID is event.NewID(sensor, raw bytes), so a re-sent batch
//     yields the same IDs and the stream and the alert store drop repeats;
//   - bad lines are rejected with a reason and do not affect the rest;
//   - memory per batch is bounded by Limits; beyond capacity the caller gets
//     errs.KindRateLimited (HTTP 429), never a silent drop.
//
// The package holds rules only; transports (internal/intake) and storage
// (internal/store) implement its interfaces.
package ingest

import (
	"time"
)

// Kind is the sort of sensor, which fixes the default format of its events.
type Kind string

const (
	KindSuricata Kind = "suricata"
	KindZeek     Kind = "zeek"
	KindWindows  Kind = "windows"
	KindSyslog   Kind = "syslog"
	KindJSON     Kind = "json"
)

// Kinds lists every sensor kind.
var Kinds = []Kind{KindSuricata, KindZeek, KindWindows, KindSyslog, KindJSON}

// Sensor is a registered telemetry source.
type Sensor struct {
	ID         string        `json:"id"`
	OrgID      string        `json:"org_id"`
	Name       string        `json:"name"`
	Kind       Kind          `json:"kind"`
	SourceCIDR string        `json:"source_cidr,omitempty"` // syslog senders are recognised by address
	Cadence    time.Duration `json:"cadence"`               // expected maximum silence
	Disabled   bool          `json:"disabled"`
	LastSeen   time.Time     `json:"last_seen,omitzero"`
	Silent     bool          `json:"silent"`
	Accepted   int64         `json:"accepted_total"`
	Rejected   int64         `json:"rejected_total"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
}

// Minute is one minute of a sensor's counters.
type Minute struct {
	Minute   time.Time `json:"minute"`
	Accepted int64     `json:"accepted"`
	Rejected int64     `json:"rejected"`
}

// Reject is one rejected record, kept for the sensor page.
type Reject struct {
	At       time.Time `json:"at"`
	Position int       `json:"position"` // 1-based record (line) number in its batch
	Code     string    `json:"code"`
	Message  string    `json:"message"`
	Excerpt  string    `json:"excerpt,omitempty"` // the first bytes of the record
}

// TokenPrefix starts every sensor token, so a leaked one is recognisable.
const TokenPrefix = "khs_"

// DefaultCadence is how long a sensor may be silent before it is flagged,
// when its owner does not say.
const DefaultCadence = 15 * time.Minute
