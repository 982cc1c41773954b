package sigma

import (
	"errors"
	"strings"
	"testing"
)

// conditionRule has four identifiers; on condEvent sel_a and filter_c match,
// sel_b and _private do not.
func conditionRule(cond string) string {
	return "sel_a:\n    A: '1'\nsel_b:\n    B: '1'\nfilter_c:\n    C: '1'\n_private:\n    D: '1'\ncondition: " + cond
}

func TestConditionForms(t *testing.T) {
	some := winEvent("A", "1", "B", "0", "C", "1", "D", "0")
	most := winEvent("A", "1", "B", "1", "C", "1", "D", "0")
	cases := []struct {
		cond string
		ev   bool // false: some, true: most
		want bool
	}{
		{"sel_a", false, true},
		{"sel_b", false, false},
		{"sel_a and sel_b", false, false},
		{"sel_a or sel_b", false, true},
		{"not sel_b", false, true},
		{"not sel_a", false, false},
		{"not not sel_a", false, true},
		{"sel_a and not sel_b", false, true},
		{"sel_a AND NOT sel_b", false, true},
		{"(sel_a or sel_b) and filter_c", false, true},
		{"sel_b or sel_a and filter_c", false, true},        // and binds tighter than or
		{"(sel_b or sel_a) and not filter_c", false, false}, // parentheses first
		{"sel_b and sel_a or filter_c", false, true},        // (sel_b and sel_a) or filter_c
		{"not (sel_a and filter_c)", false, false},          // not applies to the group
		{"not sel_a and filter_c", false, false},            // not binds tighter than and
		{"1 of sel_*", false, true},
		{"all of sel_*", false, false},
		{"all of sel_*", true, true},
		{"1 of them", false, true},
		{"all of them", false, false},
		{"all of them", true, true}, // _private is not part of them
		{"2 of them", false, true},
		{"3 of them", false, false},
		{"3 of them", true, true},
		{"1 of filter*", false, true},
		{"sel_b or 1 of sel_* and not sel_b", false, true},
		{"((sel_a))", false, true},
		{"_private", false, false},
		{"not 1 of sel_*", false, false},
	}
	for _, c := range cases {
		t.Run(c.cond, func(t *testing.T) {
			ev := some
			if c.ev {
				ev = most
			}
			if _, _, ok := ruleFor(t, conditionRule(c.cond)).Match(ev); ok != c.want {
				t.Errorf("%q = %v, want %v", c.cond, ok, c.want)
			}
		})
	}
}

func TestConditionList(t *testing.T) {
	r := ruleFor(t, "sel_a:\n    A: '1'\nsel_b:\n    B: '1'\ncondition:\n    - sel_b\n    - sel_a")
	if _, _, ok := r.Match(winEvent("A", "1")); !ok {
		t.Error("a list of conditions is their or")
	}
}

func TestConditionErrors(t *testing.T) {
	deep := strings.Repeat("(", 100) + "sel_a" + strings.Repeat(")", 100)
	cases := []struct {
		cond        string
		unsupported bool
	}{
		{"sel_a | count() > 5", true},
		{"sel_a | count(B) by A > 3", true},
		{"sel_a near sel_b", true},
		{"sel_x", false},
		{"1 of nothing_*", false},
		{"5 of sel_*", false},
		{"(sel_a", false},
		{"sel_a)", false},
		{"sel_a and", false},
		{"sel_a sel_b", false},
		{"not", false},
		{"sel_*", false},
		{"1 of", false},
		{"all of and", false},
		{"''", false},
		{deep, false},
	}
	for _, c := range cases {
		t.Run(c.cond[:min(len(c.cond), 30)], func(t *testing.T) {
			_, err := ParseRule([]byte(ruleText(conditionRule(c.cond))))
			if err == nil {
				t.Fatal("parsed")
			}
			if got := errors.Is(err, ErrUnsupported); got != c.unsupported {
				t.Errorf("unsupported = %v, want %v: %v", got, c.unsupported, err)
			}
		})
	}
}

func TestConditionStringRoundTrip(t *testing.T) {
	for _, s := range []string{
		"a", "not a", "a and b or c", "a and (b or c)", "not (a or b) and 1 of x*",
		"all of them or 2 of sel*", "(a or b) or c", "not not a",
	} {
		e, err := parseCondition(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		again, err := parseCondition(e.String())
		if err != nil || again.String() != e.String() {
			t.Errorf("%q → %q → %v, %v", s, e.String(), again, err)
		}
	}
}
