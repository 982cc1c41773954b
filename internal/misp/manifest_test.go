package misp

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/tlp"
)

// TestFeedCorpus reads the corpus's MISP feed as a fetcher would: the
// manifest, then every event file it lists. Its events hold Chrome
// extension IDs (type text) marked for detection and reference URLs that
// are not; the totals were checked with an independent Python count.
func TestFeedCorpus(t *testing.T) {
	dir := filepath.Dir(corpusFile(t, "misp/feed-chrome-mal-ids/manifest.json"))
	f, err := os.Open(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	events, err := ReadManifest(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 79 {
		t.Fatalf("%d events, want 79", len(events))
	}
	first := events[0]
	if first.UUID != "02a9a808-5d6c-52a5-b9d9-9388593cd0ae" || first.Date != "2026-05-29" || first.ThreatLevel != 3 ||
		first.Org != "chrome-mal-ids" || first.TLP != tlp.Clear || !first.Timestamp.Equal(time.Unix(1780091866, 0)) ||
		!strings.Contains(first.Info, "part 5 of 5") || len(first.Tags) != 3 {
		t.Errorf("first event %+v", first)
	}
	total, totalAll := counts{}, counts{}
	skipped, skippedAll := intel.Skipped{}, intel.Skipped{}
	for _, e := range events {
		for _, all := range []bool{false, true} {
			f, err := os.Open(filepath.Join(dir, e.UUID+".json"))
			if err != nil {
				t.Fatal(err)
			}
			res, err := ReadFeedEvent(f, Options{IncludeNotToIDs: all})
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", e.UUID, err)
			}
			tot, sk := total, skipped
			if all {
				tot, sk = totalAll, skippedAll
			}
			for _, ind := range res.Indicators {
				tot[ind.Type]++
				if ind.TLP != e.TLP && e.TLP.Valid() {
					t.Errorf("%s: indicator TLP %v, manifest says %v", e.UUID, ind.TLP, e.TLP)
				}
			}
			for k, v := range res.Skipped {
				sk[k] += v
			}
		}
	}
	if !maps.Equal(total, counts{}) || !maps.Equal(skipped, intel.Skipped{ReasonNotToIDs: 2663, ReasonType + ":text": 2525}) {
		t.Errorf("feed: %v, skipped %v", total, skipped)
	}
	if !maps.Equal(totalAll, counts{intel.TypeURL: 2663}) || !maps.Equal(skippedAll, intel.Skipped{ReasonType + ":text": 2525}) {
		t.Errorf("feed with not-to-ids: %v, skipped %v", totalAll, skippedAll)
	}
}

func TestReadManifest(t *testing.T) {
	good := `{"5E2E6E1A-4F8C-4B2A-9C1D-3A7F8E9B0C2D":{"info":"x","Orgc":{"name":"o"},"date":"2020-01-02","timestamp":1600000000,"threat_level_id":"1","Tag":[{"name":"tlp:amber"},{"name":"osint"}]},
	          "00000000-0000-0000-0000-000000000000":{"info":"y"}}`
	events, err := ReadManifest(strings.NewReader(good))
	if err != nil || len(events) != 2 {
		t.Fatalf("ReadManifest = %v, %v", events, err)
	}
	if e := events[1]; e.UUID != "5e2e6e1a-4f8c-4b2a-9c1d-3a7f8e9b0c2d" || e.TLP != tlp.Amber || e.ThreatLevel != 1 ||
		!e.Timestamp.Equal(time.Unix(1600000000, 0)) || e.Org != "o" {
		t.Errorf("event %+v", e)
	}
	if events[0].TLP != 0 || !events[0].Timestamp.IsZero() {
		t.Errorf("event without tags or timestamp %+v", events[0])
	}
	if events, err := ReadManifest(strings.NewReader("{}")); err != nil || len(events) != 0 {
		t.Errorf("empty manifest: %v, %v", events, err)
	}
	for _, c := range []struct{ name, doc, code string }{
		{"path in a key", `{"../../etc/passwd":{"info":"x"}}`, CodeBadManifest},
		{"null", `null`, CodeBadManifest},
		{"a list", `[{"info":"x"}]`, CodeBadJSON},
		{"entry not an object", `{"00000000-0000-0000-0000-000000000000":"x"}`, CodeBadJSON},
	} {
		if _, err := ReadManifest(strings.NewReader(c.doc)); !isCode(err, c.code) {
			t.Errorf("%s: error %#v, want %s", c.name, err, c.code)
		}
	}
	if !IsManifest([]byte(good)) || IsManifest([]byte(`{"Event":{}}`)) || IsManifest([]byte(`{}`)) {
		t.Error("IsManifest")
	}
}
