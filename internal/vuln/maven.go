package vuln

import "strings"

// Maven versions, after Maven's ComparableVersion and the "Version Order
// Specification" of the POM reference. The string is lower-cased and split
// into items at ".", at "-" and at every change between digits and other
// characters; "-" and a change from digits to letters (or back) open a
// nested list, so "1.0-rc-1" is [1, 0, [rc, [1]]]. Empty items are 0.
// Qualifiers order alpha < beta < milestone < rc (= cr) < snapshot <
// "" (= ga = final = release) < sp < every other word (alphabetically); a
// single a, b or m directly followed by a digit means alpha, beta or
// milestone. Each list drops its trailing null items (0, "" and empty
// lists), also those before a final sub-list, so 1.0 = 1 = 1-ga = 1.0.0
// and 1.0-1 = 1-1. Items of different kinds order word < list < number
// (1-sp < 1.0.1, 1-1 < 1.1).
//
// Maven compares a missing item as the null value of the other side's kind,
// which is not a total order ("1.0.alpha" < "1" < "1.sp" < "1.0.alpha" in
// Maven 3.9). Here every position first compares the sign of the rest of
// the list against nothing (below the release, null, above it) and only
// then the items, which is a total order and agrees with Maven on every
// pair that is not part of such a cycle.

type mavenKind uint8

const (
	mWord mavenKind = iota // lower than a list
	mList                  // lower than a number
	mNum
)

type mavenItem struct {
	kind mavenKind
	s    string // number: digits without leading zeros; word: comparable qualifier
	list *mavenList
}

type mavenList struct {
	items []mavenItem
	signs []int8 // signs[i]: the rest of the list from i against nothing
}

// Qualifiers in order; the release (empty qualifier) is at mavenRelease.
var mavenQualifiers = []string{"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"}

const mavenRelease = 5

func mavenWord(w string, followedByDigit bool) string {
	if followedByDigit && len(w) == 1 {
		switch w {
		case "a":
			w = "alpha"
		case "b":
			w = "beta"
		case "m":
			w = "milestone"
		}
	}
	switch w {
	case "ga", "final", "release":
		w = ""
	case "cr":
		w = "rc"
	}
	for i, q := range mavenQualifiers {
		if q == w {
			return string(rune('0' + i))
		}
	}
	return "7-" + w
}

func parseMaven(s string) (parsed, string) {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return nil, "contains a space or control character"
		}
	}
	s = strings.ToLower(s)
	root := &mavenList{}
	list := root
	stack := []*mavenList{root}
	digit := false
	start := 0
	item := func(tok string, isNum bool) mavenItem {
		if isNum {
			return mavenItem{kind: mNum, s: trimZeros(tok)}
		}
		return mavenItem{kind: mWord, s: mavenWord(tok, false)}
	}
	zero := mavenItem{kind: mNum, s: "0"}
	sub := func() {
		n := &mavenList{}
		list.items = append(list.items, mavenItem{kind: mList, list: n})
		list = n
		stack = append(stack, n)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.' || c == '-':
			if i == start {
				list.items = append(list.items, zero)
			} else {
				list.items = append(list.items, item(s[start:i], digit))
			}
			start = i + 1
			if c == '-' {
				sub()
			}
		case isDigit(c):
			if !digit && i > start {
				list.items = append(list.items, mavenItem{kind: mWord, s: mavenWord(s[start:i], true)})
				start = i
				sub()
			}
			digit = true
		default:
			if digit && i > start {
				list.items = append(list.items, item(s[start:i], true))
				start = i
				sub()
			}
			digit = false
		}
	}
	if len(s) > start {
		list.items = append(list.items, item(s[start:], digit))
	}
	for i := len(stack) - 1; i >= 0; i-- {
		stack[i].normalize()
	}
	return root, ""
}

func (it mavenItem) isNull() bool {
	switch it.kind {
	case mNum:
		return it.s == "0"
	case mWord:
		return it.s == string(rune('0'+mavenRelease))
	}
	return len(it.list.items) == 0
}

// sign orders an item against nothing.
func (it mavenItem) sign() int8 {
	switch it.kind {
	case mNum:
		if it.s == "0" {
			return 0
		}
		return 1
	case mWord:
		return int8(strings.Compare(it.s, string(rune('0'+mavenRelease))))
	}
	if len(it.list.items) == 0 {
		return 0
	}
	return it.list.signs[0]
}

// normalize drops trailing null items (also those before a final sub-list)
// and computes the signs. Sub-lists are normalised before their parents.
func (l *mavenList) normalize() {
	for i := len(l.items) - 1; i >= 0; i-- {
		if it := l.items[i]; it.isNull() {
			l.items = append(l.items[:i], l.items[i+1:]...)
		} else if it.kind != mList {
			break
		}
	}
	l.signs = make([]int8, len(l.items))
	var rest int8
	for i := len(l.items) - 1; i >= 0; i-- {
		if s := l.items[i].sign(); s != 0 {
			rest = s
		}
		l.signs[i] = rest
	}
}

func (l *mavenList) signAt(i int) int8 {
	if i < len(l.signs) {
		return l.signs[i]
	}
	return 0
}

func (l *mavenList) cmp(o parsed) int { return l.cmpList(o.(*mavenList)) }

func (l *mavenList) cmpList(w *mavenList) int {
	for i := 0; ; i++ {
		sa, sb := l.signAt(i), w.signAt(i)
		if sa != sb {
			return cmpInt(int(sa), int(sb))
		}
		if sa == 0 {
			return 0 // both rests are null
		}
		a, b := l.items[i], w.items[i]
		if a.kind != b.kind {
			return cmpInt(int(a.kind), int(b.kind))
		}
		var c int
		switch a.kind {
		case mNum:
			c = cmpNum(a.s, b.s)
		case mWord:
			c = strings.Compare(a.s, b.s)
		default:
			c = a.list.cmpList(b.list)
		}
		if c != 0 {
			return c
		}
	}
}
