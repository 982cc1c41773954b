package incident

import (
	"context"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// Store is the storage incidents need. Every read and change takes a Viewer
// and answers errs.NotFound for incidents it may not see.
type Store interface {
	// CreateIncident numbers inc (KH-YYYY-NNNNNN, a sequence per year of
	// ReportedAt), inserts it with its systems and indicators, then applies
	// the Change that build returns for the numbered incident (with the
	// coordinating body's organisation), all in one transaction.
	CreateIncident(ctx context.Context, inc Incident, build func(Loaded) (Change, error)) (Incident, error)
	// MutateIncident loads the incident v may see, lets fn decide, and
	// applies the Change in one transaction. The incident row is replaced by
	// Change.Incident when set (optimistically: a concurrent change answers
	// Conflict).
	MutateIncident(ctx context.Context, v Viewer, id string, fn func(*Loaded) (Change, error)) (Incident, error)
	GetIncident(ctx context.Context, v Viewer, id string) (Loaded, error)
	IncidentByRef(ctx context.Context, v Viewer, ref string) (Loaded, error)
	ListIncidents(ctx context.Context, v Viewer, f Filter, pr page.Request) (page.Result[Incident], error)
	// Timeline lists the entries of an incident v may see; internal ones
	// only when internal is set.
	Timeline(ctx context.Context, v Viewer, id string, internal bool) ([]Entry, error)
	// OrgSystems returns the systems named by ids, whatever organisation
	// they belong to; unknown IDs are left out.
	OrgSystems(ctx context.Context, ids []string) ([]System, error)
	// IncidentPerson returns what incidents need to know of a user.
	IncidentPerson(ctx context.Context, id string) (Person, error)
	// SweepClocks records every breach not yet recorded at now (each
	// exactly once, however many processes sweep) and enqueues the notices
	// build returns for it in the same transaction.
	SweepClocks(ctx context.Context, now time.Time, build func(Breach) []notify.Notice) (int, error)
	IncidentStats(ctx context.Context, v Viewer, from, to time.Time) ([]StatRow, error)
	// IncidentClocks returns the stored clocks of incidents already listed
	// within the viewer's scope, by incident ID.
	IncidentClocks(ctx context.Context, ids []string) (map[string][]Clock, error)
}

// Loaded is an incident with everything a change may need to look at.
type Loaded struct {
	Incident   Incident
	Member     bool // the viewer holds an active grant on it
	Pauses     []Pause
	Clocks     []Clock // as stored, with when breaches were seen
	Tasks      []Task
	Members    []Member
	Files      []File
	CoordOrgID string // the coordinating body's organisation, "" if none is marked
}

// Change is what one operation does to an incident, applied in one
// transaction: the new row, timeline entries, tasks to insert or update (by
// ID), pause to open or close, alerts to link, the recomputed clocks, audit
// entries and notices.
type Change struct {
	Now        time.Time      // when it happens (the service's clock); breaches are judged at it
	By         auth.Principal // who makes it; follow-on changes (responders released when the incident ends) are audited as theirs
	Incident   *Incident
	Entries    []Entry
	Tasks      []Task
	OpenPause  *Pause
	ClosePause time.Time // non-zero: end the open pause at this time
	Alerts     []string
	Files      []File // to insert
	Clocks     []Clock
	Audit      []audit.Entry
	Notices    []notify.Notice
	// Also changes another incident in the same transaction (merge: the
	// survivor's timeline); only entries are applied to it.
	Also []Entry
}

// Filter narrows an incident list.
type Filter struct {
	State    State
	Severity Severity
	Category string // a class ("intrusions") or class/type
	OrgID    string
	Breached bool
	Open     bool // only open states
	Query    string
	AlertID  string // only incidents this alert is linked to
}

// Sorts are the sortable incident fields; the first is the default.
var Sorts = []string{"reported_at", "severity", "updated_at"}

// Person is a user as incidents see them.
type Person struct {
	ID       string
	Email    string
	Role     string
	Orgs     []string
	Disabled bool
}

// Breach is one clock found past its deadline.
type Breach struct {
	IncidentID string
	Reference  string
	OrgID      string
	OwnerID    string
	Title      string
	TLP        tlp.Level
	Clock      string
	DeadlineAt time.Time
}

// StatRow is one incident as statistics see it.
type StatRow struct {
	ID           string
	OrgID        string
	Sector       string
	Province     string
	Category     string
	Severity     Severity
	State        State
	ReportedAt   time.Time
	TriagedAt    time.Time
	ResolvedAt   time.Time
	Breached     bool
	PersonalData bool
}
