package incident

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/khien-cert/khien/internal/corpustest"
)

func TestNormalize(t *testing.T) {
	tx := RSIT()
	for _, c := range []struct{ in, want string }{
		{"intrusions/system-compromise", "intrusions/system-compromise"},
		{"intrusions", "intrusions"},
		{`rsit:availability="ddos"`, "availability/ddos"},
		{`ecsirt:malicious-code="ransomware"`, "malicious-code/infected-system"},
		{`ecsirt:information-content-security="Unauthorised-information-access"`, "information-content-security/unauthorised-information-access"},
		{"fraud/unauthorized-use-of-resources", "fraud/unauthorised-use-of-resources"},
		{"vulnerable/vulnerable-service", "vulnerable/vulnerable-system"},
		{"nonsense/thing", ""},
		{`foo:bar="baz"`, ""},
		{"", ""},
	} {
		got, ok := tx.Normalize(c.in)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Normalize(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
	if got := tx.Label("intrusions/system-compromise"); got != "Intrusions / System Compromise" {
		t.Errorf("Label = %q", got)
	}
}

// machinetag is the shape of MISP and RSIT machine-readable taxonomies.
type machinetag struct {
	Version    int `json:"version"`
	Predicates []struct {
		Value string `json:"value"`
	} `json:"predicates"`
	Values []struct {
		Predicate string `json:"predicate"`
		Entry     []struct {
			Value string `json:"value"`
		} `json:"entry"`
	} `json:"values"`
}

func readMachinetag(t *testing.T, rel string) machinetag {
	t.Helper()
	p := filepath.Join(corpustest.Root(), "..", "specs", filepath.FromSlash(rel))
	b, err := os.ReadFile(p)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skipf("spec %s absent: %v", p, err)
	}
	var m machinetag
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// The embedded list is the published one, value for value, and every value
// of MISP's eCSIRT taxonomy maps to a current one.
func TestTaxonomyMatchesSpecs(t *testing.T) {
	tx := RSIT()
	m := readMachinetag(t, "rsit/machinev1.json")
	if m.Version != tx.Version {
		t.Errorf("embedded version %d, published %d", tx.Version, m.Version)
	}
	n := 0
	for _, v := range m.Values {
		for _, e := range v.Entry {
			n++
			if !tx.Valid(v.Predicate + "/" + e.Value) {
				t.Errorf("published %s/%s missing from the embedded list", v.Predicate, e.Value)
			}
		}
	}
	if got := len(tx.Categories()); got != n {
		t.Errorf("embedded %d categories, published %d", got, n)
	}
	old := readMachinetag(t, "misp/taxonomies/ecsirt/machinetag.json")
	for _, v := range old.Values {
		for _, e := range v.Entry {
			tag := `ecsirt:` + v.Predicate + `="` + e.Value + `"`
			got, ok := tx.Normalize(tag)
			if !ok || !tx.Valid(got) {
				t.Errorf("eCSIRT %s maps to %q (%v), not a current value", tag, got, ok)
			}
		}
	}
}

// Every task template names an RSIT class (or "*") and has tasks with a due time.
func TestTemplates(t *testing.T) {
	tx := RSIT()
	keys := map[string]bool{}
	for _, tpl := range Templates("") {
		if keys[tpl.Key] {
			t.Errorf("template %s twice", tpl.Key)
		}
		keys[tpl.Key] = true
		if tpl.Class != "*" && !tx.Valid(tpl.Class) {
			t.Errorf("template %s: class %q is not RSIT", tpl.Key, tpl.Class)
		}
		if len(tpl.Tasks) == 0 {
			t.Errorf("template %s has no tasks", tpl.Key)
		}
		for _, task := range tpl.Tasks {
			if task.Title == "" || task.DueHours <= 0 {
				t.Errorf("template %s: task %+v", tpl.Key, task)
			}
		}
	}
	if TemplateTasks("malware", "fraud/phishing") != nil || TemplateTasks("malware", "malicious-code/c2-server") == nil {
		t.Error("templates are not restricted to their class")
	}
}
