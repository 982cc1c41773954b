package alliance

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Ho_Chi_Minh on machines without a zone database

	"github.com/khien-cert/khien/internal/errs"
)

// Zone is where weekly schedules are read: Asia/Ho_Chi_Minh.
var Zone = loadZone()

func loadZone() *time.Location {
	if z, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return z
	}
	return time.FixedZone("ICT", 7*3600) // Việt Nam keeps UTC+7 all year
}

// Slot is one on-call window of the weekly schedule, in wall-clock minutes
// after local midnight: [Start, End) on Day. A window across midnight is two
// slots. In JSON and forms a slot is its String form, "Mon 08:00-17:30".
type Slot struct {
	Day   time.Weekday // 0 Sunday … 6 Saturday
	Start int          // minutes after midnight, 0–1439
	End   int          // minutes after midnight, 1–1440, after Start
}

// MarshalText writes the String form.
func (s Slot) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads the String form.
func (s *Slot) UnmarshalText(b []byte) error {
	v, err := ParseSlot(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// String renders a slot as "Mon 08:00-17:30" (a stable form for logs and
// forms).
func (s Slot) String() string {
	if s.Day < time.Sunday || s.Day > time.Saturday {
		return fmt.Sprintf("day%d %s-%s", int(s.Day), clock(s.Start), clock(s.End))
	}
	return fmt.Sprintf("%s %s-%s", s.Day.String()[:3], clock(s.Start), clock(s.End))
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// ParseSlot reads the String form, e.g. "Mon 08:00-17:30" or "sun 00:00-24:00".
func ParseSlot(s string) (Slot, error) {
	if len(s) > 64 {
		return Slot{}, fmt.Errorf("slot too long")
	}
	day, span, ok := strings.Cut(strings.TrimSpace(s), " ")
	from, to, ok2 := strings.Cut(strings.TrimSpace(span), "-")
	if !ok || !ok2 {
		return Slot{}, fmt.Errorf("want \"Mon 08:00-17:30\", got %q", s)
	}
	d := -1
	for w := time.Sunday; w <= time.Saturday; w++ {
		if strings.EqualFold(day, w.String()[:3]) || strings.EqualFold(day, w.String()) {
			d = int(w)
		}
	}
	if d < 0 {
		return Slot{}, fmt.Errorf("unknown day %q", day)
	}
	a, err := parseClock(from)
	if err != nil {
		return Slot{}, err
	}
	b, err := parseClock(to)
	if err != nil {
		return Slot{}, err
	}
	sl := Slot{Day: time.Weekday(d), Start: a, End: b}
	return sl, sl.check()
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh == 24 && mm != 0 {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return hh*60 + mm, nil
}

func (s Slot) check() error {
	if s.Day < time.Sunday || s.Day > time.Saturday || s.Start < 0 || s.End > 24*60 || s.Start >= s.End {
		return fmt.Errorf("slot %d %d-%d is not a window within one day", s.Day, s.Start, s.End)
	}
	return nil
}

// Period is an explicit stretch of unavailability (leave, travel).
type Period struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Reason string    `json:"reason,omitempty"`
}

// Availability is a responder's on-call schedule.
type Availability struct {
	Weekly      []Slot   `json:"weekly"`
	Unavailable []Period `json:"unavailable"`
}

// maxSlots and maxPeriods bound a schedule.
const (
	maxSlots   = 7 * 6
	maxPeriods = 50
	maxReason  = 200
)

// Normalize sorts the schedule and checks it: each slot is a window within a
// day, slots of one day do not overlap, and each period ends after it starts.
func (a *Availability) Normalize() error {
	var f errs.Fields
	if len(a.Weekly) > maxSlots {
		f.Add("weekly", "alliance.too_many_slots", fmt.Sprintf("at most %d on-call windows", maxSlots))
	}
	if len(a.Unavailable) > maxPeriods {
		f.Add("unavailable", "alliance.too_many_periods", fmt.Sprintf("at most %d periods", maxPeriods))
	}
	slices.SortFunc(a.Weekly, func(x, y Slot) int {
		if x.Day != y.Day {
			return int(x.Day) - int(y.Day)
		}
		return x.Start - y.Start
	})
	for i, s := range a.Weekly {
		if err := s.check(); err != nil {
			f.Add(fmt.Sprintf("weekly[%d]", i), "alliance.bad_slot", "a window must start before it ends, within one day")
			continue
		}
		if i > 0 && a.Weekly[i-1].Day == s.Day && a.Weekly[i-1].End > s.Start {
			f.Add(fmt.Sprintf("weekly[%d]", i), "alliance.slot_overlap", "windows of one day must not overlap")
		}
	}
	for i := range a.Unavailable {
		p := &a.Unavailable[i]
		p.From, p.To, p.Reason = p.From.UTC(), p.To.UTC(), strings.TrimSpace(p.Reason)
		if p.From.IsZero() || !p.To.After(p.From) {
			f.Add(fmt.Sprintf("unavailable[%d]", i), "alliance.bad_period", "a period must end after it starts")
		}
		if len([]rune(p.Reason)) > maxReason {
			f.Add(fmt.Sprintf("unavailable[%d].reason", i), "alliance.too_long", fmt.Sprintf("at most %d characters", maxReason))
		}
	}
	slices.SortFunc(a.Unavailable, func(x, y Period) int { return x.From.Compare(y.From) })
	return f.Err("alliance.bad_availability")
}

// OnCallAt reports whether the schedule has t inside a weekly window and
// outside every unavailable period. Weekly windows are read in Zone.
func (a Availability) OnCallAt(t time.Time) bool {
	for _, p := range a.Unavailable {
		if !t.Before(p.From) && t.Before(p.To) {
			return false
		}
	}
	l := t.In(Zone)
	m := l.Hour()*60 + l.Minute()
	return slices.ContainsFunc(a.Weekly, func(s Slot) bool {
		return s.Day == l.Weekday() && m >= s.Start && m < s.End
	})
}

// NextOnCall returns the first instant at or after t, within horizon, when
// the responder is on call; ok is false when there is none.
func (a Availability) NextOnCall(t time.Time, horizon time.Duration) (at time.Time, ok bool) {
	end := t.Add(horizon)
	// Candidate instants: t itself, each window start and each period end.
	cands := []time.Time{t}
	day := time.Date(t.In(Zone).Year(), t.In(Zone).Month(), t.In(Zone).Day(), 0, 0, 0, 0, Zone)
	for d := day; d.Before(end); d = d.AddDate(0, 0, 1) {
		for _, s := range a.Weekly {
			if s.Day == d.Weekday() {
				cands = append(cands, d.Add(time.Duration(s.Start)*time.Minute))
			}
		}
	}
	for _, p := range a.Unavailable {
		cands = append(cands, p.To)
	}
	slices.SortFunc(cands, time.Time.Compare)
	for _, c := range cands {
		if c.Before(t) || c.After(end) {
			continue
		}
		if a.OnCallAt(c) {
			return c.UTC(), true
		}
	}
	return time.Time{}, false
}

// DefaultWeekly is office hours, Monday to Friday 08:00–17:30, the schedule
// of a new profile.
func DefaultWeekly() []Slot {
	var out []Slot
	for d := time.Monday; d <= time.Friday; d++ {
		out = append(out, Slot{Day: d, Start: 8 * 60, End: 17*60 + 30})
	}
	return out
}
