package web

// This test is inside the package: it needs the unexported lists of tabs,
// navigation entries and enumerations whose catalogue keys are built at run
// time (role.<role>, kind.<kind>, …).

import (
	"encoding/json"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/org"
)

// catalogue reads every catalogue file of one language as key → raw value.
func catalogue(t *testing.T, lang string) map[string]json.RawMessage {
	t.Helper()
	files, err := catalogueFiles(os.DirFS("."), lang)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]json.RawMessage{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.FromSlash(f))
		if err != nil {
			t.Fatal(err)
		}
		var part map[string]json.RawMessage
		if err := json.Unmarshal(b, &part); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range part {
			if _, dup := m[k]; dup {
				t.Errorf("%s: key %q is already in another %s catalogue", f, k, lang)
			}
			m[k] = v
		}
	}
	return m
}

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	vi, en := catalogue(t, "vi"), catalogue(t, "en")
	for k := range vi {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q is in vi.json but not in en.json", k)
		}
	}
	for k := range en {
		if _, ok := vi[k]; !ok {
			t.Errorf("key %q is in en.json but not in vi.json", k)
		}
	}
}

func TestPluralsHaveOneAndOther(t *testing.T) {
	for _, lang := range Langs {
		for k, raw := range catalogue(t, lang) {
			if !strings.HasPrefix(strings.TrimSpace(string(raw)), "{") {
				continue
			}
			var forms map[string]string
			if err := json.Unmarshal(raw, &forms); err != nil {
				t.Fatalf("%s %s: %v", lang, k, err)
			}
			if forms["one"] == "" || forms["other"] == "" {
				t.Errorf("%s.json %q: a plural needs both one and other, got %v", lang, k, slices.Sorted(maps.Keys(forms)))
			}
		}
	}
}

var (
	keyRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)
	// Quoted strings inside template actions.
	actionRE = regexp.MustCompile(`\{\{[^}]*\}\}`)
	quotedRE = regexp.MustCompile(`"([^"]*)"`)
	// Keys named in Go: titles, flashes, navigation and headings.
	goKeyREs = []*regexp.Regexp{
		regexp.MustCompile(`Base\([^()]*"([a-z0-9_.]+)"\)`),
		regexp.MustCompile(`"(flash\.[a-z0-9_]+)"`),
		regexp.MustCompile(`Key:\s*"([a-z0-9_.]+)"`),
		regexp.MustCompile(`(?:TitleKey|Heading)[^=\n]*=\s*"([a-z0-9_.]+)"`),
	}
)

// isKey reports whether s is a whole key, not a prefix such as "role." or
// "org.tab_" that a template completes at run time (builtKeys covers those).
func isKey(s string) bool { return keyRE.MatchString(s) && !strings.HasSuffix(s, "_") }

// usedKeys lists the catalogue keys named literally in templates and Go.
func usedKeys(t *testing.T, namespaces map[string]bool) map[string]string {
	t.Helper()
	used := map[string]string{} // key → where
	tmpls, _ := filepath.Glob("templates/*.html")
	for _, f := range tmpls {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, action := range actionRE.FindAllString(string(b), -1) {
			for _, m := range quotedRE.FindAllStringSubmatch(action, -1) {
				s := strings.TrimPrefix(m[1], "hint:")
				ns, _, _ := strings.Cut(s, ".")
				if isKey(s) && namespaces[ns] {
					used[s] = f
				}
			}
		}
	}
	gos, _ := filepath.Glob("*.go")
	for _, f := range gos {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range goKeyREs {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				if isKey(m[1]) {
					used[m[1]] = f
				}
			}
		}
	}
	return used
}

