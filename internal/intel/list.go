package intel

// This file reads plain lists, one value a line, and holds what every reader
// shares: defaults, size bounds, read errors, line reading. The list and CSV
// (csv.go) readers stream their input: callers bound it with LimitReader (an
// HTTP body with http.MaxBytesReader), and each line is bounded by
// MaxLineBytes. A line that holds no usable value is counted in
// ImportResult.Skipped by reason, never an error; comment and blank lines are
// not items and are not counted. Values are de-duplicated per document (the
// later copies count as "duplicate").

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/tlp"
)

// Codes of document-level errors of the readers.
const (
	CodeTooLarge   = "intel.too_large"
	CodeReadFailed = "intel.read_failed"
	CodeBadCSV     = "intel.bad_csv"
)

// Reasons a list or CSV line is skipped.
const (
	ReasonUnrecognised = "unrecognised" // the value is not of any indicator type
	ReasonBadValue     = "bad_value"    // the value is not valid for its stated type
	ReasonLineTooLong  = "line_too_long"
	ReasonEmptyValue   = "empty_value" // the CSV value cell is empty
	ReasonBadRange     = "bad_range"   // a start–end address range that does not hold
)

// MaxLineBytes bounds one line of a list or CSV file.
const MaxLineBytes = 64 << 10

// DefaultMaxBytes is the document size the JSON readers accept when their
// caller sets no bound.
const DefaultMaxBytes = 64 << 20

// DefaultTLP marks indicators whose document and defaults name no TLP.
const DefaultTLP = tlp.Amber

// WithDefaults returns d with the fields every indicator must have filled
// in: TLP (DefaultTLP when d has none) and confidence clamped to 0–100.
// Readers start each indicator from WithDefaults(defaults).
func WithDefaults(d Indicator) Indicator {
	if !d.TLP.Valid() {
		d.TLP = DefaultTLP
	}
	d.Confidence = min(max(d.Confidence, 0), 100)
	return d
}

// LimitReader returns a reader of at most n bytes of r that fails with an
// *errs.Error of KindTooLarge (code intel.too_large) when r holds more.
func LimitReader(r io.Reader, n int64) io.Reader { return &limitReader{r: r, n: n} }

type limitReader struct {
	r io.Reader
	n int64 // bytes still allowed
}

func (l *limitReader) Read(p []byte) (int, error) {
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	if int64(n) > l.n {
		n = int(l.n)
		l.n = 0
		return n, errs.New(errs.KindTooLarge, CodeTooLarge, "the document is larger than allowed")
	}
	l.n -= int64(n)
	return n, err
}

// ReadAll reads a whole document of at most max bytes (DefaultMaxBytes when
// max ≤ 0), for the readers that must see all of it.
func ReadAll(r io.Reader, max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxBytes
	}
	b, err := io.ReadAll(LimitReader(r, max))
	if err != nil {
		return nil, ReadError(err)
	}
	return b, nil
}

// ReadError returns err as an *errs.Error: unchanged when it is one, else
// KindBadRequest with code intel.read_failed and err as the cause.
func ReadError(err error) error {
	if _, ok := errors.AsType[*errs.Error](err); ok {
		return err
	}
	return &errs.Error{Kind: errs.KindBadRequest, Code: CodeReadFailed, Public: "the document could not be read", Err: err}
}

// lineReader yields the lines of r without their end-of-line bytes or a
// leading byte-order mark, numbering them from 1.
type lineReader struct {
	br *bufio.Reader
	n  int
}

var errLineTooLong = errors.New("line too long")

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, MaxLineBytes)}
}

// next returns the next line, errLineTooLong for a line over MaxLineBytes
// (consumed), or io.EOF.
func (l *lineReader) next() (string, error) {
	line, err := l.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		l.n++
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = l.br.ReadSlice('\n')
		}
		if err != nil && err != io.EOF {
			return "", ReadError(err)
		}
		return "", errLineTooLong
	}
	if err != nil && (err != io.EOF || len(line) == 0) {
		if err == io.EOF {
			return "", io.EOF
		}
		return "", ReadError(err)
	}
	l.n++
	line = bytes.TrimRight(line, "\r\n")
	if l.n == 1 {
		line = bytes.TrimPrefix(line, []byte("\uFEFF"))
	}
	return string(line), nil
}

