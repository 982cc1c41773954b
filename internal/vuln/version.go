package vuln

import (
	"fmt"
	"strings"

	"github.com/khien-cert/khien/internal/advisory"
)

// MaxVersionLen bounds a version string any scheme accepts. Real versions
// are a few dozen bytes; the bound keeps parsing and comparing linear in a
// small constant on hostile input.
const MaxVersionLen = 256

// scheme numbers, the index of a scheme in per-scheme tables.
const (
	sSemver = iota
	sPEP440
	sMaven
	sDeb
	sRPM
	sCPE
	nSchemes
)

var schemeNames = [nSchemes]string{
	sSemver: advisory.SchemeSemver,
	sPEP440: advisory.SchemePEP440,
	sMaven:  advisory.SchemeMaven,
	sDeb:    advisory.SchemeDeb,
	sRPM:    advisory.SchemeRPM,
	sCPE:    advisory.SchemeCPE,
}

// schemeIndex returns the index of a scheme name, or -1.
func schemeIndex(scheme string) int {
	for i, n := range schemeNames {
		if n == scheme {
			return i
		}
	}
	return -1
}

// parsed is the comparable form of a version in one scheme. cmp is only
// ever called with a value of the same concrete type.
type parsed interface {
	cmp(o parsed) int
}

// Version is a version parsed in one scheme. Parsing does the work once;
// Compare then costs no allocation. The zero Version is invalid.
type Version struct {
	scheme int8
	raw    string
	p      parsed
}

// Scheme returns the scheme the version was parsed in.
func (v Version) Scheme() string {
	if v.p == nil {
		return ""
	}
	return schemeNames[v.scheme]
}

// String returns the version as it was given.
func (v Version) String() string { return v.raw }

// Valid reports whether v came from a successful Parse.
func (v Version) Valid() bool { return v.p != nil }

// Compare orders v against w: -1, 0 or +1. Both must be valid versions of
// the same scheme; otherwise it panics, as comparing apples with pears is
// a programming error, not bad input.
func (v Version) Compare(w Version) int {
	if v.p == nil || w.p == nil || v.scheme != w.scheme {
		panic("vuln: Compare of versions of different schemes or invalid versions")
	}
	return v.p.cmp(w.p)
}

// VersionError says a version string cannot be compared in a scheme.
type VersionError struct {
	Scheme string
	Value  string
	Reason string
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("%s version %q: %s", e.Scheme, e.Value, e.Reason)
}

// Parse parses v in scheme (one of the advisory.Scheme constants).
func Parse(scheme, v string) (Version, error) {
	i := schemeIndex(scheme)
	if i < 0 {
		return Version{}, &VersionError{Scheme: scheme, Value: v, Reason: "unknown version scheme"}
	}
	return parseIn(i, v)
}

func parseIn(i int, v string) (Version, error) {
	fail := func(reason string) (Version, error) {
		return Version{}, &VersionError{Scheme: schemeNames[i], Value: v, Reason: reason}
	}
	s := strings.TrimSpace(v)
	switch {
	case s == "":
		return fail("empty version")
	case len(s) > MaxVersionLen:
		return fail(fmt.Sprintf("longer than %d bytes", MaxVersionLen))
	}
	var (
		p      parsed
		reason string
	)
	switch i {
	case sSemver:
		p, reason = parseSemver(s)
	case sPEP440:
		p, reason = parsePEP440(s)
	case sMaven:
		p, reason = parseMaven(s)
	case sDeb:
		p, reason = parseDeb(s)
	case sRPM:
		p, reason = parseRPM(s)
	case sCPE:
		p, reason = parseGeneric(s)
	}
	if reason != "" {
		return fail(reason)
	}
	return Version{scheme: int8(i), raw: v, p: p}, nil
}

// Compare parses a and b in scheme and orders them: -1, 0 or +1.
func Compare(scheme, a, b string) (int, error) {
	va, err := Parse(scheme, a)
	if err != nil {
		return 0, err
	}
	vb, err := Parse(scheme, b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}

// SchemeForPURL returns the version scheme of a package URL type: semver
// for npm, golang, cargo, nuget, gem and the like, pep440 for pypi, maven,
// deb, rpm, and cpe (generic dotted versions) for every other type.
func SchemeForPURL(purlType string) string {
	switch strings.ToLower(purlType) {
	case "npm", "golang", "cargo", "nuget", "gem", "hex", "pub", "swift", "cocoapods", "composer":
		return advisory.SchemeSemver
	case "pypi":
		return advisory.SchemePEP440
	case "maven":
		return advisory.SchemeMaven
	case "deb":
		return advisory.SchemeDeb
	case "rpm":
		return advisory.SchemeRPM
	}
	return advisory.SchemeCPE
}

// Small helpers shared by the parsers.

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// trimZeros drops leading zeros of a digit string, keeping "0" for zero.
func trimZeros(d string) string {
	i := 0
	for i < len(d)-1 && d[i] == '0' {
		i++
	}
	return d[i:]
}

// cmpNum orders two digit strings without leading zeros (trimZeros) as
// numbers of any length.
func cmpNum(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
