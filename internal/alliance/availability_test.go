package alliance

import (
	"testing"
	"testing/synctest"
	"time"
)

func mustSlot(t *testing.T, s string) Slot {
	t.Helper()
	sl, err := ParseSlot(s)
	if err != nil {
		t.Fatal(err)
	}
	return sl
}

func TestParseSlot(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Slot
		bad  bool
	}{
		{in: "Mon 08:00-17:30", want: Slot{Day: time.Monday, Start: 480, End: 1050}},
		{in: "sunday 00:00-24:00", want: Slot{Day: time.Sunday, Start: 0, End: 1440}},
		{in: "Sat 22:00-22:00", bad: true},
		{in: "Sat 23:00-01:00", bad: true},
		{in: "Xyz 08:00-09:00", bad: true},
		{in: "Mon 8-9", bad: true},
		{in: "Mon 24:30-24:45", bad: true},
		{in: "", bad: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSlot(tc.in)
			if tc.bad {
				if err == nil {
					t.Fatalf("ParseSlot(%q) = %v, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseSlot(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			if back, _ := ParseSlot(got.String()); back != got {
				t.Errorf("round trip %q → %v", got.String(), back)
			}
		})
	}
}

func TestAvailabilityNormalize(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		a     Availability
		field string
	}{
		{name: "ok", a: Availability{Weekly: DefaultWeekly()}},
		{name: "overlap", a: Availability{Weekly: []Slot{{Day: 1, Start: 0, End: 600}, {Day: 1, Start: 500, End: 700}}}, field: "weekly[1]"},
		{name: "inverted", a: Availability{Weekly: []Slot{{Day: 1, Start: 600, End: 500}}}, field: "weekly[0]"},
		{name: "bad day", a: Availability{Weekly: []Slot{{Day: 9, Start: 0, End: 60}}}, field: "weekly[0]"},
		{name: "empty period", a: Availability{Unavailable: []Period{{From: t0, To: t0}}}, field: "unavailable[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.a.Normalize()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !hasField(err, tc.field) {
				t.Fatalf("Normalize() = %v, want a problem on %s", err, tc.field)
			}
		})
	}
}

// TestOnCallWindows walks a fake clock through a week: synctest's clock
// starts at 2000-01-01 00:00 UTC, a Saturday, 07:00 in Hồ Chí Minh City.
func TestOnCallWindows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		a := Availability{
			Weekly: []Slot{
				mustSlot(t, "Sat 07:00-09:00"),
				mustSlot(t, "Sat 22:00-24:00"),
				mustSlot(t, "Sun 00:00-02:00"),
				mustSlot(t, "Mon 08:00-17:30"),
			},
			Unavailable: []Period{{From: start.Add(50 * time.Hour), To: start.Add(52 * time.Hour), Reason: "dentist"}},
		}
		if err := a.Normalize(); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			after  time.Duration // since start
			onCall bool
			next   time.Duration // expected NextOnCall since start, within 12 h; -1 none
		}{
			{0, true, 0}, // Sat 07:00 local
			{119 * time.Minute, true, 119 * time.Minute},                         // Sat 08:59
			{2 * time.Hour, false, -1},                                           // Sat 09:00: window over, 22:00 is 13 h away
			{10 * time.Hour, false, 15 * time.Hour},                              // Sat 17:00: 22:00 within 12 h
			{15 * time.Hour, true, 15 * time.Hour},                               // Sat 22:00
			{17*time.Hour + 30*time.Minute, true, 17*time.Hour + 30*time.Minute}, // Sun 00:30 across midnight
			{19 * time.Hour, false, -1},                                          // Sun 02:00: nothing within 12 h
			{49 * time.Hour, true, 49 * time.Hour},                               // Mon 08:00
			{50*time.Hour + time.Minute, false, 52 * time.Hour},                  // Mon 09:01, on leave until 11:00
			{52 * time.Hour, true, 52 * time.Hour},                               // back from the dentist
			{58*time.Hour + 30*time.Minute, false, -1},                           // Mon 17:30
		}
		for _, st := range steps {
			time.Sleep(start.Add(st.after).Sub(time.Now()))
			now := time.Now()
			local := now.In(Zone).Format("Mon 15:04")
			if got := a.OnCallAt(now); got != st.onCall {
				t.Errorf("%s: OnCallAt = %v, want %v", local, got, st.onCall)
			}
			next, ok := a.NextOnCall(now, SoonOnCall)
			switch {
			case st.next < 0 && ok:
				t.Errorf("%s: NextOnCall = %s, want none", local, next.In(Zone))
			case st.next >= 0 && (!ok || !next.Equal(start.Add(st.next))):
				t.Errorf("%s: NextOnCall = %s %v, want %s", local, next.In(Zone), ok, start.Add(st.next).In(Zone))
			}
		}
	})
}
