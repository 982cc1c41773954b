package stix

// This file splits a STIX pattern into tokens, following the lexer rules of
// the ANTLR grammar (STIXPattern.g4): keywords are upper case (true and
// false lower case), identifiers may hold hyphens, strings escape only \'
// and \\, typed literals are t'…', h'…' and b'…', and whitespace and /* */
// and // comments separate tokens.

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tKeyword
	tIdent       // without hyphen
	tIdentHyphen // with at least one hyphen
	tString
	tInt
	tFloat
	tBool
	tHex
	tBinary
	tTimestamp
	tOp    // = == != <> < <= > >=
	tPunct // [ ] ( ) : . , *
)

type token struct {
	kind tokKind
	text string // keyword, identifier, operator or punctuation; the raw text of other literals
	str  string // the value of a string literal
	pos  int    // byte offset in the pattern
}

var keywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "FOLLOWEDBY": true, "LIKE": true, "MATCHES": true,
	"ISSUPERSET": true, "ISSUBSET": true, "EXISTS": true, "LAST": true, "IN": true, "START": true,
	"STOP": true, "SECONDS": true, "WITHIN": true, "REPEATS": true, "TIMES": true,
}

// lexer walks a pattern.
type lexer struct {
	src string
	pos int
}

func (l *lexer) errorf(pos int, format string, args ...any) error {
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// skipSpace skips whitespace and comments.
func (l *lexer) skipSpace() error {
	for l.pos < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		switch {
		case unicode.IsSpace(r):
			l.pos += n
		case strings.HasPrefix(l.src[l.pos:], "/*"):
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				return l.errorf(l.pos, "unterminated comment")
			}
			l.pos += end + 4
		case strings.HasPrefix(l.src[l.pos:], "//"):
			end := strings.IndexAny(l.src[l.pos:], "\r\n")
			if end < 0 {
				end = len(l.src) - l.pos
			}
			l.pos += end
		default:
			return nil
		}
	}
	return nil
}