// builtKeys lists the keys templates build at run time from enumerations.
func builtKeys() []string {
	var keys []string
	add := func(prefix string, values ...string) {
		for _, v := range values {
			keys = append(keys, prefix+v)
		}
	}
	for _, r := range auth.Roles {
		add("role.", string(r))
	}
	for _, p := range auth.AllPermissions {
		add("perm.", permKey(p))
	}
	for _, k := range org.Kinds {
		add("kind.", string(k))
	}
	for _, r := range org.ContactRoles {
		add("contact_role.", string(r))
	}
	for _, s := range org.SystemStatuses {
		add("system_status.", string(s))
	}
	for _, s := range claimStatuses {
		add("claim_status.", string(s))
	}
	for _, s := range resourceTypes {
		add("resource_type.", string(s))
	}
	for _, o := range levelOptions() {
		keys = append(keys, o.Key)
	}
	add("lang.", Langs...)
	add("lang.switch_", Langs...)
	add("org.tab_", orgTabs...)
	for _, n := range comingNav {
		keys = append(keys, n.Key, n.Key+"_desc")
	}
	keys = append(keys, incidentBuiltKeys()...)
	add("verify.problem_", audit.ProblemEntryHash, audit.ProblemMissingEntry, audit.ProblemIndexGap,
		audit.ProblemInteriorHash, audit.ProblemCheckpointRoot, audit.ProblemCheckpointSig, audit.ProblemSizeMismatch)
	return keys
}

// incidentBuiltKeys lists the keys the incident pages build from the
// incident enumerations and the embedded data: every RSIT class and type,
// states, severities, impacts, clocks and their profiles, task states and
// task templates.
func incidentBuiltKeys() []string {
	var keys []string
	add := func(prefix string, values ...string) {
		for _, v := range values {
			keys = append(keys, prefix+v)
		}
	}
	for _, c := range incident.RSIT().Classes {
		keys = append(keys, incidentRSITKey(c.Value, ""))
		for _, ty := range c.Types {
			keys = append(keys, incidentRSITKey(c.Value, ty.Value))
		}
	}
	for _, st := range incident.States {
		add("incident_state.", string(st))
		add("incident_move.", string(st))
	}
	for _, sev := range incident.Severities {
		add("incident_severity.", string(sev))
	}
	for _, i := range incident.Impacts {
		add("incident_impact.", string(i))
	}
	for _, st := range incident.TaskStates {
		add("incident_task_state.", string(st))
	}
	for _, tm := range incident.Templates("") {
		add("incident_template.", tm.Key)
		for _, tt := range tm.Tasks {
			key, _, _ := incidentTemplateTask(tm.Key, tt.Title)
			add(key, ".title", ".desc")
		}
	}
	add("incident_clock_status.", incident.ClockRunning, incident.ClockPaused, incident.ClockMet, incident.ClockBreached)
	clocks, err := incident.DefaultClocks()
	if err != nil {
		panic(err) // embedded data; TestIncidentBuiltKeys fails first
	}
	add("incident_profile.", clocks.BaseProfiles()...)
	for _, p := range clocks.Profiles {
		// Every clock an incident can run: each profile's own, those that
		// apply by condition, and the service targets of every severity.
		for _, sev := range incident.Severities {
			for _, d := range clocks.Defs(incident.Incident{ClockProfile: p.Name, Severity: sev, PersonalData: true}) {
				add("incident_clock.", d.Name)
			}
		}
	}
	add("incident.unit_", "day", "hour", "minute")
	add("incident.", "actor_system") // passed to T in incident.go
	return keys
}

