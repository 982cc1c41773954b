package telemetry

import (
	"bufio"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
)

// docSplitter frames a stream of JSON documents: concatenated objects
// (pretty-printed or not) and the elements of top-level arrays. It tracks
// only strings and bracket depth; Decode validates each record.
//
// Recovery: a record is abandoned with an event.bad_json error when a raw
// newline appears inside a string (JSON forbids it) or when a '{' starts a
// line while an object is still open outside an array (pretty printers
// indent nested lines, so that is the next object and the previous one was
// cut short). After an error, bytes are skipped up to the next line that
// starts with '{'.
type docSplitter struct {
	br  *bufio.Reader
	max int
	fn  func(int, []byte, error) error

	pos       int
	buf       []byte
	tooLong   bool
	inRecord  bool
	scalar    bool // the record is not an object or array
	depth     int
	inStr     bool
	esc       bool
	inArray   bool // inside a top-level array
	lineStart bool
	skipping  bool
}

func splitDocuments(br *bufio.Reader, max int, fn func(int, []byte, error) error) error {
	s := &docSplitter{br: br, max: max, fn: fn, lineStart: true}
	for {
		c, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			return s.finish()
		}
		if err != nil {
			return err
		}
		atLineStart := s.lineStart
		s.lineStart = c == '\n'
		if s.skipping {
			if !(atLineStart && c == '{') {
				continue
			}
			s.skipping, s.inArray = false, false
		}
		if err := s.step(c, atLineStart); err != nil {
			return err
		}
	}
}

func (s *docSplitter) step(c byte, atLineStart bool) error {
	if !s.inRecord {
		return s.between(c)
	}
	if s.inStr {
		switch {
		case s.esc:
			s.esc = false
		case c == '\\':
			s.esc = true
		case c == '"':
			s.inStr = false
		case c == '\n':
			return s.fail("a string is not closed before the end of the line")
		}
		s.add(c)
		return nil
	}
	if s.scalar {
		if c == ',' || c == ']' || c == '\n' {
			if err := s.emit(); err != nil {
				return err
			}
			return s.between(c)
		}
		s.add(c)
		return nil
	}
	if atLineStart && c == '{' && s.depth > 0 && !s.inArray {
		if err := s.fail("the JSON object is not closed before the next one starts"); err != nil {
			return err
		}
		s.skipping = false
		return s.between(c)
	}
	s.add(c)
	switch c {
	case '"':
		s.inStr = true
	case '{', '[':
		s.depth++
	case '}', ']':
		if s.depth--; s.depth == 0 {
			return s.emit()
		}
	}
	return nil
}

// between handles a byte outside any record.
func (s *docSplitter) between(c byte) error {
	switch {
	case c == ' ' || c == '\t' || c == '\r' || c == '\n':
	case c == '[' && !s.inArray:
		s.inArray = true
	case s.inArray && (c == ',' || c == ']'):
		s.inArray = c == ','
	default:
		s.pos++
		s.inRecord, s.buf, s.tooLong, s.depth, s.inStr, s.esc = true, s.buf[:0], false, 0, false, false
		s.scalar = c != '{' && c != '['
		if s.scalar {
			s.add(c)
			if c == '"' {
				s.inStr = true
			}
			return nil
		}
		return s.step(c, false)
	}
	return nil
}

func (s *docSplitter) add(c byte) {
	if s.tooLong {
		return
	}
	if len(s.buf) >= s.max {
		s.tooLong, s.buf = true, s.buf[:0]
		return
	}
	s.buf = append(s.buf, c)
}

func (s *docSplitter) emit() error {
	s.inRecord = false
	switch {
	case s.tooLong:
		return s.fn(s.pos, nil, errTooLong(s.max))
	case !utf8.Valid(s.buf):
		return s.fn(s.pos, s.buf, errBadUTF8())
	}
	return s.fn(s.pos, s.buf, nil)
}

// fail reports the current record as malformed and skips to the next
// line that starts with '{'.
func (s *docSplitter) fail(msg string) error {
	s.inRecord, s.skipping = false, true
	var raw []byte
	if !s.tooLong {
		raw = s.buf
	}
	return s.fn(s.pos, raw, errs.Invalid("event.bad_json", "invalid JSON: "+msg))
}

func (s *docSplitter) finish() error {
	switch {
	case !s.inRecord:
		return nil
	case s.scalar && !s.inStr:
		return s.emit()
	}
	s.inRecord = false
	return s.fn(s.pos, nil, errs.Invalid("event.bad_json", "invalid JSON: the stream ends inside a record"))
}