// next returns the next token.
func (l *lexer) next() (token, error) {
	if err := l.skipSpace(); err != nil {
		return token{}, err
	}
	start := l.pos
	if start >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := l.src[start]
	switch {
	case c == '\'':
		s, err := l.quoted()
		return token{kind: tString, text: l.src[start:l.pos], str: s, pos: start}, err
	case (c == 't' || c == 'h' || c == 'b') && start+1 < len(l.src) && l.src[start+1] == '\'':
		return l.typed(c)
	case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		return l.word(), nil
	case c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.' && start+1 < len(l.src) && isDigit(l.src[start+1]):
		return l.number()
	case strings.IndexByte("=!<>", c) >= 0:
		return l.operator()
	case strings.IndexByte("[]():.,*", c) >= 0:
		l.pos++
		return token{kind: tPunct, text: string(c), pos: start}, nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	return token{}, l.errorf(start, "unexpected character %q", r)
}

// quoted reads a string literal at l.pos and returns its value.
func (l *lexer) quoted() (string, error) {
	start := l.pos
	var b strings.Builder
	for i := start + 1; i < len(l.src); i++ {
		switch c := l.src[i]; c {
		case '\'':
			l.pos = i + 1
			return b.String(), nil
		case '\\':
			if i+1 >= len(l.src) || (l.src[i+1] != '\'' && l.src[i+1] != '\\') {
				return "", l.errorf(i, `a backslash in a string may only escape ' or \`)
			}
			i++
			b.WriteByte(l.src[i])
		default:
			b.WriteByte(c)
		}
	}
	return "", l.errorf(start, "unterminated string")
}

// typed reads t'…', h'…' or b'…' and checks its content.
func (l *lexer) typed(prefix byte) (token, error) {
	start := l.pos
	l.pos++
	s, err := l.quoted()
	if err != nil {
		return token{}, err
	}
	tok := token{text: l.src[start:l.pos], str: s, pos: start}
	switch prefix {
	case 't':
		tok.kind = tTimestamp
		if _, err := parseTimestamp(s); err != nil {
			return token{}, l.errorf(start, "bad timestamp %q: %v", s, err)
		}
	case 'h':
		tok.kind = tHex
		if _, err := hex.DecodeString(s); err != nil {
			return token{}, l.errorf(start, "bad hex literal %q", s)
		}
	case 'b':
		tok.kind = tBinary
		if _, err := base64.StdEncoding.DecodeString(s); err != nil || s == "" {
			return token{}, l.errorf(start, "bad binary (base64) literal %q", s)
		}
	}
	return tok, nil
}

// parseTimestamp reads a STIX timestamp: UTC, 'Z', optional fraction; a
// leap second (":60") is read as the next second.
func parseTimestamp(s string) (time.Time, error) {
	if len(s) < 20 || s[len(s)-1] != 'Z' || s[10] != 'T' {
		return time.Time{}, fmt.Errorf("want YYYY-MM-DDTHH:MM:SS[.s]Z")
	}
	leap := s[17:19] == "60"
	if leap {
		s = s[:17] + "59" + s[19:]
	}
	if len(s) > 20 && (s[19] != '.' || len(s) == 21) {
		return time.Time{}, fmt.Errorf("want YYYY-MM-DDTHH:MM:SS[.s]Z")
	}
	t, err := time.Parse("2006-01-02T15:04:05Z", s)
	if err != nil {
		return time.Time{}, err
	}
	if leap {
		t = t.Add(time.Second)
	}
	return t, nil
}

// word reads a keyword, boolean or identifier.
func (l *lexer) word() token {
	start := l.pos
	hyphen := false
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == '-' {
			hyphen = true
		} else if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			break
		}
		l.pos++
	}
	w := l.src[start:l.pos]
	switch {
	case keywords[w]:
		return token{kind: tKeyword, text: w, pos: start}
	case w == "true" || w == "false":
		return token{kind: tBool, text: w, pos: start}
	case hyphen:
		return token{kind: tIdentHyphen, text: w, pos: start}
	}
	return token{kind: tIdent, text: w, pos: start}
}

// number reads an integer or a float with an optional sign.
func (l *lexer) number() (token, error) {
	start := l.pos
	if c := l.src[l.pos]; c == '+' || c == '-' {
		l.pos++
	}
	digits := l.pos
	for l.pos < len(l.src) && l.src[l.pos] >= '0' && l.src[l.pos] <= '9' {
		l.pos++
	}
	intPart := l.src[digits:l.pos]
	kind := tInt
	if l.pos < len(l.src) && l.src[l.pos] == '.' {
		l.pos++
		frac := l.pos
		for l.pos < len(l.src) && l.src[l.pos] >= '0' && l.src[l.pos] <= '9' {
			l.pos++
		}
		if l.pos == frac {
			return token{}, l.errorf(start, "a number needs digits after its point")
		}
		kind = tFloat
	} else if intPart == "" {
		return token{}, l.errorf(start, "unexpected %q", l.src[start:l.pos])
	} else if len(intPart) > 1 && intPart[0] == '0' {
		return token{}, l.errorf(start, "an integer may not start with 0")
	}
	text := l.src[start:l.pos]
	if kind == tInt {
		if _, err := strconv.ParseInt(text, 10, 64); err != nil {
			return token{}, l.errorf(start, "integer %s is out of range", text)
		}
	}
	return token{kind: kind, text: text, pos: start}, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// operator reads a comparison operator.
func (l *lexer) operator() (token, error) {
	start := l.pos
	for _, op := range []string{"==", "!=", "<>", "<=", ">=", "=", "<", ">"} {
		if strings.HasPrefix(l.src[start:], op) {
			l.pos += len(op)
			return token{kind: tOp, text: op, pos: start}, nil
		}
	}
	return token{}, l.errorf(start, "unexpected %q", l.src[start])
}
