package advisory

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestDuePolicy checks the due-date table, the KEV override and the BOD
// 22-01 profile against the clock, as an item opened now would get them.
func TestDuePolicy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(24 * time.Hour) // the bubble's clock moves only when asked; start a day in
		now := time.Now().UTC()
		kevDue := now.Add(10 * Day)
		cases := []struct {
			name    string
			rec     Record
			level   int
			profile string
			want    time.Time
		}{
			{"critical on level 5", rec(SeverityCritical, nil), 5, "", now.Add(7 * Day)},
			{"critical on level 4", rec(SeverityCritical, nil), 4, "", now.Add(7 * Day)},
			{"critical on level 3", rec(SeverityCritical, nil), 3, "", now.Add(15 * Day)},
			{"high on level 4", rec(SeverityHigh, nil), 4, "", now.Add(15 * Day)},
			{"high on level 1", rec(SeverityHigh, nil), 1, "", now.Add(30 * Day)},
			{"medium on level 5", rec(SeverityMedium, nil), 5, "", now.Add(30 * Day)},
			{"medium on level 2", rec(SeverityMedium, nil), 2, "", now.Add(60 * Day)},
			{"low on level 4", rec(SeverityLow, nil), 4, "", now.Add(90 * Day)},
			{"low on level 3", rec(SeverityLow, nil), 3, "", now.Add(180 * Day)},
			{"unknown severity falls back to none", rec("weird", nil), 3, "", now.Add(180 * Day)},
			{"KEV due date wins", kev(rec(SeverityLow, nil), kevDue), 1, "", endOfDay(kevDue)},
			{"KEV due date wins over BOD", kev(rec(SeverityLow, []string{"CVE-2019-1"}), kevDue), 1, ProfileBOD2201, endOfDay(kevDue)},
			{"KEV listed long ago: shortest period", kev(rec(SeverityLow, nil), now.Add(-400*Day)), 1, "", now.Add(7 * Day)},
			{"BOD: CVE since 2021", rec(SeverityLow, []string{"CVE-2023-4863"}), 1, ProfileBOD2201, now.Add(14 * Day)},
			{"BOD: older CVE", rec(SeverityCritical, []string{"CVE-2017-0144"}), 5, ProfileBOD2201, now.AddDate(0, 6, 0)},
			{"BOD as the advisory's own profile", withProfile(rec(SeverityHigh, []string{"CVE-2014-0160"}), ProfileBOD2201), 5, "", now.AddDate(0, 6, 0)},
		}
		for _, c := range cases {
			got := DuePolicy{Profile: c.profile}.Due(c.rec, c.level, time.Now().UTC())
			if !got.Equal(c.want) {
				t.Errorf("%s: due %v, want %v", c.name, got, c.want)
			}
		}
		// A configured table replaces the default.
		p := DuePolicy{Table: map[string][2]int{SeverityCritical: {3, 1}}}
		if got := p.Due(rec(SeverityCritical, nil), 5, now); !got.Equal(now.Add(Day)) {
			t.Errorf("custom table: %v", got)
		}
		if got := p.Due(rec(SeverityHigh, nil), 5, now); !got.Equal(now.Add(15 * Day)) {
			t.Errorf("a severity the custom table leaves out: %v, want the built-in 15 days", got)
		}
	})
}

func rec(sev string, cves []string) Record {
	return Record{Advisory: Advisory{Severity: sev, CVEs: cves}}
}

func kev(r Record, due time.Time) Record {
	r.KnownExploited, r.KEVDueDate = true, due
	return r
}

func withProfile(r Record, p string) Record {
	r.DueProfile = p
	return r
}

// TestLadder walks an overdue item up the ladder as time passes: one rung
// per sweep, each after its delay, none while an exception covers it.
func TestLadder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := Ladder{Delays: [3]time.Duration{Day, 2 * Day, 3 * Day}}
		it := ActionItem{ID: "a", State: StateAcknowledged, DueAt: time.Now().Add(5 * Day)}
		sweep := func() []Step {
			steps := l.Climb([]ActionItem{it}, time.Now())
			for _, s := range steps {
				it.EscalationLevel = s.Level
			}
			return steps
		}
		for _, c := range []struct {
			wait  time.Duration
			level int
			rung  string
		}{
			{5 * Day, 0, ""},              // due now, not yet overdue by a day
			{Day - time.Minute, 0, ""},    // just before the first delay
			{time.Minute, 1, RungOrgCISO}, // a day overdue
			{2*Day - time.Second, 1, ""},  // not yet the parent
			{time.Second, 2, RungParent},  // three days overdue
			{3 * Day, 3, RungCoordinator}, // six days overdue
			{30 * Day, 3, ""},             // the top: nothing more
		} {
			time.Sleep(c.wait)
			steps := sweep()
			if it.EscalationLevel != c.level {
				t.Fatalf("after %v: level %d, want %d", time.Until(it.DueAt), it.EscalationLevel, c.level)
			}
			if c.rung != "" && (len(steps) != 1 || steps[0].Rung != c.rung) {
				t.Fatalf("steps %+v, want rung %s", steps, c.rung)
			}
			if c.rung == "" && len(steps) != 0 {
				t.Fatalf("unexpected steps %+v", steps)
			}
		}
		// After a long outage an item climbs one rung per sweep, so every
		// rung is told in turn.
		late := ActionItem{ID: "b", State: StateOpen, DueAt: time.Now().Add(-100 * Day)}
		for want := 1; want <= 3; want++ {
			steps := l.Climb([]ActionItem{late}, time.Now())
			if len(steps) != 1 || steps[0].Level != want {
				t.Fatalf("outage sweep %d: %+v", want, steps)
			}
			late.EscalationLevel = want
		}
		// An exception or a closed state stops the climb.
		ex := ActionItem{ID: "c", State: StateOpen, DueAt: time.Now().Add(-10 * Day), ExceptionUntil: time.Now().Add(Day)}
		done := ActionItem{ID: "d", State: StateVerified, DueAt: time.Now().Add(-10 * Day)}
		if steps := l.Climb([]ActionItem{ex, done}, time.Now()); len(steps) != 0 {
			t.Fatalf("excepted or verified items climbed: %+v", steps)
		}
		time.Sleep(Day + time.Second) // the exception expires by itself
		if steps := l.Climb([]ActionItem{ex}, time.Now()); len(steps) != 1 {
			t.Fatalf("after the exception ended: %+v", steps)
		}
	})
}
