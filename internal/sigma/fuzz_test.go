package sigma

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/event"
)

// fuzzEvents are run through every rule the fuzzer manages to compile.
var fuzzEvents = []*event.Event{
	winEvent("Image", `C:\Windows\System32\cmd.exe`, "CommandLine", "cmd /c whoami -all", "User", "a", "ParentUser", "b",
		"EventID", "1", "DestinationIp", "10.0.0.1", "Size", "12"),
	{Format: event.FormatZeek, Kind: "dns", Hosts: []string{"a.example"}, Fields: map[string]string{"query": "a.example"}},
	{Format: event.FormatJSON},
}

func FuzzParseRule(f *testing.F) {
	f.Add([]byte(ruleText("sel:\n    Image|endswith: '\\cmd.exe'\ncondition: sel")))
	f.Add([]byte(ruleText(conditionRule("1 of sel_* and not filter_c"))))
	f.Add([]byte(ruleText("keywords:\n    '|all': [a, b]\ncondition: keywords")))
	f.Add([]byte(ruleText("s:\n    A|utf16le|base64offset|contains: x\n    B|re|i: '^a.b$'\n    C|cidr: 10.0.0.0/8\ncondition: s")))
	f.Add([]byte(ruleText("s:\n    A|windash|contains|all: [' -a', '/b']\n    B|fieldref|endswith: C\n    D: null\ncondition: s | count() > 3")))
	f.Add([]byte("title: c\ncorrelation: {type: temporal}\n---\ntitle: d\n"))
	f.Add([]byte("title: &a x\nlogsource: {}\ndetection:\n    s: &s {A: *a}\n    t: *s\n    condition: s and t\n"))
	// Real rules as seeds when the corpus is there; the fuzzer runs without.
	paths, _ := filepath.Glob(filepath.Join(corpusRoot(), "sigma", "rules", "windows", "process_creation", "*.yml"))
	for _, p := range paths[:min(len(paths), 20)] {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRule(b)
		if err != nil {
			e, ok := errors.AsType[*errs.Error](err)
			if !ok || e.Kind != errs.KindInvalid || len(e.Fields) == 0 || e.Public == "" {
				t.Fatalf("error %#v is not an invalid *errs.Error with a field", err)
			}
			if (e.Code == CodeUnsupported) != errors.Is(err, ErrUnsupported) || e.Code != CodeUnsupported && e.Code != CodeInvalid {
				t.Fatalf("code %q and ErrUnsupported disagree: %v", e.Code, err)
			}
			return
		}
		for _, ev := range fuzzEvents {
			r.AppliesTo(ev)
			r.Match(ev)
		}
	})
}

// truth evaluates a parsed condition directly, as the oracle for the
// compiled tree: each identifier is true when its name is in yes.
func truth(e expr, names []string, yes map[string]bool) bool {
	switch e := e.(type) {
	case identExpr:
		return yes[e.name]
	case notExpr:
		return !truth(e.x, names, yes)
	case andExpr:
		for _, x := range e.xs {
			if !truth(x, names, yes) {
				return false
			}
		}
		return true
	case orExpr:
		return slices.ContainsFunc(e.xs, func(x expr) bool { return truth(x, names, yes) })
	case ofExpr:
		re := regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(e.pattern), `\*`, ".*") + "$")
		n, count := 0, 0
		for _, name := range names {
			if e.pattern == "them" && !strings.HasPrefix(name, "_") || e.pattern != "them" && re.MatchString(name) {
				n++
				if yes[name] {
					count++
				}
			}
		}
		if e.n == 0 {
			return count == n
		}
		return count >= e.n
	}
	panic("unknown expression")
}

func FuzzCondition(f *testing.F) {
	for _, s := range []string{"sel_a", "sel_a and not sel_b", "1 of sel_* or (filter_c and not 1 of them)",
		"all of them", "2 of them", "sel_a | count() > 1", "((sel_a) or (sel_b and filter_c))", "not not _private",
		"sel_a near sel_b", "all of sel_* and 1 of filter*", "3 of them and sel_b or sel_a"} {
		f.Add(s)
	}
	names := []string{"sel_a", "sel_b", "filter_c", "_private"}
	ev := winEvent("A", "1", "B", "0", "C", "1", "D", "0")
	yes := map[string]bool{"sel_a": true, "filter_c": true}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseCondition(s)
		if err != nil {
			return
		}
		again, err := parseCondition(e.String())
		if err != nil || again.String() != e.String() {
			t.Fatalf("%q → %q does not parse back: %v", s, e.String(), err)
		}
		r, err := ParseRule([]byte(ruleText(conditionRule(strings.ReplaceAll(e.String(), "\n", " ")))))
		if err != nil {
			return // unknown identifiers, patterns matching too few
		}
		if _, _, got := r.Match(ev); got != truth(e, names, yes) {
			t.Fatalf("%q: compiled %v, direct evaluation %v", e.String(), got, !got)
		}
	})
}

func FuzzMatchValue(f *testing.F) {
	for _, s := range [][2]string{{`*\cmd.exe`, `C:\Windows\CMD.exe`}, {`a?c*`, "abcd"}, {`*who*ami*`, "WHO AM AMI"},
		{`a\*b`, "a*b"}, {`\\*`, `\x`}, {`x?y`, "xéy"}, {`*Đà*`, "đà nẵng"}, {`**a**`, "bab"}, {`?`, ""}, {`*a?`, "ab"}} {
		f.Add(s[0], s[1], false)
	}
	f.Fuzz(func(t *testing.T, pattern, value string, cased bool) {
		if !utf8.ValidString(pattern) || strings.ContainsAny(value, "\u212a\u017f") {
			return // regexp refuses invalid UTF-8; K and ſ fold to ASCII only in Unicode
		}
		g := parseGlob(pattern)
		if back := parseGlob(g.String()); !slices.Equal(back, g) {
			t.Fatalf("%q → %q → %v, not %v", pattern, g.String(), back, g)
		}
		var b strings.Builder
		b.WriteString("(?s)")
		if !cased {
			b.WriteString("(?i)")
		}
		b.WriteString("^")
		for _, tk := range g {
			switch tk.kind {
			case tokAny:
				b.WriteString(".*")
			case tokOne:
				b.WriteString(".")
			default:
				b.WriteString(regexp.QuoteMeta(tk.lit))
			}
		}
		b.WriteString("$")
		want := regexp.MustCompile(b.String()).MatchString(value)
		if got := compileGlob(g, cased).match(value); got != want {
			t.Fatalf("pattern %q (%v) on %q: %v, regexp %v", pattern, g, value, got, want)
		}
	})
}
