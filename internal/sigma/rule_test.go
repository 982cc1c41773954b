package sigma

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/khien-cert/khien/internal/errs"
)

func TestParseRuleMetadata(t *testing.T) {
	r, err := ParseRule([]byte(`title: Whoami
id: 0f1e2d3c-0000-4000-8000-000000000001
status: test
level: high
description: runs whoami
tags:
    - attack.discovery
    - attack.t1033
falsepositives:
    - Admins
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
`))
	if err != nil {
		t.Fatal(err)
	}
	want := Rule{ID: "0f1e2d3c-0000-4000-8000-000000000001", Title: "Whoami", Status: "test", Level: "high",
		Description: "runs whoami", Logsource: Logsource{Product: "windows", Category: "process_creation"}}
	if r.ID != want.ID || r.Title != want.Title || r.Status != want.Status || r.Level != want.Level ||
		r.Description != want.Description || r.Logsource != want.Logsource {
		t.Errorf("got %+v", r)
	}
	if !slices.Equal(r.Tags, []string{"attack.discovery", "attack.t1033"}) || !slices.Equal(r.FalsePositives, []string{"Admins"}) {
		t.Errorf("tags %v, falsepositives %v", r.Tags, r.FalsePositives)
	}
}

func TestParseRuleErrors(t *testing.T) {
	det := func(d string) string { return ruleText(d) }
	cases := []struct {
		name, text  string
		unsupported bool
	}{
		{"bad YAML", "title: [unclosed", false},
		{"not a map", "- a\n- b", false},
		{"no title", "logsource: {}\ndetection:\n    s: {A: 1}\n    condition: s", false},
		{"no detection", "title: x\nlogsource: {}", false},
		{"no condition", det("s:\n    A: 1"), false},
		{"no identifiers", det("condition: s"), false},
		{"two documents", det("s:\n    A: 1\ncondition: s") + "---\n" + det("s:\n    A: 1\ncondition: s"), false},
		{"identifier defined twice", det("s:\n    A: 1\ns:\n    B: 1\ncondition: s"), false},
		{"empty identifier", det("s:\ncondition: s"), false},
		{"empty list", det("s: []\ncondition: s"), false},
		{"empty value list", det("s:\n    A: []\ncondition: s"), false},
		{"list mixing maps and values", det("s:\n    - A: 1\n    - b\ncondition: s"), false},
		{"nested map value", det("s:\n    A:\n        B: 1\ncondition: s"), false},
		{"null in a list", det("s:\n    A: ['x', null]\ncondition: s"), false},
		{"re flag without re", det("s:\n    A|i: x\ncondition: s"), false},
		{"two type modifiers", det("s:\n    A|re|cidr: x\ncondition: s"), false},
		{"contains with re", det("s:\n    A|contains|re: x\ncondition: s"), false},
		{"bad cidr", det("s:\n    A|cidr: 10.0.0.0/33\ncondition: s"), false},
		{"gt with a word", det("s:\n    A|gt: many\ncondition: s"), false},
		{"exists with a word", det("s:\n    A|exists: maybe\ncondition: s"), false},
		{"base64 of a wildcard", det("s:\n    A|base64: 'a*'\ncondition: s"), false},
		{"fieldref with a list", det("s:\n    A|fieldref: [B, C]\ncondition: s"), false},
		{"null keyword", det("s:\n    '|all': null\ncondition: s"), false},
		{"correlation rule", "title: c\ncorrelation:\n    type: event_count\n    rules: [x]", true},
		{"meta filter", "title: f\nlogsource: {}\nfilter:\n    rules: [x]\n    s: {A: 1}\n    condition: s", true},
		{"expand placeholder", det("s:\n    A|expand: '%Admins%'\ncondition: s"), true},
		{"time modifier", det("s:\n    A|hour: 3\ncondition: s"), true},
		{"unknown modifier", det("s:\n    A|sounds_like: x\ncondition: s"), true},
		{"regex RE2 cannot run", det("s:\n    A|re: '(?<!x)y'\ncondition: s"), true},
		{"windash explosion", det("s:\n    A|windash: ' -a -b -c -d -e'\ncondition: s"), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseRule([]byte(c.text))
			if err == nil {
				t.Fatal("parsed")
			}
			e, ok := errors.AsType[*errs.Error](err)
			if !ok || e.Kind != errs.KindInvalid || len(e.Fields) == 0 {
				t.Fatalf("error %#v is not an invalid *errs.Error with a field", err)
			}
			if got := errors.Is(err, ErrUnsupported); got != c.unsupported || (e.Code == CodeUnsupported) != c.unsupported {
				t.Errorf("unsupported = %v (code %s), want %v: %v", got, e.Code, c.unsupported, err)
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	good := func(id, img string) string {
		return "title: t\nid: " + id + "\nlogsource: {product: windows, category: process_creation}\n" +
			"detection:\n    s:\n        Image|endswith: '" + img + "'\n    condition: s\n"
	}
	fsys := fstest.MapFS{
		"rules/a.yml":          {Data: []byte(good("id-a", `\a.exe`))},
		"rules/sub/b.yaml":     {Data: []byte(good("id-b", `\b.exe`))},
		"rules/c.yml":          {Data: []byte(good("id-a", `\c.exe`))}, // duplicate id
		"rules/d.yml":          {Data: []byte("title: broken\ndetection: {}")},
		"rules/e.yml":          {Data: []byte(good("id-e", `\e.exe`) + "---\ntitle: c\ncorrelation: {type: temporal}\n")},
		"rules/f.yml":          {Data: []byte(strings.Replace(good("", `\f.exe`), "id: \n", "", 1))},
		"rules/README.md":      {Data: []byte("not a rule")},
		"rules/sub/notes.json": {Data: []byte("{}")},
	}
	rs, loadErrs := LoadDir(fsys, "rules")
	var ids []string
	for _, r := range rs.Rules() {
		ids = append(ids, r.ID+"@"+r.Path)
	}
	if want := []string{"id-a@rules/a.yml", "id-e@rules/e.yml#1", "id-b@rules/sub/b.yaml"}; !slices.Equal(ids, want) {
		t.Errorf("loaded %v, want %v", ids, want)
	}
	var got []string
	for _, e := range loadErrs {
		got = append(got, e.Path+" unsupported="+map[bool]string{true: "yes", false: "no"}[e.Unsupported()])
		if !strings.HasPrefix(e.Error(), e.Path+": ") {
			t.Errorf("error %q does not start with its path", e.Error())
		}
	}
	want := []string{"rules/c.yml unsupported=no", "rules/d.yml unsupported=no", "rules/e.yml#2 unsupported=yes", "rules/f.yml unsupported=no"}
	if !slices.Equal(got, want) {
		t.Errorf("errors %v, want %v", got, want)
	}
}

func TestNewRuleSetRefusesDuplicateAndMissingIDs(t *testing.T) {
	a := ruleFor(t, "s:\n    A: 1\ncondition: s")
	if _, err := NewRuleSet(a, a); err == nil {
		t.Error("duplicate ids accepted")
	}
	noID := *a
	noID.ID = ""
	if _, err := NewRuleSet(&noID); err == nil {
		t.Error("missing id accepted")
	}
}
