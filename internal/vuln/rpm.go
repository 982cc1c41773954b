package vuln

import "strings"

// RPM versions: [epoch:]version[-release], the release after the last
// hyphen. The epoch is a number, 0 when absent. Version and release compare
// with rpmvercmp's rules: each is a sequence of maximal runs of ASCII
// digits and of ASCII letters, every other character only separating them
// (so 1.0 = 1_0); "~" sorts before everything, even the end (1.0~rc1 <
// 1.0); "^" sorts after the end but before any further run (1.0 < 1.0^git1
// < 1.0.1); a numeric run is newer than a letter run; numbers compare
// numerically and letters by byte; the version with runs left over is the
// newer. A missing release is an empty one, older than any release
// (rpm's own range checks skip the release when one side has none, which
// is not an order).

type rpmTokKind uint8

const (
	rTilde rpmTokKind = iota
	rEnd              // only as padding when comparing
	rCaret
	rAlpha
	rNum
)

type rpmTok struct {
	kind rpmTokKind
	s    string
}

type rpm struct {
	epoch   string
	version []rpmTok
	release []rpmTok
}

func parseRPM(s string) (parsed, string) {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return nil, "contains a space, control or non-ASCII character"
		}
	}
	v := &rpm{epoch: "0"}
	if e, rest, ok := strings.Cut(s, ":"); ok {
		if e == "" || strings.IndexFunc(e, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return nil, "epoch " + quote(e) + " is not a number"
		}
		v.epoch, s = trimZeros(e), rest
	}
	ver, rel := s, ""
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		ver, rel = s[:i], s[i+1:]
		if rel == "" {
			return nil, "empty release after the last hyphen"
		}
	}
	v.version = rpmTokens(ver)
	if len(v.version) == 0 {
		return nil, "version has no digits or letters"
	}
	v.release = rpmTokens(rel)
	return v, ""
}

func rpmTokens(s string) []rpmTok {
	var out []rpmTok
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '~':
			out = append(out, rpmTok{kind: rTilde})
			i++
		case c == '^':
			out = append(out, rpmTok{kind: rCaret})
			i++
		case isDigit(c):
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			out = append(out, rpmTok{kind: rNum, s: trimZeros(s[i:j])})
			i = j
		case isAlpha(c):
			j := i
			for j < len(s) && isAlpha(s[j]) {
				j++
			}
			out = append(out, rpmTok{kind: rAlpha, s: s[i:j]})
			i = j
		default:
			i++
		}
	}
	return out
}

func (v *rpm) cmp(o parsed) int {
	w := o.(*rpm)
	if c := cmpNum(v.epoch, w.epoch); c != 0 {
		return c
	}
	if c := rpmCmp(v.version, w.version); c != 0 {
		return c
	}
	return rpmCmp(v.release, w.release)
}

func rpmCmp(a, b []rpmTok) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		x, y := rpmTok{kind: rEnd}, rpmTok{kind: rEnd}
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x.kind != y.kind {
			return cmpInt(int(x.kind), int(y.kind))
		}
		switch x.kind {
		case rNum:
			if c := cmpNum(x.s, y.s); c != 0 {
				return c
			}
		case rAlpha:
			if c := strings.Compare(x.s, y.s); c != 0 {
				return c
			}
		}
	}
	return 0
}
