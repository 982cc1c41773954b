package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/corpustest"
)

// corpus is the shared corpus folder (see corpustest).
func corpus(t *testing.T) string { return corpustest.Dir(t) }

// TestDetectCommandOnSigmaRegression runs `khien detect` with the corpus
// Sigma rules over the regression events: each pair's rule fires on its
// event file. (Exact match counts, and the three files where the pair file
// undercounts, are asserted in internal/sigma.)
func TestDetectCommandOnSigmaRegression(t *testing.T) {
	root := corpus(t)
	events := filepath.Join(root, "telemetry", "windows-evtx-json", "sigma-regression")
	var pairs []struct {
		EventFile string `json:"event_file"`
		RuleID    string `json:"rule_id"`
	}
	b, err := os.ReadFile(filepath.Join(events, "_rule_event_pairs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &pairs); err != nil {
		t.Fatal(err)
	}
	args := []string{"detect", "--rules", filepath.Join(root, "sigma")}
	for _, p := range pairs[:40] {
		args = append(args, filepath.Join(events, p.EventFile))
	}
	code, out, stderr := run(t, "", args...)
	if code != 0 {
		t.Fatalf("detect: %d %s", code, stderr)
	}
	fired := map[string]map[string]int{} // file → rule → hits
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var h detectHit
		if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		f := filepath.Base(h.File)
		if fired[f] == nil {
			fired[f] = map[string]int{}
		}
		fired[f][h.RuleID]++
		if h.Field == "" || h.Value == "" {
			t.Errorf("hit without matched field and value: %s", sc.Text())
		}
	}
	missed := 0
	for _, p := range pairs[:40] {
		if fired[p.EventFile][p.RuleID] == 0 {
			missed++
			t.Errorf("%s: rule %s did not fire", p.EventFile, p.RuleID)
		}
	}
	t.Logf("%d of 40 regression pairs matched as expected", 40-missed)
}

func TestIntelImportDryRun(t *testing.T) {
	root := corpus(t)
	file := filepath.Join(root, "stix2", "cti-documentation__indicator-for-malicious-url.json")
	code, out, stderr := run(t, "", "intel", "import", "--dry-run", file)
	if code != 0 || !strings.Contains(out, "stix") || !strings.Contains(out, "url") {
		t.Fatalf("dry run: %d %q %s", code, out, stderr)
	}
	notIntel := filepath.Join(t.TempDir(), "x.json")
	os.WriteFile(notIntel, []byte(`{"hello": "world"}`), 0o600)
	code, _, stderr = run(t, "", "intel", "import", "--dry-run", notIntel)
	if code != 1 || stderr == "" {
		t.Errorf("a document that is no intel: code %d, stderr %q", code, stderr)
	}
	if code, _, _ := run(t, "", "intel", "import", file); code != 2 {
		t.Errorf("import without --feed or --dry-run: code %d, want 2 (usage)", code)
	}
}
