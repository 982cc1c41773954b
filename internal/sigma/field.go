package sigma

// Evaluation of search identifiers against one event. A field that the event
// does not have matches only null, `exists: false` and neq.

import (
	"slices"

	"github.com/khien-cert/khien/internal/event"
)

// hit is what the alert shows: the first matched field and its value.
type hit struct{ field, value string }

// selection is one search identifier: alternatives (OR) of field maps (AND).
type selection struct {
	name string
	alts [][]*fieldMatcher
	cost int
}

func (s *selection) sortByCost() {
	s.cost = 0
	for _, alt := range s.alts {
		slices.SortStableFunc(alt, func(a, b *fieldMatcher) int { return a.cost - b.cost })
		for _, fm := range alt {
			s.cost += fm.cost
		}
	}
	slices.SortStableFunc(s.alts, func(a, b []*fieldMatcher) int { return altCost(a) - altCost(b) })
}

func altCost(alt []*fieldMatcher) int {
	n := 0
	for _, fm := range alt {
		n += fm.cost
	}
	return n
}

func (s *selection) eval(c *evalCtx) (bool, hit) {
next:
	for _, alt := range s.alts {
		var first hit
		for _, fm := range alt {
			ok, h := fm.eval(c)
			if !ok {
				continue next
			}
			if first.field == "" {
				first = h
			}
		}
		return true, first
	}
	return false, hit{}
}

type fmKind uint8

const (
	fmValues   fmKind = iota // the value groups decide
	fmNull                   // the field is missing or empty
	fmExists                 // the field is present (or absent)
	fmFieldref               // the field equals another field
)

// fieldMatcher is one `Field|modifiers: values` entry, or a keyword list
// when keyword is set.
type fieldMatcher struct {
	name    string // as written in the rule, reported in hits
	ref     fieldRef
	keyword bool
	kind    fmKind
	groups  [][]matcher // fmValues: OR inside a group, AND across groups
	neq     bool        // fmValues: the field must match none of the values
	exists  bool        // fmExists: the wanted presence
	other   fieldRef    // fmFieldref: the field compared with
	op      strOp       // fmFieldref
	fold    bool        // fmFieldref
	cost    int
}

func (fm *fieldMatcher) setCost() {
	switch {
	case fm.keyword:
		fm.cost = 50
	case fm.kind == fmValues:
		fm.cost = 1
		for _, g := range fm.groups {
			for _, m := range g {
				fm.cost += m.cost()
			}
		}
	default:
		fm.cost = 2
	}
}

func (fm *fieldMatcher) eval(c *evalCtx) (bool, hit) {
	if fm.keyword {
		return fm.evalKeywords(c.ev)
	}
	vals, present := c.get(&fm.ref)
	switch fm.kind {
	case fmNull:
		if !present {
			return true, hit{field: fm.name}
		}
		for _, v := range vals {
			if v == "" {
				return true, hit{field: fm.name}
			}
		}
		return false, hit{}
	case fmExists:
		if present != fm.exists {
			return false, hit{}
		}
		if present {
			return true, hit{fm.name, vals[0]}
		}
		return true, hit{field: fm.name}
	case fmFieldref:
		return fm.evalFieldref(c, vals)
	}
	if !present {
		return fm.neq, hit{}
	}
	v, ok := fm.matchGroups(vals)
	if fm.neq {
		return !ok, hit{fm.name, vals[0]}
	}
	return ok, hit{fm.name, v}
}

// matchGroups reports whether every group has a matcher that accepts one of
// the values, and the value that satisfied the first group.
func (fm *fieldMatcher) matchGroups(vals []string) (string, bool) {
	var first string
	for gi, g := range fm.groups {
		v, ok := matchAny(g, vals)
		if !ok {
			return "", false
		}
		if gi == 0 {
			first = v
		}
	}
	return first, true
}

func matchAny(g []matcher, vals []string) (string, bool) {
	for _, v := range vals {
		for _, m := range g {
			if m.match(v) {
				return v, true
			}
		}
	}
	return "", false
}

func matchOne(g []matcher, v string) bool {
	for _, m := range g {
		if m.match(v) {
			return true
		}
	}
	return false
}

// evalKeywords looks for each group in any field of the event.
func (fm *fieldMatcher) evalKeywords(ev *event.Event) (bool, hit) {
	var first hit
	for gi, g := range fm.groups {
		found := false
		for k, v := range ev.Fields {
			if matchOne(g, v) {
				found = true
				if gi == 0 {
					first = hit{k, v}
				}
				break
			}
		}
		if !found {
			return false, hit{}
		}
	}
	return true, first
}

func (fm *fieldMatcher) evalFieldref(c *evalCtx, vals []string) (bool, hit) {
	others, ok := c.get(&fm.other)
	if len(vals) == 0 || !ok {
		return false, hit{}
	}
	for _, v := range vals {
		for _, o := range others {
			if compareDynamic(fm.op, v, o, fm.fold) {
				return true, hit{fm.name, v}
			}
		}
	}
	return false, hit{}
}

// compareDynamic compares two event values, neither of them pre-folded.
func compareDynamic(op strOp, s, p string, fold bool) bool {
	at := func(i int) bool {
		if fold {
			return i >= 0 && i+len(p) <= len(s) && equalFold(s[i:i+len(p)], p)
		}
		return i >= 0 && i+len(p) <= len(s) && s[i:i+len(p)] == p
	}
	switch op {
	case opEqual:
		return len(s) == len(p) && at(0)
	case opPrefix:
		return at(0)
	case opSuffix:
		return at(len(s) - len(p))
	}
	for i := 0; i+len(p) <= len(s); i++ {
		if at(i) {
			return true
		}
	}
	return false
}
