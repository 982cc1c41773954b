package incident

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/page"
)

func mustClocks(t *testing.T) *ClockConfig {
	t.Helper()
	c, err := DefaultClocks()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hcm is a wall-clock time in Asia/Ho_Chi_Minh.
func hcm(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, Zone())
}

// sleepUntil advances the bubble's fake clock to t.
func sleepUntil(t time.Time) { time.Sleep(time.Until(t)) }

func clockOf(t *testing.T, cs []Clock, name string) Clock {
	t.Helper()
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no clock %q in %+v", name, cs)
	return Clock{}
}

// step is one point of a clock's life: at that wall-clock time (after the
// events so far), the clock has this status.
type step struct {
	at     time.Time
	event  func(inc *Incident, pauses *[]Pause)
	status string
}

func TestClocks(t *testing.T) {
	cfg := mustClocks(t)
	cases := []struct {
		name     string
		inc      Incident
		clock    string
		deadline time.Time // in Asia/Ho_Chi_Minh
		steps    []step
	}{
		{
			name:  "Circular 20: 5 working days from detection, over a weekend",
			inc:   Incident{ClockProfile: "vn-circular-20-2017", DetectedAt: hcm(2026, 3, 6, 16, 0)}, // Friday
			clock: "notify", deadline: hcm(2026, 3, 13, 16, 0),
			steps: []step{
				{at: hcm(2026, 3, 12, 16, 0), status: ClockRunning},
				{at: hcm(2026, 3, 13, 16, 1), status: ClockBreached},
			},
		},
		{
			name:  "Circular 20: detected on a Saturday counts from Monday",
			inc:   Incident{ClockProfile: "vn-circular-20-2017", DetectedAt: hcm(2026, 3, 7, 12, 0)},
			clock: "notify", deadline: hcm(2026, 3, 14, 0, 0),
			steps: []step{{at: hcm(2026, 3, 13, 23, 59), status: ClockRunning}},
		},
		{
			name:  "Circular 20: holidays (Hùng Kings, 30/4, 1/5) do not count",
			inc:   Incident{ClockProfile: "vn-circular-20-2017", DetectedAt: hcm(2026, 4, 24, 10, 0)},
			clock: "notify", deadline: hcm(2026, 5, 6, 10, 0),
		},
		{
			name:  "working days are counted in Hà Nội, not UTC: Monday 06:00 there is Sunday in UTC",
			inc:   Incident{ClockProfile: "vn-circular-20-2017", DetectedAt: hcm(2026, 3, 9, 6, 0)},
			clock: "notify", deadline: hcm(2026, 3, 16, 6, 0),
		},
		{
			name:  "Circular 20: reported in time meets the clock",
			inc:   Incident{ClockProfile: "vn-circular-20-2017", DetectedAt: hcm(2026, 3, 9, 9, 0)},
			clock: "notify", deadline: hcm(2026, 3, 16, 9, 0),
			steps: []step{
				{at: hcm(2026, 3, 10, 9, 0), event: func(i *Incident, _ *[]Pause) { i.ReportedAt = time.Now() }, status: ClockMet},
				{at: hcm(2026, 4, 1, 0, 0), status: ClockMet},
			},
		},
		{
			name:  "Decree 13: 72 calendar hours for personal data, weekend included",
			inc:   Incident{ClockProfile: "vn-circular-20-2017", PersonalData: true, DetectedAt: hcm(2026, 3, 6, 16, 0)},
			clock: "personal_data_notify", deadline: hcm(2026, 3, 9, 16, 0),
			steps: []step{
				{at: hcm(2026, 3, 9, 15, 59), status: ClockRunning},
				{at: hcm(2026, 3, 9, 16, 30), status: ClockBreached},
				{at: hcm(2026, 3, 9, 17, 0), event: func(i *Incident, _ *[]Pause) { i.ReportedAt = time.Now() }, status: ClockBreached},
			},
		},
		{
			name:  "NIS2: early warning 24 h",
			inc:   Incident{ClockProfile: "nis2", DetectedAt: hcm(2026, 3, 6, 16, 0)},
			clock: "early_warning", deadline: hcm(2026, 3, 7, 16, 0),
		},
		{
			name:  "NIS2: final report one month after the report",
			inc:   Incident{ClockProfile: "nis2", DetectedAt: hcm(2026, 1, 15, 8, 0), ReportedAt: hcm(2026, 1, 15, 9, 0)},
			clock: "final_report", deadline: hcm(2026, 2, 15, 9, 0),
		},
		{
			name: "Circular 20: final report 5 working days after resolution",
			inc: Incident{ClockProfile: "vn-circular-20-2017", DetectedAt: hcm(2026, 3, 2, 8, 0), ReportedAt: hcm(2026, 3, 2, 9, 0),
				ResolvedAt: hcm(2026, 3, 4, 14, 0)},
			clock: "final_report", deadline: hcm(2026, 3, 11, 14, 0),
			steps: []step{{at: hcm(2026, 3, 11, 13, 0), event: func(i *Incident, _ *[]Pause) { i.ClosedAt = time.Now() }, status: ClockMet}},
		},
		{
			name: "triage target (S2: 4 h) pauses while waiting on the reporter",
			inc: Incident{ClockProfile: "vn-circular-20-2017", ProposedSeverity: S2, DetectedAt: hcm(2026, 3, 9, 8, 0),
				ReportedAt: hcm(2026, 3, 9, 9, 0)},
			clock: "triage", deadline: hcm(2026, 3, 9, 13, 0),
			steps: []step{
				{at: hcm(2026, 3, 9, 10, 0), event: func(_ *Incident, p *[]Pause) { *p = append(*p, Pause{Start: time.Now()}) }, status: ClockPaused},
				{at: hcm(2026, 3, 9, 14, 0), status: ClockPaused}, // past the unpaused deadline, still not breached
				{at: hcm(2026, 3, 9, 12, 0).Add(24 * time.Hour), status: ClockPaused},
			},
		},
		{
			name: "a closed pause moves the deadline by its length",
			inc: Incident{ClockProfile: "vn-circular-20-2017", ProposedSeverity: S2, DetectedAt: hcm(2026, 3, 9, 8, 0),
				ReportedAt: hcm(2026, 3, 9, 9, 0)},
			clock: "triage", deadline: hcm(2026, 3, 9, 13, 0),
			steps: []step{
				{at: hcm(2026, 3, 9, 10, 0), event: func(_ *Incident, p *[]Pause) { *p = append(*p, Pause{Start: time.Now()}) }, status: ClockPaused},
				{at: hcm(2026, 3, 9, 12, 0), event: func(_ *Incident, p *[]Pause) { (*p)[0].End = time.Now() }, status: ClockRunning},
				{at: hcm(2026, 3, 9, 14, 59), status: ClockRunning},
				{at: hcm(2026, 3, 9, 15, 1), status: ClockBreached},
			},
		},
		{
			name:  "legal clocks do not pause",
			inc:   Incident{ClockProfile: "vn-circular-20-2017", PersonalData: true, DetectedAt: hcm(2026, 3, 9, 8, 0)},
			clock: "personal_data_notify", deadline: hcm(2026, 3, 12, 8, 0),
			steps: []step{
				{at: hcm(2026, 3, 9, 10, 0), event: func(_ *Incident, p *[]Pause) { *p = append(*p, Pause{Start: time.Now()}) }, status: ClockRunning},
				{at: hcm(2026, 3, 12, 9, 0), status: ClockBreached},
			},
		},
		{
			name: "update cadence (S3: 8 h) restarts with each update",
			inc: Incident{ClockProfile: "vn-circular-20-2017", Severity: S3, DetectedAt: hcm(2026, 3, 9, 8, 0),
				ReportedAt: hcm(2026, 3, 9, 8, 30), TriagedAt: hcm(2026, 3, 9, 9, 0)},
			clock: "update", deadline: hcm(2026, 3, 9, 17, 0),
			steps: []step{
				{at: hcm(2026, 3, 9, 16, 0), event: func(i *Incident, _ *[]Pause) { i.LastUpdateAt = time.Now() }, status: ClockRunning},
				{at: hcm(2026, 3, 9, 23, 59), status: ClockRunning},
				{at: hcm(2026, 3, 10, 0, 1), status: ClockBreached},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				inc := c.inc
				if inc.ReportedAt.IsZero() && c.clock != "notify" && c.clock != "personal_data_notify" && c.clock != "early_warning" {
					inc.ReportedAt = inc.DetectedAt
				}
				var pauses []Pause
				sleepUntil(inc.DetectedAt)
				got := clockOf(t, cfg.Plan(inc, pauses, time.Now()), c.clock)
				if !got.DeadlineAt.Equal(c.deadline) {
					t.Fatalf("deadline %s, want %s", got.DeadlineAt.In(Zone()), c.deadline)
				}
				if got.DeadlineAt.Location() != time.UTC {
					t.Errorf("deadline not in UTC: %v", got.DeadlineAt.Location())
				}
				for i, s := range c.steps {
					sleepUntil(s.at)
					if s.event != nil {
						s.event(&inc, &pauses)
					}
					cl := clockOf(t, cfg.Plan(inc, pauses, time.Now()), c.clock)
					if st := cl.Status(time.Now()); st != s.status {
						t.Errorf("step %d at %s: status %s, want %s (deadline %s)", i, s.at.In(Zone()).Format(time.DateTime),
							st, s.status, cl.DeadlineAt.In(Zone()))
					}
				}
			})
		})
	}
}

