package telemetry

import (
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds JSON nesting, so hostile input cannot exhaust the stack.
const maxDepth = 64

// flatten parses one JSON object strictly (RFC 8259) and returns every
// scalar in it under a dotted key: {"a":{"b":[1,"x"]}} gives "a.b.0" = "1"
// and "a.b.1" = "x". Numbers keep their literal text, so nothing loses
// precision; true and false become "true" and "false"; null becomes "".
// Empty objects and arrays add nothing. A repeated key keeps its last value.
//
// It is hand-written rather than built on encoding/json because it is the
// hot path of ingest: it makes one string copy of the input, takes unescaped
// keys and values as substrings of it, and builds no map[string]any.
func flatten(raw []byte) (map[string]string, error) {
	p, err := parseFlat(raw, nil)
	if err != nil {
		return nil, err
	}
	defer p.release()
	return p.fieldMap(), nil
}

// fieldMap returns the parsed pairs as a map. The map is made once its
// exact size is known: a map sized by a guess is often twice as big, and
// allocation is most of the cost here.
func (p *flattener) fieldMap() map[string]string {
	out := make(map[string]string, len(p.kvs))
	for _, e := range p.kvs {
		out[e.k] = e.v
	}
	return out
}

// parseFlat parses raw as flatten describes and returns the parser holding
// the key/value pairs; the caller releases it. With detect set, each
// top-level member is noted there for format detection.
func parseFlat(raw []byte, detect *detectKeys) (*flattener, error) {
	p := flatteners.Get().(*flattener)
	p.s, p.i, p.collect, p.detect = string(raw), 0, true, detect
	p.skipWS()
	if p.i >= len(p.s) {
		p.release()
		return nil, errJSON(0, "the record is empty")
	}
	if p.s[p.i] != '{' {
		p.release()
		return nil, errNotObject()
	}
	if err := p.object(0); err != nil {
		p.release()
		return nil, err
	}
	p.skipWS()
	if p.i != len(p.s) {
		at := p.i
		p.release()
		return nil, errJSON(at, "unexpected data after the JSON object")
	}
	return p, nil
}

// flatteners recycles parser state (its key and value buffers) between
// records.
var flatteners = sync.Pool{New: func() any { return new(flattener) }}

type flattener struct {
	s       string
	i       int
	key     []byte // dotted path of the value being parsed
	direct  string // the path as a string when it is one unescaped top-level key
	collect bool   // false: only validate
	kvs     []keyValue
	table   fieldTable  // DecodeModel's index over kvs
	detect  *detectKeys // when set, top-level members are noted for Detect
	buf     []byte      // scratch for unescaping
	prev    []string    // nested keys of earlier records by position (see nestedKey)
}

// maxPrev bounds how many key positions nestedKey remembers.
const maxPrev = 256

type keyValue struct{ k, v string }

// release drops the references to the record before the state is reused.
func (p *flattener) release() {
	clear(p.kvs[:cap(p.kvs)]) // with what a mapper's table.set appended
	p.table.kvs, p.detect = nil, nil
	p.s, p.key, p.direct, p.kvs, p.buf = "", p.key[:0], "", p.kvs[:0], p.buf[:0]
	flatteners.Put(p)
}

func (p *flattener) skipWS() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *flattener) emit(v string) {
	if !p.collect {
		return
	}
	k := p.direct
	if k == "" {
		k = p.nestedKey()
	}
	p.kvs = append(p.kvs, keyValue{k, v})
}

// nestedKey returns p.key as a string without allocating when it can: the
// previous record's key at the same position (records from one sensor
// mostly share their shape), else the table of common keys.
func (p *flattener) nestedKey() string {
	n := len(p.kvs)
	if n < len(p.prev) && p.prev[n] == string(p.key) {
		return p.prev[n]
	}
	k, ok := commonKeys[string(p.key)]
	if !ok {
		k = string(p.key)
	}
	if n < maxPrev {
		for len(p.prev) <= n {
			p.prev = append(p.prev, "")
		}
		p.prev[n] = k
	}
	return k
}

func (p *flattener) value(depth int) error {
	if depth > maxDepth {
		return errJSON(p.i, "the JSON is nested too deeply")
	}
	p.skipWS()
	if p.i >= len(p.s) {
		return errJSON(p.i, "unexpected end of JSON")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		v, err := p.str()
		if err == nil {
			p.emit(v)
		}
		return err
	case c == '-' || c >= '0' && c <= '9':
		v, err := p.number()
		if err == nil {
			p.emit(v)
		}
		return err
	default:
		return p.literal()
	}
}

