package advisory

import (
	"time"

	"github.com/khien-cert/khien/internal/tlp"
)

// Statuses of the platform's own advisories. Imported records keep their
// source's status ("interim", "final"); every status but draft is matched.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
)

// Due-date profiles an advisory may name (see due.go).
const (
	ProfileDefault = ""          // the platform's table by severity and security level
	ProfileBOD2201 = "bod-22-01" // CISA BOD 22-01: KEV due dates, 2 weeks or 6 months
)

// Profiles lists the due-date profiles.
var Profiles = []string{ProfileDefault, ProfileBOD2201}

// Record is a stored advisory with what only Khiên keeps about it.
type Record struct {
	Advisory
	DueProfile  string `json:"due_profile,omitempty"`  // one of Profiles
	FeedID      string `json:"feed_id,omitempty"`      // the feed it was pulled from
	PublishedBy string `json:"published_by,omitempty"` // user who published it (own advisories)
}

// Matchable reports whether an advisory produces action items: not a draft,
// and not marked beyond what constituents are cleared for (AMBER).
func (a Advisory) Matchable() bool {
	return a.Status != StatusDraft && a.TLP.Valid() && a.TLP <= tlp.Amber
}

// Filter narrows an advisory list.
type Filter struct {
	Source    string
	Severity  string
	Status    string
	CVE       string
	Query     string    // substring of the title (either language)
	KEV       bool      // known exploited only
	Clearance tlp.Level // set by the service: the reader's clearance
}

// Sorts are the sortable advisory fields.
var Sorts = []string{"updated_at", "severity", "title"}

// Feed is a source of advisories pulled on a schedule, with its health.
type Feed struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Kind        string        `json:"kind"` // csaf-provider, csaf, cve5, nvd, osv, kev
	URL         string        `json:"url"`
	Every       time.Duration `json:"-"`
	EveryMins   int           `json:"schedule_minutes"`
	Enabled     bool          `json:"enabled"`
	LastPull    time.Time     `json:"last_pull,omitzero"`
	LastSuccess time.Time     `json:"last_success,omitzero"`
	LastError   string        `json:"last_error,omitempty"`
	Created     int           `json:"created"`
	Updated     int           `json:"updated"`
	Failed      int           `json:"failed"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// FeedKinds are the kinds of feed Khiên pulls.
var FeedKinds = []string{"csaf-provider", "csaf", "cve5", "nvd", "osv", "kev"}

// Healthy reports whether the feed's last pull succeeded.
func (f Feed) Healthy() bool { return f.LastError == "" && !f.LastSuccess.IsZero() }

// Due reports whether the feed should be pulled at now.
func (f Feed) Due(now time.Time) bool {
	return f.Enabled && f.EveryMins > 0 && (f.LastPull.IsZero() || !now.Before(f.LastPull.Add(time.Duration(f.EveryMins)*time.Minute)))
}

// Outcomes of importing one document.
const (
	OutcomeCreated   = "created"
	OutcomeUpdated   = "updated"   // a newer revision replaced the stored one
	OutcomeUnchanged = "unchanged" // the stored revision is the same or newer
	OutcomeFailed    = "failed"
)

// DocResult is what an import did with one document.
type DocResult struct {
	Index    int      `json:"index"`
	Source   string   `json:"source"`
	SourceID string   `json:"source_id"`
	ID       string   `json:"id,omitempty"` // Khiên's id when stored
	Outcome  string   `json:"outcome"`
	Problems []string `json:"problems,omitempty"`
}

// ImportResult is what an import did, per document.
type ImportResult struct {
	Created   int         `json:"created"`
	Updated   int         `json:"updated"`
	Unchanged int         `json:"unchanged"`
	Failed    int         `json:"failed"`
	Documents []DocResult `json:"documents"`
	// ActionItems counts the action items the import's matching opened.
	ActionItems int `json:"action_items"`
}
