package vuln

import "strings"

// PEP 440 (packaging.python.org, "Version specifiers"), with its
// normalisation: case-insensitive; a leading "v"; an epoch "N!"; a release
// N(.N)*, trailing zeros insignificant (1.0 == 1.0.0); a pre-release a, b
// or rc (spelt alpha, beta, c, pre, preview too, with an optional
// separator "-", "_" or "." before and after and an implicit 0); a
// post-release post, rev or r (or the implicit "-N"); a dev release; a
// local version "+seg.seg" whose separators may be "-", "_" or ".".
//
// Order within one release: X.devN < X.aN.devM < X.aN < X.aN.postM < X.bN
// < X.rcN < X < X.postN.devM < X.postN < X+local. Local segments compare
// one by one, numeric ones as integers and above alphanumeric ones (which
// compare case-insensitively), more segments above fewer.

type pep440 struct {
	epoch   string
	release []string // digit strings, trailing zeros removed
	preL    int8     // 0 none, 1 a, 2 b, 3 rc
	pre     string
	post    string // "" none
	dev     string // "" none
	hasDev  bool
	hasPost bool
	local   []semIdent // num: numeric segment
}

// scanner is a cursor over a lower-cased version string.
type scanner struct {
	s string
	i int
}

func (sc *scanner) done() bool { return sc.i >= len(sc.s) }

func (sc *scanner) digits() (string, bool) {
	j := sc.i
	for j < len(sc.s) && isDigit(sc.s[j]) {
		j++
	}
	if j == sc.i {
		return "", false
	}
	d := sc.s[sc.i:j]
	sc.i = j
	return trimZeros(d), true
}

// sep consumes one optional separator "-", "_" or ".".
func (sc *scanner) sep() {
	if !sc.done() && (sc.s[sc.i] == '-' || sc.s[sc.i] == '_' || sc.s[sc.i] == '.') {
		sc.i++
	}
}

// word consumes the first of words that starts at the cursor, after an
// optional separator, and returns its index; on no match the cursor stays.
func (sc *scanner) word(words ...string) int {
	start := sc.i
	sc.sep()
	for k, w := range words {
		if strings.HasPrefix(sc.s[sc.i:], w) {
			sc.i += len(w)
			return k
		}
	}
	sc.i = start
	return -1
}

var pepPre = []string{"alpha", "a", "beta", "b", "preview", "pre", "c", "rc"}
var pepPreRank = []int8{1, 1, 2, 2, 3, 3, 3, 3}

func parsePEP440(s string) (parsed, string) {
	s = strings.ToLower(s)
	if s[0] == 'v' {
		s = s[1:]
	}
	v := &pep440{epoch: "0"}
	main, local, hasLocal := strings.Cut(s, "+")
	sc := &scanner{s: main}
	d, ok := sc.digits()
	if !ok {
		return nil, "does not start with a number"
	}
	if !sc.done() && sc.s[sc.i] == '!' {
		sc.i++
		v.epoch = d
		if d, ok = sc.digits(); !ok {
			return nil, "no release after the epoch"
		}
	}
	v.release = append(v.release, d)
	for !sc.done() && sc.s[sc.i] == '.' && sc.i+1 < len(sc.s) && isDigit(sc.s[sc.i+1]) {
		sc.i++
		d, _ = sc.digits()
		v.release = append(v.release, d)
	}
	for len(v.release) > 1 && v.release[len(v.release)-1] == "0" {
		v.release = v.release[:len(v.release)-1]
	}
	if k := sc.word(pepPre...); k >= 0 {
		v.preL = pepPreRank[k]
		v.pre = sc.optNum()
	}
	if !sc.done() && sc.s[sc.i] == '-' && sc.i+1 < len(sc.s) && isDigit(sc.s[sc.i+1]) {
		sc.i++
		v.post, _ = sc.digits()
		v.hasPost = true
	} else if sc.word("post", "rev", "r") >= 0 {
		v.post, v.hasPost = sc.optNum(), true
	}
	if sc.word("dev") >= 0 {
		v.dev, v.hasDev = sc.optNum(), true
	}
	if !sc.done() {
		return nil, "unexpected " + quote(sc.s[sc.i:])
	}
	if hasLocal {
		if local == "" {
			return nil, "empty local version"
		}
		for seg := range strings.FieldsFuncSeq(local, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
			num := true
			for j := 0; j < len(seg); j++ {
				if !isAlnum(seg[j]) {
					return nil, "local version " + quote(local) + " has a character other than letters, digits and separators"
				}
				num = num && isDigit(seg[j])
			}
			if num {
				seg = trimZeros(seg)
			}
			v.local = append(v.local, semIdent{s: seg, num: num})
		}
		if len(v.local) == 0 || strings.Count(local, "-")+strings.Count(local, "_")+strings.Count(local, ".") != len(v.local)-1 {
			return nil, "local version " + quote(local) + " has empty segments"
		}
	}
	return v, ""
}

// optNum consumes an optional separator and number; the number is "0" when
// absent.
func (sc *scanner) optNum() string {
	start := sc.i
	sc.sep()
	if d, ok := sc.digits(); ok {
		return d
	}
	sc.i = start
	return "0"
}

// preKey orders the pre-release slot: a dev release of a final version sorts
// below every pre-release, a final (or post) release above them.
func (v *pep440) preKey() int8 {
	switch {
	case v.preL == 0 && !v.hasPost && v.hasDev:
		return -1
	case v.preL == 0:
		return 4
	}
	return v.preL
}

func (v *pep440) cmp(o parsed) int {
	w := o.(*pep440)
	if c := cmpNum(v.epoch, w.epoch); c != 0 {
		return c
	}
	for i := 0; i < len(v.release) || i < len(w.release); i++ {
		a, b := "0", "0"
		if i < len(v.release) {
			a = v.release[i]
		}
		if i < len(w.release) {
			b = w.release[i]
		}
		if c := cmpNum(a, b); c != 0 {
			return c
		}
	}
	if c := cmpInt(int(v.preKey()), int(w.preKey())); c != 0 {
		return c
	}
	if v.preL != 0 {
		if c := cmpNum(v.pre, w.pre); c != 0 {
			return c
		}
	}
	if c := cmpOpt(v.hasPost, v.post, w.hasPost, w.post, -1); c != 0 {
		return c
	}
	if c := cmpOpt(v.hasDev, v.dev, w.hasDev, w.dev, 1); c != 0 {
		return c
	}
	for i := 0; i < len(v.local) && i < len(w.local); i++ {
		a, b := v.local[i], w.local[i]
		var c int
		switch {
		case a.num && b.num:
			c = cmpNum(a.s, b.s)
		case a.num:
			c = 1
		case b.num:
			c = -1
		default:
			c = strings.Compare(a.s, b.s)
		}
		if c != 0 {
			return c
		}
	}
	return cmpInt(len(v.local), len(w.local))
}

// cmpOpt orders optional numbers; absent sorts as absent (-1 below every
// number, +1 above).
func cmpOpt(hasA bool, a string, hasB bool, b string, absent int) int {
	switch {
	case hasA && hasB:
		return cmpNum(a, b)
	case hasA:
		return -absent
	case hasB:
		return absent
	}
	return 0
}