func (p *flattener) literal() error {
	for _, lit := range [...]struct{ text, value string }{{"true", "true"}, {"false", "false"}, {"null", ""}} {
		if len(p.s)-p.i >= len(lit.text) && p.s[p.i:p.i+len(lit.text)] == lit.text {
			p.i += len(lit.text)
			p.emit(lit.value)
			return nil
		}
	}
	return errJSON(p.i, "unexpected character "+strconv.QuoteRune(p.rune()))
}

func (p *flattener) rune() rune {
	r, _ := utf8.DecodeRuneInString(p.s[p.i:])
	return r
}

func (p *flattener) object(depth int) error {
	p.i++ // '{'
	base := len(p.key)
	p.skipWS()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		p.skipWS()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return errJSON(p.i, "expected a quoted object key")
		}
		keyAt := p.i
		k, err := p.str()
		if err != nil {
			return err
		}
		rawKey := p.s[keyAt+1 : p.i-1]
		p.key = p.key[:base]
		if depth > 0 {
			p.key = append(p.key, '.')
		}
		p.key = append(p.key, k...)
		p.direct = ""
		if depth == 0 && k != "" {
			p.direct = k
		}
		p.skipWS()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return errJSON(p.i, "expected ':' after an object key")
		}
		p.i++
		p.skipWS()
		valAt := p.i
		if err := p.value(depth + 1); err != nil {
			return err
		}
		if depth == 0 && p.detect != nil {
			noteMember(p.detect, rawKey, p.s[valAt:p.i])
		}
		p.key = p.key[:base]
		p.direct = ""
		if done, err := p.next('}'); done || err != nil {
			return err
		}
	}
}

// next consumes the ',' between members or the closing bracket.
func (p *flattener) next(end byte) (bool, error) {
	p.skipWS()
	if p.i >= len(p.s) {
		return false, errJSON(p.i, "unexpected end of JSON")
	}
	switch p.s[p.i] {
	case ',':
		p.i++
		return false, nil
	case end:
		p.i++
		return true, nil
	}
	return false, errJSON(p.i, "expected ',' or '"+string(end)+"'")
}

func (p *flattener) array(depth int) error {
	p.i++ // '['
	base := len(p.key)
	p.skipWS()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return nil
	}
	for n := 0; ; n++ {
		p.key = append(p.key[:base], '.')
		p.key = strconv.AppendInt(p.key, int64(n), 10)
		p.direct = ""
		if err := p.value(depth + 1); err != nil {
			return err
		}
		p.key = p.key[:base]
		if done, err := p.next(']'); done || err != nil {
			return err
		}
	}
}

func (p *flattener) number() (string, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.s) && p.s[p.i] == '0':
		p.i++
	case p.i < len(p.s) && p.s[p.i] >= '1' && p.s[p.i] <= '9':
		p.digits()
	default:
		return "", errJSON(p.i, "invalid number")
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return "", errJSON(p.i, "invalid number: no digits after '.'")
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return "", errJSON(p.i, "invalid number: no digits in the exponent")
		}
	}
	return p.s[start:p.i], nil
}

func (p *flattener) digits() int {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}

// str parses a JSON string at p.i (which is '"'). Strings without escapes
// are returned as substrings of the input, without copying.
func (p *flattener) str() (string, error) {
	p.i++
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return p.s[start : p.i-1], nil
		case c == '\\':
			return p.strEscaped(start)
		case c < 0x20:
			return "", errJSON(p.i, "control character in a string")
		}
		p.i++
	}
	return "", errJSON(p.i, "unterminated string")
}

func (p *flattener) strEscaped(start int) (string, error) {
	b := append(p.buf[:0], p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			p.buf = b
			return string(b), nil
		case c < 0x20:
			return "", errJSON(p.i, "control character in a string")
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			break
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := p.unicodeEscape()
			if !ok {
				return "", errJSON(p.i, "invalid \\u escape")
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", errJSON(p.i-1, "invalid escape \\"+string(rune(e)))
		}
	}
	return "", errJSON(p.i, "unterminated string")
}

// unicodeEscape reads the XXXX of \uXXXX (p.i is just after the 'u'),
// combining a UTF-16 surrogate pair; a lone surrogate becomes U+FFFD, as in
// encoding/json.
func (p *flattener) unicodeEscape() (rune, bool) {
	r, ok := hex4(p.s, p.i)
	if !ok {
		return 0, false
	}
	p.i += 4
	if !utf16.IsSurrogate(r) {
		return r, true
	}
	if len(p.s)-p.i >= 6 && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
		if r2, ok := hex4(p.s, p.i+2); ok {
			if c := utf16.DecodeRune(r, r2); c != utf8.RuneError {
				p.i += 6
				return c, true
			}
		}
	}
	return utf8.RuneError, true
}

func hex4(s string, i int) (rune, bool) {
	if len(s)-i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
