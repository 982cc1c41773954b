package sigma

import (
	"bytes"
	"maps"
	"slices"
	"testing"

	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/telemetry"
)

// decodeWithTelemetry splits and decodes evtx_dump output with the real
// Windows decoder.
func decodeWithTelemetry(t testing.TB, b []byte) []*event.Event {
	t.Helper()
	var out []*event.Event
	err := telemetry.Split(bytes.NewReader(b), 0, func(pos int, raw []byte, err error) error {
		if err != nil {
			t.Fatalf("record %d: %v", pos, err)
		}
		ev, err := telemetry.Decode(event.FormatWindows, raw)
		if err != nil {
			t.Fatalf("record %d: %v", pos, err)
		}
		out = append(out, &ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRegressionPairsTelemetry runs the regression pairs through
// internal/telemetry's decoder: the same counts and the same overlaps as
// through the test's own flattening.
func TestRegressionPairsTelemetry(t *testing.T) {
	checkRegression(t, loadCorpusRules(t), decodeWithTelemetry)
}

// TestDecodersAgree checks, event by event, that the rules fire the same way
// on the test's flattening and on internal/telemetry's.
func TestDecodersAgree(t *testing.T) {
	rs := loadCorpusRules(t)
	pairs, mine := regressionEvents(t, decodeEvtxJSON)
	_, theirs := regressionEvents(t, decodeWithTelemetry)
	fired := func(ev *event.Event) map[string]string {
		m := map[string]string{}
		rs.Match(ev, func(r *Rule, field, value string) { m[r.ID] = field + "=" + value })
		return m
	}
	for _, p := range pairs {
		a, b := mine[p.EventFile], theirs[p.EventFile]
		if len(a) != len(b) {
			t.Errorf("%s: %d events here, %d from telemetry", p.EventFile, len(a), len(b))
			continue
		}
		for i := range a {
			if x, y := fired(a[i]), fired(b[i]); !maps.Equal(x, y) {
				t.Errorf("%s event %d: here %v, telemetry %v (kinds %q, %q)", p.EventFile, i,
					slices.Sorted(maps.Keys(x)), slices.Sorted(maps.Keys(y)), a[i].Kind, b[i].Kind)
			}
		}
	}
}
