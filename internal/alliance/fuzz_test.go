package alliance

import (
	"encoding/json"
	"testing"
)

// FuzzParseSlot feeds schedule windows as people type them: a slot that
// parses is a valid window and survives a round trip through its text form.
func FuzzParseSlot(f *testing.F) {
	for _, s := range []string{"Mon 08:00-17:30", "sunday 00:00-24:00", "Sat 23:00-01:00", "x", "Tue 8:5-9:7", "Wed -1:00-02:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSlot(in)
		if err != nil {
			return
		}
		if s.check() != nil {
			t.Fatalf("ParseSlot(%q) = %+v, not a window", in, s)
		}
		back, err := ParseSlot(s.String())
		if err != nil || back != s {
			t.Fatalf("round trip of %q: %v %v", s.String(), back, err)
		}
	})
}

// FuzzAvailabilityJSON decodes schedules as the API receives them; what
// decodes and normalises is a schedule OnCallAt can evaluate.
func FuzzAvailabilityJSON(f *testing.F) {
	f.Add(`{"weekly":["Mon 08:00-17:30"],"unavailable":[{"from":"2026-12-24T00:00:00Z","to":"2026-12-26T00:00:00Z"}]}`)
	f.Add(`{"weekly":["Mon 08:00-17:30","Mon 17:00-18:00"]}`)
	f.Fuzz(func(t *testing.T, in string) {
		var a Availability
		if json.Unmarshal([]byte(in), &a) != nil || a.Normalize() != nil {
			return
		}
		for i := 1; i < len(a.Weekly); i++ {
			if a.Weekly[i-1].Day == a.Weekly[i].Day && a.Weekly[i-1].End > a.Weekly[i].Start {
				t.Fatalf("overlapping windows accepted: %v", a.Weekly)
			}
		}
		for _, p := range a.Unavailable {
			if !p.To.After(p.From) {
				t.Fatalf("empty period accepted: %+v", p)
			}
		}
	})
}