// TestIncidentBuiltKeys: the incident enumerations are not empty (so the
// check above can fail), and every RSIT class and type has a label of its
// own in each language rather than the English name copied.
func TestIncidentBuiltKeys(t *testing.T) {
	if _, err := incident.DefaultClocks(); err != nil {
		t.Fatal(err)
	}
	keys := incidentBuiltKeys()
	rsit := 0
	for _, k := range keys {
		if strings.HasPrefix(k, "rsit.") {
			rsit++
		}
	}
	if want := len(incident.RSIT().Classes) + len(incident.RSIT().Categories()); rsit != want || rsit < 40 {
		t.Fatalf("%d RSIT keys, want %d", rsit, want)
	}
	vi, en := catalogue(t, "vi"), catalogue(t, "en")
	// The task templates store their Vietnamese texts; the vi catalogue,
	// which shows them, must say the same.
	for _, tm := range incident.Templates("") {
		for _, tt := range tm.Tasks {
			key, _, ok := incidentTemplateTask(tm.Key, tt.Title)
			var title, desc string
			_ = json.Unmarshal(vi[key+".title"], &title)
			_ = json.Unmarshal(vi[key+".desc"], &desc)
			if !ok || title != tt.Title || desc != tt.Description {
				t.Errorf("template %s task %q: vi catalogue %q has %q / %q", tm.Key, tt.Title, key, title, desc)
			}
		}
	}
	for _, c := range incident.RSIT().Classes {
		check := func(key, expanded string) {
			var v, e string
			_ = json.Unmarshal(vi[key], &v)
			_ = json.Unmarshal(en[key], &e)
			if v == "" || e == "" {
				t.Errorf("%q lacks a label (vi %q, en %q)", key, v, e)
				return
			}
			if e != expanded {
				t.Errorf("en %q = %q, want the RSIT name %q", key, e, expanded)
			}
			// "Test" and the like are words of both languages; the rest must
			// be Vietnamese.
			if v == expanded {
				t.Errorf("vi %q is the English name %q", key, v)
			}
		}
		check(incidentRSITKey(c.Value, ""), c.Expanded)
		for _, ty := range c.Types {
			check(incidentRSITKey(c.Value, ty.Value), ty.Expanded)
		}
	}
}

func TestEveryUsedKeyExists(t *testing.T) {
	for _, lang := range Langs {
		cat := catalogue(t, lang)
		namespaces := map[string]bool{}
		for k := range cat {
			ns, _, _ := strings.Cut(k, ".")
			namespaces[ns] = true
		}
		used := usedKeys(t, namespaces)
		if len(used) < 100 {
			t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
		}
		for k, where := range used {
			if _, ok := cat[k]; !ok {
				t.Errorf("%s.json lacks %q (used in %s)", lang, k, where)
			}
		}
		for _, k := range builtKeys() {
			if _, ok := cat[k]; !ok {
				t.Errorf("%s.json lacks %q (built from an enumeration)", lang, k)
			}
		}
	}
}

func TestTemplatesParseAndTranslate(t *testing.T) {
	b, err := loadBundle()
	if err != nil {
		t.Fatal(err)
	}
	zone, err := time.LoadLocation(DisplayZone)
	if err != nil {
		t.Fatal(err)
	}
	v, err := parseViews(b, slog.New(slog.DiscardHandler), zone)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.pages) < 20 {
		t.Errorf("parsed %d pages", len(v.pages))
	}
	tests := []struct {
		lang, key string
		n         int
		want      string
	}{
		{"vi", "dashboard.orgs", 1, "tổ chức"},
		{"en", "dashboard.orgs", 1, "organisation"},
		{"en", "dashboard.orgs", 3, "organisations"},
		{"vi", "enrol.recovery_once", 10, "10 mã này chỉ hiển thị một lần duy nhất."},
	}
	for _, tc := range tests {
		if got := v.translator(tc.lang).N(tc.key, tc.n); got != tc.want {
			t.Errorf("%s %s(%d) = %q, want %q", tc.lang, tc.key, tc.n, got, tc.want)
		}
	}
	at := time.Date(2026, 3, 1, 17, 30, 0, 0, time.UTC)
	if got := v.translator("vi").Date(at); got != "02/03/2026 00:30" {
		t.Errorf("vi date = %q, want the Ho Chi Minh City time 02/03/2026 00:30", got)
	}
	if got := v.translator("vi").Code("org.bad_slug", "x"); !strings.Contains(got, "chữ thường") {
		t.Errorf("error code not translated: %q", got)
	}
	if got := v.translator("vi").Code("no.such_code", "fallback"); got != "fallback" {
		t.Errorf("unknown code = %q, want the fallback", got)
	}
}
