package detect

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/tlp"
)

// TestRecordsKeepEveryField: a hit reports the indicator as it was given,
// every field, with its value canonical and its times in UTC, and the index
// does not depend on the caller's slice after Build.
func TestRecordsKeepEveryField(t *testing.T) {
	ict := time.FixedZone("ICT", 7*3600)
	full := intel.Indicator{ID: "ind-1", Type: intel.TypeDomain, Value: "Evil.EXAMPLE.", TLP: tlp.Amber, Source: "feed-a",
		Confidence: 77, Description: "phishing kit", Labels: []string{"phishing", "kit", "phishing"},
		ValidFrom: time.Date(2026, 1, 2, 3, 4, 5, 6, ict), ValidUntil: time.Date(2999, 1, 1, 0, 0, 0, 999, time.UTC),
		ExternalID: "indicator--0b2f", UpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 1, time.UTC)}
	bare := intel.Indicator{Type: intel.TypeIPv4, Value: "192.0.2.7", Source: "feed-a"} // zero times, no labels
	inds := []intel.Indicator{full, bare}
	ix, st := Build(inds, now)
	if st.Indexed != 2 || st.Fixed != 1 {
		t.Fatalf("stats = %+v", st)
	}
	for i := range inds { // the index keeps its own copy
		inds[i] = intel.Indicator{Type: intel.TypeIPv4, Value: "198.51.100.1", Source: "other"}
	}
	hits := func(ev event.Event) []Hit {
		var out []Hit
		ix.Match(&ev, func(h Hit) { out = append(out, h) })
		return out
	}
	got := hits(event.Event{Hosts: []string{"a.evil.example"}})
	want := full
	want.Value = "evil.example"
	want.ValidFrom = want.ValidFrom.UTC()
	if len(got) != 1 || !reflect.DeepEqual(got[0].Indicator, want) {
		t.Fatalf("domain hit = %+v\nwant %+v", got, want)
	}
	got = hits(event.Event{DstIP: mustAddr("192.0.2.7")})
	if len(got) != 1 || !reflect.DeepEqual(got[0].Indicator, bare) {
		t.Fatalf("address hit = %+v\nwant %+v", got, bare)
	}
	if got := hits(event.Event{DstIP: mustAddr("198.51.100.1")}); len(got) != 0 {
		t.Errorf("the caller's later change reached the index: %+v", got)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
