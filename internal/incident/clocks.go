package incident

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"
	_ "time/tzdata" // Asia/Ho_Chi_Minh on machines without a zone database
)

// Clocks are data: profiles of legal reporting deadlines and service targets
// per severity (data/clocks.json), counted in calendar time or in working
// days of a calendar with holidays (data/holidays_vn.json).
//
// A clock starts at one event of the incident (detected, reported, …) and is
// met by another; its deadline is where the clock's running time reaches its
// amount. Running time excludes, for working-day clocks, weekends and holidays
// in Asia/Ho_Chi_Minh and, for pausable clocks (the service targets), the
// intervals in which the incident waited on the reporter. Clocks are a pure
// function of the incident's event times and pauses (Plan), so they are
// recomputed after every change; only the breach (when it was first seen) is
// state kept beside them.

//go:embed data/clocks.json
var clocksJSON []byte

//go:embed data/holidays_vn.json
var holidaysJSON []byte

// Units a clock is counted in.
const (
	UnitHours        = "hours"
	UnitCalendarDays = "calendar_days"
	UnitWorkingDays  = "working_days"
	UnitMonths       = "months"
)

// Events a clock starts or stops at.
const (
	EventDetected   = "detected"
	EventReported   = "reported"
	EventTriaged    = "triaged"
	EventResponded  = "responded"
	EventContained  = "contained"
	EventResolved   = "resolved"
	EventClosed     = "closed"
	EventLastUpdate = "last_update"
)

var events = []string{EventDetected, EventReported, EventTriaged, EventResponded, EventContained,
	EventResolved, EventClosed, EventLastUpdate}

// ClockDef is one configured clock.
type ClockDef struct {
	Name     string `json:"name"`
	Start    string `json:"start"`
	Stop     string `json:"stop"`
	Amount   int    `json:"amount"`
	Unit     string `json:"unit"`
	Pausable bool   `json:"pausable,omitempty"`
	Legal    bool   `json:"-"` // from a legal profile, not a service target
}

// Profile is a named set of legal clocks. A profile with When
// "personal_data" applies, in addition to the incident's own profile, to
// every incident involving personal data.
type Profile struct {
	Name   string     `json:"name"`
	When   string     `json:"when,omitempty"`
	Clocks []ClockDef `json:"clocks"`
}

// Targets are service targets in hours for one severity; 0 means none.
type Targets struct {
	Triage        int `json:"triage"`
	FirstResponse int `json:"first_response"`
	Update        int `json:"update"`
}

// ClockConfig is every clock Khiên runs.
type ClockConfig struct {
	Default  string               `json:"default"`
	Profiles []Profile            `json:"profiles"`
	Targets  map[Severity]Targets `json:"targets"`
	Calendar Calendar             `json:"-"`
}

// Calendar says which days are working days, in its zone.
type Calendar struct {
	Zone     *time.Location
	Holidays map[string]bool // "2006-01-02" in Zone
}

// Zone is where working days are counted and times shown: Asia/Ho_Chi_Minh.
func Zone() *time.Location {
	z, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return time.FixedZone("ICT", 7*3600)
	}
	return z
}

// WorkingDay reports whether the day containing t (in the calendar's zone) is
// a working day.
func (c Calendar) WorkingDay(t time.Time) bool {
	t = t.In(c.Zone)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !c.Holidays[t.Format(time.DateOnly)]
}

// DefaultClocks returns the embedded configuration.
func DefaultClocks() (*ClockConfig, error) {
	return ParseClocks(clocksJSON, holidaysJSON)
}

