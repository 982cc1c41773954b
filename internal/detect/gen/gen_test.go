package gen

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"testing"

	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/telemetry"
)

func TestIndicatorsDeterministicPrefix(t *testing.T) {
	a, b := Indicators(2_000, 7), Indicators(5_000, 7)
	if !reflect.DeepEqual(a, b[:2_000]) {
		t.Fatal("Indicators(2000) is not a prefix of Indicators(5000)")
	}
	if reflect.DeepEqual(a, Indicators(2_000, 8)) {
		t.Fatal("two seeds gave the same indicators")
	}
}

func TestIndicatorsMixAndValidity(t *testing.T) {
	const n = 200_000
	inds := Indicators(n, 1)
	count := map[intel.Type]int{}
	expired, pending := 0, 0
	for _, ind := range inds {
		count[ind.Type]++
		if !ind.ValidUntil.IsZero() && !ind.ValidUntil.After(Now) {
			expired++
		}
		if ind.ValidFrom.After(Now) {
			pending++
		}
		if err := checkValue(ind); err != "" {
			t.Fatalf("%+v: %s", ind, err)
		}
	}
	ip := count[intel.TypeIPv4] + count[intel.TypeIPv6] + count[intel.TypeCIDR]
	hashes := count[intel.TypeMD5] + count[intel.TypeSHA1] + count[intel.TypeSHA256]
	for _, c := range []struct {
		name    string
		got, lo int
	}{{"ip", ip, 38}, {"domain+email", count[intel.TypeDomain] + count[intel.TypeEmail], 28}, {"url", count[intel.TypeURL], 14}, {"hash", hashes, 14}} {
		if pct := c.got * 100 / n; pct < c.lo || pct > c.lo+2 {
			t.Errorf("%s: %d%%", c.name, pct)
		}
	}
	if expired < n/100 || pending < n/400 {
		t.Errorf("expired %d, pending %d", expired, pending)
	}
}

func checkValue(ind intel.Indicator) string {
	switch ind.Type {
	case intel.TypeIPv4, intel.TypeIPv6:
		if a, err := netip.ParseAddr(ind.Value); err != nil || a.String() != ind.Value {
			return "bad address"
		}
	case intel.TypeCIDR:
		if p, err := netip.ParsePrefix(ind.Value); err != nil || p.Masked() != p {
			return "bad prefix"
		}
	}
	return ""
}

func TestEvents(t *testing.T) {
	evs := Events(20_000, 3, 0.01)
	if !reflect.DeepEqual(evs[:100], Events(100, 3, 0.01)) {
		t.Fatal("events not deterministic")
	}
	size, carried := 0, 0
	for _, s := range evs {
		size += len(s.Raw)
		var m map[string]any
		if err := json.Unmarshal(s.Raw, &m); err != nil {
			t.Fatalf("%s: %v", s.Raw, err)
		}
		if s.Carried != nil {
			carried++
		}
	}
	if avg := size / len(evs); avg < 400 || avg > 600 {
		t.Errorf("average raw size %d B", avg)
	}
	if carried < 150 || carried > 250 {
		t.Errorf("%d of 20000 events carry an indicator, want about 200", carried)
	}
}

// TestEventsAreWhatTheDecoderMakes holds the directly built events to the
// real EVE decoder: they must agree on every field the matcher reads,
// except in the edge cases of hit events, which keep the sensor's spelling
// on purpose.
func TestEventsAreWhatTheDecoderMakes(t *testing.T) {
	for i, s := range Events(5_000, 5, 0.2) {
		ev, err := telemetry.Decode(event.FormatEVE, s.Raw)
		if err != nil {
			t.Fatalf("event %d %s: %v", i, s.Raw, err)
		}
		if s.Carried != nil {
			continue
		}
		got := fmt.Sprint(ev.Time, ev.Kind, ev.SrcIP, ev.SrcPort, ev.DstIP, ev.DstPort, ev.Hosts, ev.URLs, ev.Hashes, ev.Emails)
		g := &s.Event
		want := fmt.Sprint(g.Time, g.Kind, g.SrcIP, g.SrcPort, g.DstIP, g.DstPort, g.Hosts, g.URLs, g.Hashes, g.Emails)
		if got != want {
			t.Fatalf("event %d %s:\ndecoded %s\n  built %s", i, s.Raw, got, want)
		}
	}
}
