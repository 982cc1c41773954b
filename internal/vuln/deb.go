package vuln

import "strings"

// Debian package versions (Debian Policy 5.6.12): [epoch:]upstream[-revision].
// The epoch is a number (0 when absent); the revision is what follows the
// last hyphen (absent is the same as "0"). Upstream and revision compare
// alike: alternately a run of non-digits, character by character, where
// "~" sorts before everything, even the end of the run, then the end, then
// letters, then every other character (in ASCII order within each class);
// then a run of digits, numerically. So 1.0~rc1 < 1.0 < 1.0a < 1.0+b1.

type deb struct {
	epoch    string
	upstream string
	revision string
}

func debChars(s string, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && !strings.ContainsRune(extra, rune(c)) {
			return false
		}
	}
	return true
}

func parseDeb(s string) (parsed, string) {
	v := &deb{epoch: "0"}
	if e, rest, ok := strings.Cut(s, ":"); ok {
		if e == "" || !debChars(e, "") || strings.IndexFunc(e, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return nil, "epoch " + quote(e) + " is not a number"
		}
		v.epoch, s = trimZeros(e), rest
	}
	up, rev := s, ""
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		up, rev = s[:i], s[i+1:]
		if rev == "" {
			return nil, "empty revision after the last hyphen"
		}
		if !debChars(rev, "+.~") {
			return nil, "revision " + quote(rev) + " has a character other than letters, digits, + . ~"
		}
	}
	if up == "" {
		return nil, "empty upstream version"
	}
	if !isDigit(up[0]) {
		return nil, "upstream version " + quote(up) + " does not start with a digit"
	}
	if !debChars(up, ".+~-:") {
		return nil, "upstream version " + quote(up) + " has a character other than letters, digits, . + ~ - :"
	}
	v.upstream, v.revision = up, rev
	return v, ""
}

func (v *deb) cmp(o parsed) int {
	w := o.(*deb)
	if c := cmpNum(v.epoch, w.epoch); c != 0 {
		return c
	}
	if c := debCmp(v.upstream, w.upstream); c != 0 {
		return c
	}
	return debCmp(v.revision, w.revision)
}

// debOrder is the weight of a character in a non-digit run; 0 is the end
// of the run.
func debOrder(c byte) int {
	switch {
	case c == '~':
		return -1
	case isAlpha(c):
		return int(c)
	}
	return int(c) + 256
}

// debCmp compares two upstream versions or revisions.
func debCmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isDigit(a[i]) || j < len(b) && !isDigit(b[j]) {
			ca, cb := 0, 0
			if i < len(a) && !isDigit(a[i]) {
				ca = debOrder(a[i])
				i++
			}
			if j < len(b) && !isDigit(b[j]) {
				cb = debOrder(b[j])
				j++
			}
			if ca != cb {
				return cmpInt(ca, cb)
			}
		}
		si := i
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		sj := j
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if c := cmpNum(trimZeros(orZero(a[si:i])), trimZeros(orZero(b[sj:j]))); c != 0 {
			return c
		}
	}
	return 0
}

func orZero(d string) string {
	if d == "" {
		return "0"
	}
	return d
}
