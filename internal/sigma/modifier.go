package sigma

// Field modifiers: the chain after a field name, `CommandLine|contains|all`.
// Transformations (windash, base64, base64offset, utf16*) turn each value into
// one or more literal values; the position modifiers (contains, startswith,
// endswith) then add wildcards, whatever their place in the chain, so both
// `|windash|contains` and `|contains|windash` mean what their authors meant;
// the type modifiers (re, cidr, gt…, exists, fieldref) choose the matcher.

import (
	"encoding/base64"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

type valueType uint8

const (
	typePlain valueType = iota
	typeRe
	typeCIDR
	typeNum
	typeExists
	typeFieldref
)

// modifiers is a parsed modifier chain.
type modifiers struct {
	before, after bool // wildcards added at the start / end (contains = both)
	all           bool
	cased         bool
	neq           bool
	typ           valueType
	reFlags       string
	num           numOp
	transforms    []string // in rule order
}

// maxWindash bounds the alternatives one windash value expands to.
const maxWindash = 625

// typeModifiers choose the matcher; at most one may appear. Never modified.
var typeModifiers = map[string]valueType{
	"re": typeRe, "cidr": typeCIDR, "exists": typeExists, "fieldref": typeFieldref,
	"gt": typeNum, "gte": typeNum, "lt": typeNum, "lte": typeNum,
}

var numOps = map[string]numOp{"gt": opGT, "gte": opGTE, "lt": opLT, "lte": opLTE}

func parseModifiers(mods []string) (modifiers, error) {
	var m modifiers
	for _, name := range mods {
		if t, ok := typeModifiers[name]; ok {
			if m.typ != typePlain {
				return m, invalidf("modifier %q cannot be combined with another type modifier", name)
			}
			m.typ, m.num = t, numOps[name]
			continue
		}
		switch name {
		case "contains":
			m.before, m.after = true, true
		case "startswith":
			m.after = true
		case "endswith":
			m.before = true
		case "all":
			m.all = true
		case "cased":
			m.cased = true
		case "neq":
			m.neq = true
		case "i", "m", "s":
			if m.typ != typeRe {
				return m, invalidf("modifier %q is only valid after re", name)
			}
			if !strings.Contains(m.reFlags, name) {
				m.reFlags += name
			}
		case "windash", "base64", "base64offset", "utf16le", "utf16be", "utf16", "wide":
			m.transforms = append(m.transforms, name)
		case "expand":
			return m, unsupportedf("modifier expand: placeholders need a placeholder table")
		case "minute", "hour", "day", "week", "month", "year":
			return m, unsupportedf("time modifier %q", name)
		default:
			return m, unsupportedf("unknown modifier %q", name)
		}
	}
	if (m.before || m.after) && m.typ != typePlain && m.typ != typeFieldref {
		return m, invalidf("contains, startswith and endswith do not apply to re, cidr, numeric or exists")
	}
	if len(m.transforms) > 0 && m.typ != typePlain {
		return m, invalidf("encoding modifiers apply to plain values only")
	}
	return m, nil
}

// transform applies one transformation modifier to a value.
func transform(name string, g glob) ([]glob, error) {
	if name == "windash" {
		return windash(g)
	}
	s, ok := g.plain()
	if !ok {
		return nil, invalidf("modifier %s cannot encode a value with wildcards", name)
	}
	switch name {
	case "base64":
		return []glob{literal(base64.StdEncoding.EncodeToString([]byte(s)))}, nil
	case "base64offset":
		return base64Offsets(s), nil
	case "utf16le", "wide":
		return []glob{literal(utf16Bytes(s, false, false))}, nil
	case "utf16be":
		return []glob{literal(utf16Bytes(s, true, false))}, nil
	}
	return []glob{literal(utf16Bytes(s, false, true))}, nil // utf16: LE with BOM
}

// base64Offsets returns the three encodings of s as it would appear at each
// offset modulo 3 inside a longer base64 text: with i bytes before it, the
// first characters also encode those bytes and are dropped (none, 2 or 3
// characters), and the last characters that also encode what follows are
// dropped with the padding (none, 3 or 2 characters for 0, 1 or 2 bytes in
// the last group).
func base64Offsets(s string) []glob {
	skip := [3]int{0, 2, 3}
	trim := [3]int{0, 3, 2}
	var out []glob
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		lo, hi := skip[i], len(enc)-trim[(i+len(s))%3]
		if lo >= hi {
			continue
		}
		out = append(out, literal(enc[lo:hi]))
	}
	if len(out) == 0 {
		out = append(out, literal(""))
	}
	return out
}

// utf16Bytes encodes s as UTF-16, big- or little-endian, optionally with the
// byte order mark.
func utf16Bytes(s string, bigEndian, bom bool) string {
	var b strings.Builder
	if bom {
		b.WriteString("\xff\xfe")
	}
	for _, u := range utf16.Encode([]rune(s)) {
		hi, lo := byte(u>>8), byte(u)
		if bigEndian {
			b.WriteByte(hi)
			b.WriteByte(lo)
		} else {
			b.WriteByte(lo)
			b.WriteByte(hi)
		}
	}
	return b.String()
}

// dashes are the characters windash makes interchangeable.
var dashes = [...]string{"-", "/", "\u2013", "\u2014", "\u2015"}

// windash expands every command-line flag dash in g's literals — a dash
// or slash after a non-word character (or the start) and before a word
// character, like ` -enc` or `/c` — into all five dash characters.
func windash(g glob) ([]glob, error) {
	type site struct{ tok, at, width int }
	var sites []site
	for ti, t := range g {
		if t.kind != tokLit {
			continue
		}
		for i := 0; i < len(t.lit); {
			r, n := utf8.DecodeRuneInString(t.lit[i:])
			if isDash(r) && (i == 0 || !isWordByte(t.lit[i-1])) && i+n < len(t.lit) && isWordByte(t.lit[i+n]) {
				sites = append(sites, site{ti, i, n})
			}
			i += n
		}
	}
	total := 1
	for range sites {
		total *= len(dashes)
		if total > maxWindash {
			return nil, unsupportedf("windash value %q expands to more than %d alternatives", g.String(), maxWindash)
		}
	}
	out := make([]glob, 0, total)
	for k := 0; k < total; k++ {
		c := append(glob(nil), g...)
		n := k
		for si := len(sites) - 1; si >= 0; si-- {
			st := sites[si] // right to left, so earlier offsets stay valid
			lit := c[st.tok].lit
			c[st.tok].lit = lit[:st.at] + dashes[n%len(dashes)] + lit[st.at+st.width:]
			n /= len(dashes)
		}
		out = append(out, c)
	}
	return out, nil
}

func isDash(r rune) bool {
	return r == '-' || r == '/' || r == '\u2013' || r == '\u2014' || r == '\u2015'
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
