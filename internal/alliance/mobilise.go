package alliance

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/tlp"
)

// Incident is what mobilisation needs to know about an incident.
type Incident struct {
	ID        string    `json:"id"`
	Reference string    `json:"reference"`
	Title     string    `json:"title"`
	OrgID     string    `json:"org_id"`
	OrgName   string    `json:"org_name"`
	Province  string    `json:"province"`
	TLP       tlp.Level `json:"tlp"`
	State     string    `json:"state"`
}

// Finished reports whether the incident is over for mobilisation purposes:
// no one is asked any more, and responders may be rated.
func (i Incident) Finished() bool {
	switch i.State {
	case "resolved", "closed", "rejected", "merged":
		return true
	}
	return false
}

// Closed reports whether the incident is closed (or will never be worked).
func (i Incident) Closed() bool {
	switch i.State {
	case "closed", "rejected", "merged":
		return true
	}
	return false
}

// Request is a coordinator's call for responders to an incident.
type Request struct {
	ID          string    `json:"id"`
	IncidentID  string    `json:"incident_id"`
	IncidentRef string    `json:"incident_reference"`
	OrgID       string    `json:"org_id"` // the incident's organisation
	Skills      []string  `json:"skills"`
	Count       int       `json:"count"` // responders wanted
	Deadline    time.Time `json:"deadline"`
	Note        string    `json:"note,omitempty"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	Asks        []Ask     `json:"asks"`
}

// Accepted counts the asks accepted and not released.
func (r Request) Accepted() int {
	n := 0
	for _, a := range r.Asks {
		if a.State == AskAccepted {
			n++
		}
	}
	return n
}

// AskedUsers lists the user IDs already asked on the request.
func (r Request) AskedUsers() []string {
	out := make([]string, len(r.Asks))
	for i, a := range r.Asks {
		out[i] = a.UserID
	}
	return out
}

// Bounds of a request.
const (
	MaxCount    = 20
	MaxDeadline = 7 * 24 * time.Hour
	MinDeadline = 5 * time.Minute
	maxNote     = 1000
)

// NewRequest is the input of a request.
type NewRequest struct {
	IncidentID string    `json:"incident_id"`
	Skills     []string  `json:"skills"`
	Count      int       `json:"count"`
	Deadline   time.Time `json:"deadline"`
	Note       string    `json:"note"`
}

// Normalize checks a new request at now: known skills, a count of
// 1–MaxCount, a deadline between MinDeadline and MaxDeadline ahead.
func (n *NewRequest) Normalize(now time.Time) error {
	var f errs.Fields
	n.IncidentID = strings.TrimSpace(n.IncidentID)
	if n.IncidentID == "" {
		f.Add("incident_id", "alliance.required", "the incident is required")
	}
	n.Skills = uniq(n.Skills)
	for _, s := range n.Skills {
		if !ValidSkill(s) {
			f.Add("skills", "alliance.unknown_skill", fmt.Sprintf("unknown skill %q", s))
		}
	}
	if n.Count < 1 || n.Count > MaxCount {
		f.Add("count", "alliance.bad_count", fmt.Sprintf("ask for 1 to %d responders", MaxCount))
	}
	n.Deadline = n.Deadline.UTC().Truncate(time.Second)
	switch {
	case n.Deadline.IsZero():
		f.Add("deadline", "alliance.required", "the deadline to answer is required")
	case n.Deadline.Sub(now) < MinDeadline:
		f.Add("deadline", "alliance.deadline_too_soon", "the deadline must be at least 5 minutes ahead")
	case n.Deadline.Sub(now) > MaxDeadline:
		f.Add("deadline", "alliance.deadline_too_far", "the deadline must be within 7 days")
	}
	n.Note = strings.TrimSpace(n.Note)
	if len([]rune(n.Note)) > maxNote {
		f.Add("note", "alliance.too_long", fmt.Sprintf("at most %d characters", maxNote))
	}
	return f.Err("alliance.bad_request")
}

// Ask states.
const (
	AskPending  = "pending"  // waiting for the responder's answer
	AskAccepted = "accepted" // the responder works the incident
	AskDeclined = "declined"
	AskExpired  = "expired"  // not answered before the deadline
	AskReleased = "released" // was accepted; access revoked
)

// Ask is one responder asked on a request.
type Ask struct {
	ID          string    `json:"id"`
	RequestID   string    `json:"request_id"`
	IncidentID  string    `json:"incident_id"`
	IncidentRef string    `json:"incident_reference"`
	UserID      string    `json:"user_id"`
	OrgID       string    `json:"org_id"` // the responder's member company
	Name        string    `json:"name"`
	Email       string    `json:"email"`
	State       string    `json:"state"`
	Score       Score     `json:"score"` // the ranking when asked
	Deadline    time.Time `json:"deadline"`
	AskedBy     string    `json:"asked_by"`
	AskedAt     time.Time `json:"asked_at"`
	AnsweredAt  time.Time `json:"answered_at,omitzero"`
	ReleasedAt  time.Time `json:"released_at,omitzero"`
	Reason      string    `json:"reason,omitempty"` // why declined or released
	Skills      []string  `json:"skills"`           // the request's skills (read-only)
	Note        string    `json:"note,omitempty"`   // the request's note (read-only)
	Minutes     int       `json:"minutes"`          // hours logged, in minutes (read-only)
	Rating      int       `json:"rating,omitempty"` // 1–5 once rated (read-only)
	RatingNote  string    `json:"rating_comment,omitempty"`
}

// StateAt is the ask's state at now: a pending ask past its deadline is
// expired.
func (a Ask) StateAt(now time.Time) string {
	if a.State == AskPending && !now.Before(a.Deadline) {
		return AskExpired
	}
	return a.State
}

// Answer records the responder's answer at now. Only a pending ask before
// its deadline can be answered; a responder at capacity cannot accept.
func (a *Ask) Answer(accept bool, reason string, load, capacity int, now time.Time) error {
	switch a.StateAt(now) {
	case AskPending:
	case AskExpired:
		return errs.Conflict("alliance.deadline_passed", "the deadline to answer has passed")
	default:
		return errs.Conflict("alliance.already_answered", "this request was already answered")
	}
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > maxNote {
		return errs.Invalid("alliance.too_long", "the reason is too long",
			errs.Field("reason", "alliance.too_long", fmt.Sprintf("at most %d characters", maxNote)))
	}
	if accept && capacity > 0 && load >= capacity {
		return errs.Conflict("alliance.at_capacity", "you already work as many incidents as your capacity allows")
	}
	a.State, a.AnsweredAt, a.Reason = AskDeclined, now, reason
	if accept {
		a.State = AskAccepted
	}
	return nil
}

// Release ends an accepted ask at now.
func (a *Ask) Release(reason string, now time.Time) error {
	if a.State != AskAccepted {
		return errs.Conflict("alliance.not_accepted", "only a responder who accepted can be released")
	}
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > maxNote {
		return errs.Invalid("alliance.too_long", "the reason is too long",
			errs.Field("reason", "alliance.too_long", fmt.Sprintf("at most %d characters", maxNote)))
	}
	a.State, a.ReleasedAt, a.Reason = AskReleased, now, reason
	return nil
}

// Hours is time a responder logged on an incident.
type Hours struct {
	ID         string    `json:"id"`
	AskID      string    `json:"ask_id"`
	IncidentID string    `json:"incident_id"`
	UserID     string    `json:"user_id"`
	Date       string    `json:"date"`    // YYYY-MM-DD, the local day worked
	Minutes    int       `json:"minutes"` // whole quarters of an hour
	Note       string    `json:"note,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// NewHours is the input of an hours entry.
type NewHours struct {
	Date  string  `json:"date"`
	Hours float64 `json:"hours"`
	Note  string  `json:"note"`
}

// Check validates h for ask a at now and returns the entry: the ask was
// accepted (it may since be released); the date is a day from the
// acceptance to today (Asia/Ho_Chi_Minh); hours are quarters, more than 0
// and at most 24.
func (h NewHours) Check(a Ask, now time.Time) (Hours, error) {
	if a.State != AskAccepted && a.State != AskReleased {
		return Hours{}, errs.Conflict("alliance.not_accepted", "hours are logged on incidents you accepted")
	}
	var f errs.Fields
	d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(h.Date), Zone)
	today := now.In(Zone).Format(time.DateOnly)
	from := a.AnsweredAt.In(Zone).Format(time.DateOnly)
	switch {
	case err != nil:
		f.Add("date", "alliance.bad_date", "a date as YYYY-MM-DD")
	case d.Format(time.DateOnly) > today:
		f.Add("date", "alliance.date_in_future", "the day cannot be in the future")
	case d.Format(time.DateOnly) < from:
		f.Add("date", "alliance.date_before_accept", "the day is before you accepted")
	}
	q := h.Hours * 4
	if math.IsNaN(q) || h.Hours <= 0 || h.Hours > 24 || q != math.Trunc(q) {
		f.Add("hours", "alliance.bad_hours", "hours are more than 0, at most 24, in quarters (0.25)")
	}
	note := strings.TrimSpace(h.Note)
	if len([]rune(note)) > maxNote {
		f.Add("note", "alliance.too_long", fmt.Sprintf("at most %d characters", maxNote))
	}
	if err := f.Err("alliance.bad_hours"); err != nil {
		return Hours{}, err
	}
	return Hours{AskID: a.ID, IncidentID: a.IncidentID, UserID: a.UserID, Date: d.Format(time.DateOnly),
		Minutes: int(q) * 15, Note: note, CreatedAt: now}, nil
}