// ParseClocks reads a clock configuration and a holiday list and checks them.
func ParseClocks(clocks, holidays []byte) (*ClockConfig, error) {
	var cfg ClockConfig
	if err := json.Unmarshal(clocks, &cfg); err != nil {
		return nil, fmt.Errorf("incident: clock configuration: %w", err)
	}
	var h struct {
		Dates []string `json:"dates"`
	}
	if err := json.Unmarshal(holidays, &h); err != nil {
		return nil, fmt.Errorf("incident: holidays: %w", err)
	}
	cfg.Calendar = Calendar{Zone: Zone(), Holidays: map[string]bool{}}
	for _, d := range h.Dates {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return nil, fmt.Errorf("incident: holiday %q: %w", d, err)
		}
		cfg.Calendar.Holidays[d] = true
	}
	if cfg.Profile(cfg.Default) == nil || cfg.Profile(cfg.Default).When != "" {
		return nil, fmt.Errorf("incident: default clock profile %q is not a base profile", cfg.Default)
	}
	for pi := range cfg.Profiles {
		p := &cfg.Profiles[pi]
		if p.When != "" && p.When != "personal_data" {
			return nil, fmt.Errorf("incident: profile %s: unknown condition %q", p.Name, p.When)
		}
		for i := range p.Clocks {
			p.Clocks[i].Legal = true
			if err := p.Clocks[i].check(); err != nil {
				return nil, fmt.Errorf("incident: profile %s: %w", p.Name, err)
			}
		}
	}
	for _, s := range Severities {
		if _, ok := cfg.Targets[s]; !ok {
			return nil, fmt.Errorf("incident: no service targets for %s", s)
		}
	}
	return &cfg, nil
}

func (d ClockDef) check() error {
	if d.Name == "" || d.Amount <= 0 || d.Amount > 10000 || !slices.Contains(events, d.Start) || !slices.Contains(events, d.Stop) ||
		!slices.Contains([]string{UnitHours, UnitCalendarDays, UnitWorkingDays, UnitMonths}, d.Unit) {
		return fmt.Errorf("clock %q: needs a name, a positive amount, known start/stop events and unit", d.Name)
	}
	return nil
}

// Profile returns the named profile, nil if there is none.
func (c *ClockConfig) Profile(name string) *Profile {
	for i := range c.Profiles {
		if c.Profiles[i].Name == name {
			return &c.Profiles[i]
		}
	}
	return nil
}

// BaseProfiles lists the profiles an incident may be run under.
func (c *ClockConfig) BaseProfiles() []string {
	var out []string
	for _, p := range c.Profiles {
		if p.When == "" {
			out = append(out, p.Name)
		}
	}
	return out
}

// Defs lists the clocks that apply to inc: its profile's, those of profiles
// applying by condition, and the service targets of its severity (the
// proposed one until triage).
func (c *ClockConfig) Defs(inc Incident) []ClockDef {
	var out []ClockDef
	for _, p := range c.Profiles {
		if p.Name == inc.ClockProfile || p.When == "personal_data" && inc.PersonalData {
			out = append(out, p.Clocks...)
		}
	}
	sev := inc.Severity
	if sev == "" {
		sev = inc.ProposedSeverity
	}
	t, ok := c.Targets[sev]
	if !ok {
		t = c.Targets[S2]
	}
	add := func(name, start, stop string, h int) {
		if h > 0 {
			out = append(out, ClockDef{Name: name, Start: start, Stop: stop, Amount: h, Unit: UnitHours, Pausable: true})
		}
	}
	add("triage", EventReported, EventTriaged, t.Triage)
	add("first_response", EventReported, EventResponded, t.FirstResponse)
	add("update", EventLastUpdate, EventResolved, t.Update)
	return out
}

// eventTime is when event ev happened to inc; zero if it has not.
func eventTime(inc Incident, ev string) time.Time {
	switch ev {
	case EventDetected:
		return inc.DetectedAt
	case EventReported:
		return inc.ReportedAt
	case EventTriaged:
		return inc.TriagedAt
	case EventResponded:
		return inc.FirstResponseAt
	case EventContained:
		return inc.ContainedAt
	case EventResolved:
		return inc.ResolvedAt
	case EventClosed:
		return inc.ClosedAt
	case EventLastUpdate:
		if inc.TriagedAt.IsZero() {
			return time.Time{}
		}
		if inc.LastUpdateAt.After(inc.TriagedAt) {
			return inc.LastUpdateAt
		}
		return inc.TriagedAt
	}
	return time.Time{}
}

// Clock is one clock of one incident.
type Clock struct {
	Name       string    `json:"name"`
	Legal      bool      `json:"legal"`
	Unit       string    `json:"unit"`
	Amount     int       `json:"amount"`
	StartedAt  time.Time `json:"started_at"`
	DeadlineAt time.Time `json:"deadline_at"`
	Paused     bool      `json:"paused"`
	MetAt      time.Time `json:"met_at,omitzero"`
	BreachedAt time.Time `json:"breached_at,omitzero"` // when Khiên first saw the breach
}

// Clock states as shown.
const (
	ClockRunning  = "running"
	ClockPaused   = "paused"
	ClockMet      = "met"
	ClockBreached = "breached"
)

