package sigma

// The matchers below decide one value of one field. None of them allocates
// on the hot path; each states a rough cost so that conjunctions can try the
// cheap tests first.

import (
	"net/netip"
	"regexp"
	"strconv"
)

// matcher decides whether one field value matches.
type matcher interface {
	match(s string) bool
	cost() int
}

type strOp uint8

const (
	opEqual strOp = iota
	opPrefix
	opSuffix
	opContains
)

// strMatcher compares against a literal; with fold, lit is lower case.
type strMatcher struct {
	op   strOp
	lit  string
	fold bool
}

func (m *strMatcher) cost() int {
	if m.op == opContains {
		return 3
	}
	return 1
}

func (m *strMatcher) match(s string) bool {
	switch m.op {
	case opEqual:
		return len(s) == len(m.lit) && equalAt(s, 0, m.lit, m.fold)
	case opPrefix:
		return equalAt(s, 0, m.lit, m.fold)
	case opSuffix:
		return equalAt(s, len(s)-len(m.lit), m.lit, m.fold)
	}
	return indexFrom(s, 0, m.lit, m.fold) >= 0
}

// anyMatcher is the pattern `*`: every present value matches.
type anyMatcher struct{}

func (anyMatcher) match(string) bool { return true }
func (anyMatcher) cost() int         { return 0 }

// regexMatcher is the `re` modifier: an unanchored search.
type regexMatcher struct{ re *regexp.Regexp }

func (m *regexMatcher) match(s string) bool { return m.re.MatchString(s) }
func (m *regexMatcher) cost() int           { return 20 }

// cidrMatcher is the `cidr` modifier. IPv4-mapped IPv6 addresses count as
// the IPv4 address they carry.
type cidrMatcher struct{ p netip.Prefix }

func (m *cidrMatcher) cost() int { return 4 }

func (m *cidrMatcher) match(s string) bool {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	return m.p.Contains(a.Unmap().WithZone(""))
}

type numOp uint8

const (
	opLT numOp = iota
	opLTE
	opGT
	opGTE
)

// numMatcher is one of gt, gte, lt, lte. A value that is not a number does
// not match.
type numMatcher struct {
	op numOp
	n  float64
}

func (m *numMatcher) cost() int { return 2 }

func (m *numMatcher) match(s string) bool {
	if !looksNumeric(s) {
		return false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return false
	}
	switch m.op {
	case opLT:
		return v < m.n
	case opLTE:
		return v <= m.n
	case opGT:
		return v > m.n
	}
	return v >= m.n
}

// looksNumeric rejects most non-numbers before strconv, whose error would
// allocate.
func looksNumeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return false
		}
	}
	return true
}