func TestDeadlineCalendarVsWorkingDays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cal := mustClocks(t).Calendar
		start := hcm(2026, 3, 6, 16, 0) // Friday
		if got := Deadline(start, 5, UnitCalendarDays, cal, nil); !got.Equal(hcm(2026, 3, 11, 16, 0)) {
			t.Errorf("5 calendar days: %s", got.In(Zone()))
		}
		if got := Deadline(start, 5, UnitWorkingDays, cal, nil); !got.Equal(hcm(2026, 3, 13, 16, 0)) {
			t.Errorf("5 working days: %s", got.In(Zone()))
		}
		// Tết 2026: Monday 16 to Friday 20 February are holidays.
		if got := Deadline(hcm(2026, 2, 13, 9, 0), 1, UnitWorkingDays, cal, nil); !got.Equal(hcm(2026, 2, 23, 9, 0)) {
			t.Errorf("1 working day over Tết: %s", got.In(Zone()))
		}
	})
}

func TestProposeSeverity(t *testing.T) {
	for _, c := range []struct {
		level  int
		impact Impact
		pd     bool
		want   Severity
	}{
		{0, ImpactLow, false, S0}, {0, ImpactMedium, false, S1}, {1, ImpactNone, false, S0},
		{3, ImpactMedium, false, S2}, {4, ImpactHigh, false, S4}, {5, ImpactCritical, false, S4},
		{1, ImpactLow, true, S2}, {2, ImpactHigh, false, S2},
	} {
		if got := ProposeSeverity(c.level, c.impact, c.pd); got != c.want {
			t.Errorf("ProposeSeverity(%d, %s, %v) = %s, want %s", c.level, c.impact, c.pd, got, c.want)
		}
	}
}