// ReadList reads a plain list: one value a line, with '#', ';', '//' and
// '!' comment lines, blank lines, trailing text after the value (for
// "1.10.16.0/20 ; SBL256894" or "value,description" lines the value is the
// text before the first space, ',', ';', '|' or '#', except that a value
// that starts as a URL ends only at a space), defanged values, hosts-file lines
// ("0.0.0.0 evil.example", every name after the address), and AdBlock
// "||evil.example^" lines. When defaults.Type is set every value must be of
// that type (IP types follow the value, see Normalize); otherwise each value
// is classified (see Classify). Every indicator starts from
// WithDefaults(defaults). The error is an *errs.Error: only a failure of r.
func ReadList(r io.Reader, defaults Indicator) (ImportResult, error) {
	base := WithDefaults(defaults)
	var res ImportResult
	lr := newLineReader(r)
	for {
		line, err := lr.next()
		where := "line " + strconv.Itoa(lr.n)
		switch {
		case err == io.EOF:
			res.Dedupe()
			return res, nil
		case err == errLineTooLong:
			res.Skip(ReasonLineTooLong, where, "")
			continue
		case err != nil:
			return ImportResult{}, err
		}
		for _, v := range listValues(line) {
			addValue(&res, base, "", v, where)
		}
	}
}

// sinkAddrs are the addresses hosts files point blocked names at.
var sinkAddrs = map[string]bool{"0.0.0.0": true, "127.0.0.1": true, "::": true, "::1": true}

// listValues returns the values on one line of a plain list.
func listValues(line string) []string {
	s := strings.TrimSpace(line)
	if s == "" || s[0] == '#' || s[0] == ';' || s[0] == '!' || strings.HasPrefix(s, "//") {
		return nil
	}
	if strings.HasPrefix(s, "||") {
		s, _, _ = strings.Cut(s[2:], "^")
		return []string{s}
	}
	fields := strings.Fields(s)
	if len(fields) > 1 && sinkAddrs[fields[0]] {
		var names []string
		for _, f := range fields[1:] {
			if f[0] == '#' || f[0] == ';' {
				break
			}
			names = append(names, f)
		}
		return names
	}
	v := fields[0]
	if cut := strings.IndexAny(v, ",;|#"); cut >= 0 && !schemeBefore(v, cut) {
		v = v[:cut]
	}
	if v == "" {
		return nil
	}
	return []string{v}
}

// schemeBefore reports whether a URL scheme separator ("://", defanged
// "[:]//" or "[://]") starts before byte i of v: then v is a URL, which
// may hold ',', ';', '|' and '#'.
func schemeBefore(v string, i int) bool {
	for _, sep := range []string{"://", "[:]//", "[://]"} {
		if j := strings.Index(v, sep); j >= 0 && j < i {
			return true
		}
	}
	return false
}

// addValue turns one value into an indicator of type t (classified when t
// and base.Type are empty) or counts it as skipped.
func addValue(res *ImportResult, base Indicator, t Type, v, where string) {
	if t == "" {
		t = base.Type
	}
	ind := base
	if t == "" {
		var ok bool
		if ind.Type, ind.Value, ok = Classify(v); !ok {
			res.Skip(ReasonUnrecognised, where, clip(v))
			return
		}
	} else {
		var err error
		if ind.Type, ind.Value, err = Normalize(t, v); err != nil {
			res.Skip(ReasonBadValue, where, publicText(err))
			return
		}
	}
	res.Indicators = append(res.Indicators, ind)
}

// clip shortens a value quoted in a note.
func clip(s string) string {
	n := 120
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func publicText(err error) string {
	if e, ok := errors.AsType[*errs.Error](err); ok {
		return e.Public
	}
	return err.Error()
}
