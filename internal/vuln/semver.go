package vuln

import "strings"

// SemVer 2.0.0 (semver.org), with the tolerance real ecosystems need:
//
//   - a leading "v" or "V" (Go modules, Git tags) and a leading "=" (npm);
//   - one to four numeric components, the missing ones zero ("1.2" is
//     1.2.0; NuGet's fourth component "1.2.3.4" orders after 1.2.3);
//   - leading zeros in numeric components are ignored rather than refused;
//   - a RubyGems-style pre-release introduced by a dot ("1.2.3.beta1" is
//     1.2.3-beta1).
//
// Precedence: the numeric components numerically; a version with a
// pre-release sorts before the same version without one; pre-release
// identifiers compare left to right, numeric ones numerically and below
// alphanumeric ones, alphanumeric ones in ASCII order, and a shorter list
// of equal leading identifiers first. Build metadata ("+…") is ignored.

type semver struct {
	core [4]string // digit strings without leading zeros
	pre  []semIdent
}

type semIdent struct {
	s   string
	num bool
}

func parseSemver(s string) (parsed, string) {
	if s[0] == 'v' || s[0] == 'V' || s[0] == '=' {
		s = s[1:]
	}
	if b := strings.IndexByte(s, '+'); b >= 0 {
		if reason := checkIdents(s[b+1:]); reason != "" {
			return nil, "build metadata: " + reason
		}
		s = s[:b]
	}
	var v semver
	core, pre, hasPre := strings.Cut(s, "-")
	// RubyGems: the first dot-separated part starting with a letter begins the
	// pre-release.
	if !hasPre {
		parts := strings.Split(core, ".")
		for i, p := range parts {
			if i > 0 && p != "" && isAlpha(p[0]) && p != "x" && p != "X" {
				core, pre, hasPre = strings.Join(parts[:i], "."), strings.Join(parts[i:], "."), true
				break
			}
		}
	}
	parts := strings.Split(core, ".")
	if len(parts) > 4 {
		return nil, "more than four numeric components"
	}
	for i, p := range parts {
		if p == "" {
			return nil, "empty numeric component"
		}
		for j := 0; j < len(p); j++ {
			if !isDigit(p[j]) {
				return nil, "numeric component " + quote(p) + " is not a number"
			}
		}
		v.core[i] = trimZeros(p)
	}
	for i := len(parts); i < 4; i++ {
		v.core[i] = "0"
	}
	if hasPre {
		if reason := checkIdents(pre); reason != "" {
			return nil, "pre-release: " + reason
		}
		for id := range strings.SplitSeq(pre, ".") {
			num := true
			for j := 0; j < len(id); j++ {
				num = num && isDigit(id[j])
			}
			if num {
				id = trimZeros(id)
			}
			v.pre = append(v.pre, semIdent{s: id, num: num})
		}
	}
	return &v, ""
}

// checkIdents checks dot-separated identifiers of [0-9A-Za-z-].
func checkIdents(s string) string {
	if s == "" {
		return "empty"
	}
	for id := range strings.SplitSeq(s, ".") {
		if id == "" {
			return "empty identifier"
		}
		for j := 0; j < len(id); j++ {
			if c := id[j]; !isAlnum(c) && c != '-' {
				return "identifier " + quote(id) + " has a character other than letters, digits and hyphens"
			}
		}
	}
	return ""
}

func (v *semver) cmp(o parsed) int {
	w := o.(*semver)
	for i := range v.core {
		if c := cmpNum(v.core[i], w.core[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(v.pre) == 0 && len(w.pre) == 0:
		return 0
	case len(v.pre) == 0:
		return 1
	case len(w.pre) == 0:
		return -1
	}
	for i := 0; i < len(v.pre) && i < len(w.pre); i++ {
		a, b := v.pre[i], w.pre[i]
		var c int
		switch {
		case a.num && b.num:
			c = cmpNum(a.s, b.s)
		case a.num:
			c = -1
		case b.num:
			c = 1
		default:
			c = strings.Compare(a.s, b.s)
		}
		if c != 0 {
			return c
		}
	}
	return cmpInt(len(v.pre), len(w.pre))
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + s + `"`
}
