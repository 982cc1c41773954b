package sigma

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/event"
)

// TestLoadCorpus loads every SigmaHQ rule in the corpus. All 265 are
// supported: the sample holds no aggregation, correlation, placeholder or
// time modifier, and its ten regular expressions all compile under RE2.
func TestLoadCorpus(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "sigma")
	want := map[string]int{"rules": 256, "rules-emerging-threats": 8, "rules-threat-hunting": 1}
	total := 0
	for sub, n := range want {
		rs, errs := LoadDir(os.DirFS(dir), sub)
		for _, e := range errs {
			t.Errorf("%v (unsupported: %v)", e, e.Unsupported())
		}
		if rs.Len() != n {
			t.Errorf("%s: %d rules loaded, want %d", sub, rs.Len(), n)
		}
		total += rs.Len()
	}
	if total != 265 {
		t.Errorf("%d rules in all, want 265", total)
	}
}

// TestLoadSpecExamples loads the specification's schema examples, which
// include the rule kinds the engine does not run: eight correlation rules
// and two meta filters are unsupported; of the two detection rules, which
// share one id, the first loads and the second is refused.
func TestLoadSpecExamples(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "..", "specs", "sigma", "tests", "schema")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("specification examples not found: %v", err)
	}
	rs, errs := LoadDir(os.DirFS(dir), ".")
	reasons := map[string]int{}
	for _, e := range errs {
		reasons[fmt.Sprintf("%v %s", e.Unsupported(), strings.SplitN(e.Reason(), " ", 4)[:3])]++
	}
	want := map[string]int{
		"true [unsupported: correlation rules]":                8,
		"true [unsupported: meta filters]":                     2,
		"false [rule id 545a5da6-f103-4919-a519-e9aec1026ee4]": 1,
	}
	if !maps.Equal(reasons, want) {
		t.Errorf("unsupported %v, want %v", reasons, want)
	}
	if rs.Len() != 1 {
		t.Errorf("%d rules loaded, want 1", rs.Len())
	}
}

// TestIndexAgreesWithFilter checks that the RuleSet's index picks exactly
// the rules whose logsource accepts the event, for every format and kind
// the corpus rules name and some they do not.
func TestIndexAgreesWithFilter(t *testing.T) {
	rs := loadCorpusRules(t)
	formats := []event.Format{event.FormatEVE, event.FormatZeek, event.FormatECS, event.FormatWindows,
		event.FormatCEF, event.FormatSyslog, event.FormatJSON, "custom"}
	kinds := []string{"", "unheard-of"}
	for _, r := range rs.Rules() {
		kinds = append(kinds, r.filter.kinds...)
		kinds = append(kinds, r.Logsource.Service)
	}
	slices.Sort(kinds)
	kinds = slices.Compact(kinds)
	for _, f := range formats {
		for _, k := range kinds {
			ev := &event.Event{Format: f, Kind: k}
			var want, got []string
			for _, r := range rs.Rules() {
				if r.AppliesTo(ev) {
					want = append(want, r.ID)
				}
			}
			for _, e := range rs.candidates(ev) {
				if e.r.filter.acceptsService(ev) {
					got = append(got, e.r.ID)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s/%s: index gives %d rules, filter %d", f, k, len(got), len(want))
			}
		}
	}
	// A Sysmon process creation is indexed to the 102 windows/process_creation
	// rules, the 11 windows rules without a category (their service decides
	// per event) and the 3 rules naming only a service (apache, nginx);
	// after the service check the 102 remain, with the one windows/sysmon
	// rule, since the event comes from the Sysmon channel.
	ev := &event.Event{Format: event.FormatWindows, Kind: "process_creation",
		Fields: map[string]string{"Channel": "Microsoft-Windows-Sysmon/Operational"}}
	n := 0
	for _, e := range rs.candidates(ev) {
		if e.r.filter.acceptsService(ev) {
			n++
		}
	}
	if c := len(rs.candidates(ev)); c != 116 || n != 103 {
		t.Errorf("Sysmon process creation: %d candidates, %d after the service check; want 116 and 103", c, n)
	}
}
