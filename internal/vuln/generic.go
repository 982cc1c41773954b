package vuln

import "strings"

// Generic versions, for CPE names and ecosystems without a scheme of their
// own, compared the way NVD's version ranges are read in practice. A
// version is the sequence of its maximal runs of ASCII digits and of ASCII
// letters (lower-cased); every other character only separates them, and
// trailing zero numbers are dropped (2.4 = 2.4.0 = 2-4). Tokens order:
//
//	pre-release word < (end, 0) < other word < number > 0
//
// where the pre-release words are dev < snapshot < alpha < beta <
// milestone < pre < preview < rc (so 2.0rc1 < 2.0 < 2.0a < 2.0.1: a
// letter after a release is a patch level, as in OpenSSL's 1.0.2k);
// numbers compare numerically, other words alphabetically.

type genTok struct {
	rank int8 // 0..7 pre-release word, 8 end or zero, 9 word, 10 number
	s    string
}

const (
	gZero int8 = 8
	gWord int8 = 9
	gNum  int8 = 10
)

var genPre = map[string]int8{
	"dev": 0, "snapshot": 1, "alpha": 2, "beta": 3, "milestone": 4, "pre": 5, "preview": 6, "rc": 7,
}

type generic []genTok

func parseGeneric(s string) (parsed, string) {
	var v generic
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c < ' ' || c == 0x7f:
			return nil, "contains a control character"
		case isDigit(c):
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			d := trimZeros(s[i:j])
			if d == "0" {
				v = append(v, genTok{rank: gZero})
			} else {
				v = append(v, genTok{rank: gNum, s: d})
			}
			i = j
		case isAlpha(c):
			j := i
			for j < len(s) && isAlpha(s[j]) {
				j++
			}
			w := strings.ToLower(s[i:j])
			if r, ok := genPre[w]; ok {
				v = append(v, genTok{rank: r})
			} else {
				v = append(v, genTok{rank: gWord, s: w})
			}
			i = j
		default:
			i++
		}
	}
	if len(v) == 0 {
		return nil, "has no digits or letters"
	}
	for len(v) > 0 && v[len(v)-1].rank == gZero {
		v = v[:len(v)-1]
	}
	return v, ""
}

func (v generic) cmp(o parsed) int {
	w := o.(generic)
	for i := 0; i < len(v) || i < len(w); i++ {
		x, y := genTok{rank: gZero}, genTok{rank: gZero}
		if i < len(v) {
			x = v[i]
		}
		if i < len(w) {
			y = w[i]
		}
		if x.rank != y.rank {
			return cmpInt(int(x.rank), int(y.rank))
		}
		switch x.rank {
		case gNum:
			if c := cmpNum(x.s, y.s); c != 0 {
				return c
			}
		case gWord:
			if c := strings.Compare(x.s, y.s); c != 0 {
				return c
			}
		}
	}
	return 0
}
