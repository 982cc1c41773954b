package telemetry

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"
)

// DefaultMaxRecord is the record size limit used when maxRecord <= 0.
const DefaultMaxRecord = 1 << 20

var utf8BOM = []byte("\uFEFF")

// Split splits a stream of telemetry into records and calls fn for each:
//
//   - line by line (pos = line number) for NDJSON, syslog and CEF, which is
//     the mode unless the first non-blank line says otherwise; blank lines
//     are skipped;
//   - Zeek TSV, when the stream starts with a Zeek header line: each row is
//     passed as the Zeek JSON object it stands for (pos = line number);
//   - JSON documents, when the stream starts with '[' or with a JSON object
//     that does not end on its first line: concatenated pretty-printed
//     objects (SELKS, evtx_dump) and arrays of objects, one record per
//     object (pos = 1, 2, … in order).
//
// A byte order mark at the start of the stream is skipped. A record longer
// than maxRecord bytes is reported to fn with an
// event.too_long error and a nil raw, and skipped without being held in
// memory; a record that is not valid UTF-8 is reported with event.bad_utf8.
// Other records go on. raw is only valid until fn returns. Split stops when
// fn returns an error, and returns it; it returns the reader's error, if
// any, unchanged; it returns nil at the end of the stream.
func Split(r io.Reader, maxRecord int, fn func(pos int, raw []byte, err error) error) error {
	if maxRecord <= 0 {
		maxRecord = DefaultMaxRecord
	}
	lr := &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: maxRecord}
	if b, _ := lr.br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		lr.br.Discard(len(utf8BOM)) // Windows tools start files with one
	}
	for {
		line, tooLong, err := lr.next()
		if err != nil {
			return eofIsNil(err)
		}
		first := bytes.TrimSpace(line)
		switch {
		case tooLong:
			if err := fn(lr.line, nil, errTooLong(maxRecord)); err != nil {
				return err
			}
			return splitLines(lr, fn)
		case len(first) == 0:
			continue
		case first[0] == '[' || first[0] == '{' && !oneJSONValue(first):
			rest := io.MultiReader(bytes.NewReader(append(append([]byte(nil), line...), '\n')), lr.br)
			return splitDocuments(bufio.NewReaderSize(rest, 64<<10), maxRecord, fn)
		case first[0] == '#' && isZeekHeader(first):
			return splitZeekTSV(lr, line, fn)
		}
		if err := emitLine(lr.line, line, fn); err != nil {
			return err
		}
		return splitLines(lr, fn)
	}
}

func eofIsNil(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// splitLines passes each further non-blank line as a record.
func splitLines(lr *lineReader, fn func(int, []byte, error) error) error {
	for {
		line, tooLong, err := lr.next()
		if err != nil {
			return eofIsNil(err)
		}
		if tooLong {
			err = fn(lr.line, nil, errTooLong(lr.max))
		} else if len(bytes.TrimSpace(line)) > 0 {
			err = emitLine(lr.line, line, fn)
		}
		if err != nil {
			return err
		}
	}
}

func emitLine(pos int, line []byte, fn func(int, []byte, error) error) error {
	if !utf8.Valid(line) {
		return fn(pos, line, errBadUTF8())
	}
	return fn(pos, line, nil)
}

// splitZeekTSV follows the header lines and passes each row as Zeek JSON.
func splitZeekTSV(lr *lineReader, first []byte, fn func(int, []byte, error) error) error {
	z := newZeekTSV()
	var buf []byte
	line, tooLong := first, false
	for {
		var err error
		switch {
		case tooLong:
			err = fn(lr.line, nil, errTooLong(lr.max))
		case len(bytes.TrimSpace(line)) == 0:
		case !utf8.Valid(line):
			err = fn(lr.line, line, errBadUTF8())
		case line[0] == '#':
			z.header(string(line))
		default:
			var rowErr error
			buf, rowErr = z.row(buf[:0], string(line))
			switch {
			case rowErr != nil:
				err = fn(lr.line, line, rowErr)
			case len(buf) > lr.max: // the JSON a row stands for is longer than the row
				err = fn(lr.line, nil, errTooLong(lr.max))
			default:
				err = fn(lr.line, buf, nil)
			}
		}
		if err != nil {
			return err
		}
		if line, tooLong, err = lr.next(); err != nil {
			return eofIsNil(err)
		}
	}
}

// lineReader reads lines of at most max bytes, counting them; longer lines
// are discarded as they are read.
type lineReader struct {
	br   *bufio.Reader
	max  int
	buf  []byte
	line int // number of the line last returned
}

// next returns the next line without its line ending. tooLong reports a
// line over the limit, whose bytes are not returned. At the end of the
// stream it returns io.EOF.
func (lr *lineReader) next() (line []byte, tooLong bool, err error) {
	lr.buf = lr.buf[:0]
	read := false
	for first := true; ; first = false {
		chunk, err := lr.br.ReadSlice('\n')
		if first && err == nil {
			// The whole line is in the reader's buffer: return it from there
			// (valid until the next read) rather than copying it.
			return lr.finish(chunk)
		}
		read = read || len(chunk) > 0
		if !tooLong {
			if len(lr.buf)+len(chunk) > lr.max+2 { // +2: the line ending
				tooLong, lr.buf = true, lr.buf[:0]
			} else {
				lr.buf = append(lr.buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (!errors.Is(err, io.EOF) || !read) {
			return nil, false, err
		}
		break
	}
	if tooLong {
		lr.line++
		return nil, true, nil
	}
	return lr.finish(lr.buf)
}

// finish counts a line read whole and returns it without its line ending,
// or reports it too long.
func (lr *lineReader) finish(b []byte) ([]byte, bool, error) {
	lr.line++
	line := bytes.TrimSuffix(bytes.TrimSuffix(b, []byte{'\n'}), []byte{'\r'})
	if len(line) > lr.max {
		return nil, true, nil
	}
	return line, false, nil
}

// oneJSONValue reports whether b (trimmed) is exactly one complete JSON
// object or array as far as brackets and strings go: the line of an NDJSON
// stream, rather than the first line of a pretty-printed object.
func oneJSONValue(b []byte) bool {
	depth, inStr, esc := 0, false, false
	for i, c := range b {
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				return i == len(b)-1
			}
		}
	}
	return false
}