// Rating is the coordinator's rating of a responder's work on an incident.
type Rating struct {
	AskID      string    `json:"ask_id"`
	IncidentID string    `json:"incident_id"`
	UserID     string    `json:"user_id"`
	Score      int       `json:"score"`
	Comment    string    `json:"comment,omitempty"`
	RatedBy    string    `json:"rated_by"`
	RatedAt    time.Time `json:"rated_at"`
}

// NewRating is the input of a rating.
type NewRating struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

// Check validates r for ask a on incident inc: a responder is rated once,
// after they were released or the incident was resolved, with 1–5.
func (r NewRating) Check(a Ask, inc Incident, by string, now time.Time) (Rating, error) {
	switch {
	case a.State != AskAccepted && a.State != AskReleased:
		return Rating{}, errs.Conflict("alliance.not_accepted", "only a responder who worked the incident can be rated")
	case a.State == AskAccepted && !inc.Finished():
		return Rating{}, errs.Conflict("alliance.rate_too_early", "rate a responder once released or once the incident is resolved")
	case a.Rating != 0:
		return Rating{}, errs.Conflict("alliance.already_rated", "this responder was already rated for this incident")
	}
	var f errs.Fields
	if r.Score < 1 || r.Score > 5 {
		f.Add("score", "alliance.bad_score", "a score from 1 to 5")
	}
	c := strings.TrimSpace(r.Comment)
	if len([]rune(c)) > maxNote {
		f.Add("comment", "alliance.too_long", fmt.Sprintf("at most %d characters", maxNote))
	}
	if err := f.Err("alliance.bad_rating"); err != nil {
		return Rating{}, err
	}
	return Rating{AskID: a.ID, IncidentID: a.IncidentID, UserID: a.UserID, Score: r.Score, Comment: c,
		RatedBy: by, RatedAt: now}, nil
}

// Worked is the hours logged on the ask.
func (a Ask) Worked() float64 { return float64(a.Minutes) / 60 }

// Worked is the entry's hours.
func (h Hours) Worked() float64 { return float64(h.Minutes) / 60 }
