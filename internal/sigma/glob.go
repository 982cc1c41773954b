package sigma

// Sigma's plain values are glob patterns: `*` is any run of characters, `?`
// one character, and `\` escapes a wildcard or another backslash (a lone
// backslash before anything else is itself). This file parses them into
// tokens and compiles the tokens to the cheapest matcher that decides them.

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tokLit tokKind = iota // literal text
	tokOne                // ?: exactly one character
	tokAny                // *: any run of characters, possibly empty
)

type token struct {
	kind tokKind
	lit  string
}

// glob is a parsed pattern. Consecutive literals are merged and consecutive
// tokAny collapsed, so two equal patterns have equal token lists.
type glob []token

// parseGlob parses a Sigma value with its wildcards and escapes.
func parseGlob(s string) glob {
	var g glob
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			g = g.add(token{kind: tokLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			lit.WriteByte(s[i+1])
			i++
		case c == '*' || c == '?':
			flush()
			k := tokAny
			if c == '?' {
				k = tokOne
			}
			g = g.add(token{kind: k})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return g
}

// literal returns the glob that matches exactly s.
func literal(s string) glob {
	return glob(nil).add(token{kind: tokLit, lit: s})
}

// add appends t, keeping the glob normalised.
func (g glob) add(t token) glob {
	if t.kind == tokLit && t.lit == "" {
		return g
	}
	if n := len(g); n > 0 {
		switch {
		case t.kind == tokLit && g[n-1].kind == tokLit:
			g[n-1].lit += t.lit
			return g
		case t.kind == tokAny && g[n-1].kind == tokAny:
			return g
		}
	}
	return append(g, t)
}

// wrap returns g with a leading and/or trailing tokAny.
func (g glob) wrap(before, after bool) glob {
	var out glob
	if before {
		out = out.add(token{kind: tokAny})
	}
	for _, t := range g {
		out = out.add(t)
	}
	if after {
		out = out.add(token{kind: tokAny})
	}
	return out
}

// plain returns the text of a glob without wildcards.
func (g glob) plain() (string, bool) {
	switch {
	case len(g) == 0:
		return "", true
	case len(g) == 1 && g[0].kind == tokLit:
		return g[0].lit, true
	}
	return "", false
}

// String writes g back in Sigma syntax, escaping what needs it.
func (g glob) String() string {
	var b strings.Builder
	for _, t := range g {
		switch t.kind {
		case tokAny:
			b.WriteByte('*')
		case tokOne:
			b.WriteByte('?')
		default:
			for i := 0; i < len(t.lit); i++ {
				if c := t.lit[i]; c == '*' || c == '?' || c == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(t.lit[i])
			}
		}
	}
	return b.String()
}

// compileGlob returns the cheapest matcher for g: equality, prefix, suffix or
// substring on the common shapes, a token walker otherwise, and a regular
// expression when case-insensitive matching meets non-ASCII cased letters.
func compileGlob(g glob, cased bool) matcher {
	fold := !cased
	for _, t := range g {
		if fold && t.kind == tokLit && hasCasedNonASCII(t.lit) {
			return globRegexp(g)
		}
	}
	if fold {
		g = append(glob(nil), g...)
		for i := range g {
			g[i].lit = lowerASCII(g[i].lit)
		}
	}
	lit := func(i int) bool { return g[i].kind == tokLit }
	star := func(i int) bool { return g[i].kind == tokAny }
	switch {
	case len(g) == 0:
		return &strMatcher{op: opEqual, lit: "", fold: fold}
	case len(g) == 1 && lit(0):
		return &strMatcher{op: opEqual, lit: g[0].lit, fold: fold}
	case len(g) == 1 && star(0):
		return anyMatcher{}
	case len(g) == 2 && lit(0) && star(1):
		return &strMatcher{op: opPrefix, lit: g[0].lit, fold: fold}
	case len(g) == 2 && star(0) && lit(1):
		return &strMatcher{op: opSuffix, lit: g[1].lit, fold: fold}
	case len(g) == 3 && star(0) && lit(1) && star(2):
		return &strMatcher{op: opContains, lit: g[1].lit, fold: fold}
	}
	return &globMatcher{g: g, fold: fold}
}

// globRegexp translates g to an anchored, case-insensitive expression.
func globRegexp(g glob) matcher {
	var b strings.Builder
	b.WriteString(`(?is)^`)
	for _, t := range g {
		switch t.kind {
		case tokAny:
			b.WriteString(`.*`)
		case tokOne:
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(t.lit))
		}
	}
	b.WriteString(`$`)
	return &regexMatcher{re: regexp.MustCompile(b.String())}
}

// globMatcher walks the tokens: the fixed head and tail are anchored at the
// ends, then each run between two `*` is found leftmost in what is left,
// which is optimal because `*` accepts anything.
type globMatcher struct {
	g    glob
	fold bool
}

func (m *globMatcher) cost() int { return 6 }

func (m *globMatcher) match(s string) bool {
	g := m.g
	head := 0
	for head < len(g) && g[head].kind != tokAny {
		head++
	}
	start := matchRun(g[:head], s, 0, m.fold)
	if start < 0 {
		return false
	}
	if head == len(g) {
		return start == len(s)
	}
	tail := len(g)
	for g[tail-1].kind != tokAny {
		tail--
	}
	end := matchRunBack(g[tail:], s, len(s), m.fold)
	if end < start {
		return false
	}
	window := s[:end]
	for i := head + 1; i < tail; {
		j := i
		for j < tail && g[j].kind != tokAny {
			j++
		}
		next := findRun(g[i:j], window, start, m.fold)
		if next < 0 {
			return false
		}
		start = next
		i = j + 1
	}
	return true
}

// matchRun matches tokens without tokAny at s[i:], returning the end or -1.
func matchRun(run glob, s string, i int, fold bool) int {
	for _, t := range run {
		if t.kind == tokOne {
			if i >= len(s) {
				return -1
			}
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
			continue
		}
		if !equalAt(s, i, t.lit, fold) {
			return -1
		}
		i += len(t.lit)
	}
	return i
}

// matchRunBack matches tokens without tokAny ending at s[:end], returning
// where they start or -1.
func matchRunBack(run glob, s string, end int, fold bool) int {
	for k := len(run) - 1; k >= 0; k-- {
		t := run[k]
		if t.kind == tokOne {
			if end <= 0 {
				return -1
			}
			_, n := utf8.DecodeLastRuneInString(s[:end])
			end -= n
			continue
		}
		if !equalAt(s, end-len(t.lit), t.lit, fold) {
			return -1
		}
		end -= len(t.lit)
	}
	return end
}

// findRun finds the leftmost match of run in s at or after from, trying
// starts on character boundaries, and returns its end or -1.
func findRun(run glob, s string, from int, fold bool) int {
	for i := from; i <= len(s); {
		if run[0].kind == tokLit {
			i = indexFrom(s, i, run[0].lit, fold)
			if i < 0 {
				return -1
			}
		}
		if e := matchRun(run, s, i, fold); e >= 0 {
			return e
		}
		if i == len(s) {
			break
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return -1
}