// Status is the clock's state at now.
func (c Clock) Status(now time.Time) string {
	switch {
	case !c.MetAt.IsZero() && !c.MetAt.After(c.DeadlineAt):
		return ClockMet
	case !c.MetAt.IsZero(), !c.BreachedAt.IsZero(), now.After(c.DeadlineAt) && !c.Paused:
		return ClockBreached
	case c.Paused:
		return ClockPaused
	}
	return ClockRunning
}

// Late reports whether the clock missed its deadline (met late, or running past it).
func (c Clock) Late(now time.Time) bool { return c.Status(now) == ClockBreached }

// Remaining is the wall-clock time left until the deadline at now (negative
// when past), or zero for a met clock.
func (c Clock) Remaining(now time.Time) time.Duration {
	if !c.MetAt.IsZero() {
		return 0
	}
	return c.DeadlineAt.Sub(now)
}

// Plan computes the clocks of inc that have started, given its pauses, at
// now. Rejected and merged incidents run no clocks. A pausable clock in an
// open pause is reported Paused with the deadline it would have if the pause
// ended now.
func (c *ClockConfig) Plan(inc Incident, pauses []Pause, now time.Time) []Clock {
	if inc.State == StateRejected || inc.State == StateMerged {
		return nil
	}
	var out []Clock
	for _, d := range c.Defs(inc) {
		start := eventTime(inc, d.Start)
		if start.IsZero() {
			continue
		}
		cl := Clock{Name: d.Name, Legal: d.Legal, Unit: d.Unit, Amount: d.Amount, StartedAt: start.UTC(),
			MetAt: eventTime(inc, d.Stop)}
		if !cl.MetAt.IsZero() && cl.MetAt.Before(start) && d.Start != EventLastUpdate {
			cl.MetAt = start // stopped before it started (an event recorded out of order)
		}
		if d.Start == EventLastUpdate && !cl.MetAt.IsZero() && cl.MetAt.Before(start) {
			cl.MetAt = time.Time{}
		}
		var ps []Pause
		if d.Pausable {
			for _, p := range pauses {
				if p.End.IsZero() {
					if cl.MetAt.IsZero() {
						cl.Paused = true
					}
					p.End = now
				}
				ps = append(ps, p)
			}
		}
		cl.DeadlineAt = Deadline(start, d.Amount, d.Unit, c.Calendar, ps).UTC()
		out = append(out, cl)
	}
	return out
}

// Deadline is when a clock of amount units started at start runs out, given
// the calendar and closed pauses (End set).
func Deadline(start time.Time, amount int, unit string, cal Calendar, pauses []Pause) time.Time {
	if cal.Zone == nil {
		cal.Zone = Zone()
	}
	var need time.Duration
	working := false
	switch unit {
	case UnitHours:
		need = time.Duration(amount) * time.Hour
	case UnitCalendarDays:
		l := start.In(cal.Zone)
		need = l.AddDate(0, 0, amount).Sub(l)
	case UnitMonths:
		l := start.In(cal.Zone)
		need = l.AddDate(0, amount, 0).Sub(l)
	case UnitWorkingDays:
		need, working = time.Duration(amount)*24*time.Hour, true
	}
	return run(start, need, working, cal, pauses)
}

// run walks from start until need of counting time has passed. Time counts
// outside pauses and, when working, on working days only. The walk goes
// segment by segment: to the next local midnight or pause boundary.
func run(start time.Time, need time.Duration, working bool, cal Calendar, pauses []Pause) time.Time {
	ps := slices.Clone(pauses)
	sort.Slice(ps, func(i, j int) bool { return ps[i].Start.Before(ps[j].Start) })
	t := start
	for range 100000 { // bounded: a year of days plus every pause boundary
		end := nextMidnight(t, cal.Zone)
		counts := !working || cal.WorkingDay(t)
		for _, p := range ps {
			switch {
			case !p.Start.After(t) && p.End.After(t): // inside a pause
				counts = false
				if p.End.Before(end) {
					end = p.End
				}
			case p.Start.After(t) && p.Start.Before(end):
				end = p.Start
			}
		}
		if counts {
			if seg := end.Sub(t); seg >= need {
				return t.Add(need)
			} else {
				need -= seg
			}
		}
		t = end
	}
	return t
}

func nextMidnight(t time.Time, z *time.Location) time.Time {
	l := t.In(z)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, z)
}
