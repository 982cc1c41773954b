package advisory

import "time"

// Rungs of the escalation ladder an overdue item climbs.
const (
	RungOrgCISO     = "org-ciso"    // level 1: the organisation's CISO
	RungParent      = "parent"      // level 2: the parent organisation's CISO and duty contacts
	RungCoordinator = "coordinator" // level 3: the coordinating body
)

// Ladder is the escalation ladder: Delays[i] is how long after the previous
// rung (after the due date, for the first) rung i+1 is reached.
type Ladder struct {
	Delays [3]time.Duration
}

// DefaultLadder: the CISO the day after the due date, the parent a week
// later, the coordinating body a week after that.
var DefaultLadder = Ladder{Delays: [3]time.Duration{Day, 7 * Day, 7 * Day}}

// Rungs names the ladder's levels 1..3.
var Rungs = [3]string{RungOrgCISO, RungParent, RungCoordinator}

// Level is the rung an item should have reached at now (0 when it is not
// overdue enough, or not overdue at all).
func (l Ladder) Level(it ActionItem, now time.Time) int {
	if !it.Overdue(now) {
		return 0
	}
	at, level := it.DueAt, 0
	for _, d := range l.Delays {
		at = at.Add(d)
		if now.Before(at) {
			break
		}
		level++
	}
	return level
}

// Step is one escalation the sweeper applies: item climbs to Level.
type Step struct {
	ItemID string
	Level  int
	Rung   string
}

// Climb lists the escalation steps due at now for items: each item climbs
// one rung per sweep at most, so every rung is told (and audited) in turn
// even after a long outage.
func (l Ladder) Climb(items []ActionItem, now time.Time) []Step {
	var out []Step
	for _, it := range items {
		if want := l.Level(it, now); want > it.EscalationLevel && it.EscalationLevel < len(Rungs) {
			next := it.EscalationLevel + 1
			out = append(out, Step{ItemID: it.ID, Level: next, Rung: Rungs[next-1]})
		}
	}
	return out
}