// fakeSweepStore counts sweeps; the real store's exactly-once marking is
// tested on both engines in package store.
type fakeSweepStore struct {
	Store
	mu     sync.Mutex
	sweeps []time.Time
}

func (f *fakeSweepStore) SweepClocks(_ context.Context, now time.Time, build func(Breach) []notify.Notice) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sweeps = append(f.sweeps, now)
	if ns := build(Breach{Reference: "KH-2026-000001", OrgID: "o", Clock: "triage", DeadlineAt: now}); ns[0].Kind != NoticeBreach ||
		ns[0].Ref != "KH-2026-000001" || len(ns[0].Contacts) != 2 {
		panic("bad breach notice")
	}
	return 0, nil
}

func (f *fakeSweepStore) ListIncidents(context.Context, Viewer, Filter, page.Request) (page.Result[Incident], error) {
	return page.Result[Incident]{}, nil
}

func TestSweeperRunsOnItsInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &fakeSweepStore{}
		svc, err := New(Deps{Store: st})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { svc.RunSweeper(ctx, time.Minute); close(done) }()
		time.Sleep(3*time.Minute + time.Second)
		synctest.Wait()
		st.mu.Lock()
		n := len(st.sweeps)
		st.mu.Unlock()
		if n != 4 { // at start, then after 1, 2 and 3 minutes
			t.Errorf("swept %d times, want 4", n)
		}
		cancel()
		<-done
		_ = auth.System()
	})
}
