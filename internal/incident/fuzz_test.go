package incident

import (
	"testing"
	"time"
)

// Category strings come from reporters and API clients.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"intrusions/system-compromise", `ecsirt:malicious-code="c&c"`, `rsit:fraud="phishing"`, "x:", "/", ""} {
		f.Add(s)
	}
	tx := RSIT()
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := tx.Normalize(s)
		if ok && !tx.Valid(got) {
			t.Fatalf("Normalize(%q) = %q, which is not a current value", s, got)
		}
		if !ok && got != "" {
			t.Fatalf("Normalize(%q) failed but returned %q", s, got)
		}
	})
}

// Clock configurations and holiday lists are operator data.
func FuzzParseClocks(f *testing.F) {
	f.Add(clocksJSON, holidaysJSON)
	f.Add([]byte(`{"default":"x","profiles":[{"name":"x","clocks":[{"name":"a","start":"detected","stop":"reported","amount":1,"unit":"hours"}]}]}`), []byte(`{"dates":[]}`))
	f.Fuzz(func(t *testing.T, clocks, holidays []byte) {
		cfg, err := ParseClocks(clocks, holidays)
		if err != nil {
			return
		}
		// A configuration that parses plans clocks whose deadlines are not
		// before their start.
		inc := Incident{ClockProfile: cfg.Default, DetectedAt: time.Date(2026, 3, 9, 1, 0, 0, 0, time.UTC),
			ReportedAt: time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC), ProposedSeverity: S2}
		for _, c := range cfg.Plan(inc, nil, inc.ReportedAt) {
			if c.DeadlineAt.Before(c.StartedAt) {
				t.Fatalf("clock %s: deadline %s before start %s", c.Name, c.DeadlineAt, c.StartedAt)
			}
		}
	})
}

func BenchmarkDeadlineWorkingDays(b *testing.B) {
	cfg, err := DefaultClocks()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 2, 12, 3, 0, 0, 0, time.UTC)
	pauses := []Pause{{Start: start.Add(5 * time.Hour), End: start.Add(30 * time.Hour)}}
	for b.Loop() {
		Deadline(start, 5, UnitWorkingDays, cfg.Calendar, pauses)
	}
}
