package intel

// This file reads CSV feeds: a header row or none, comment lines, any of the
// usual delimiters, the value column named by the caller or guessed, and
// start–end address ranges turned into prefixes.

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/tlp"
)

// Columns tells ReadCSV where things are. Each field names a column by its
// header (any case) or by its 1-based position ("3"); an empty field is
// found from the header (Type: "type", "itype", "indicator_type";
// Description: "description", "comment"; FirstSeen: "first_seen",
// "firstseen", "first seen", "firsttime", "first seen (utc)"; TLP: "tlp") or,
// for Value, guessed: the column whose sampled cells classify as indicators
// most often, the leftmost on a tie. When Value is guessed and its header
// says "start" (or "first", "from") and the next column's says "end" (or
// "last", "to"), the two are read as an address range.
type Columns struct {
	Value       string
	Type        string // indicator type per row; unknown names fall back to Classify
	Description string
	FirstSeen   string // → ValidFrom
	TLP         string // a TLP level per row; unreadable levels keep the default
	End         string // last address of a range starting at Value
	NoHeader    bool   // the first row is data (positions only)
	Comma       rune   // 0: detected from the first row among , ; tab |
}

// csvSample is how many rows ReadCSV looks at to guess the value column.
const csvSample = 200

// ReadCSV reads a CSV file: an optional header row (a first row none of
// whose cells is an indicator; when the first row is data, a last comment
// line before it with as many fields serves as the header), comment lines
// starting with '#' (or ';' unless it is the delimiter), rows of any width.
// Rows become indicators as ReadList's values do. The error is an
// *errs.Error: code intel.bad_csv (KindInvalid) when a named column does not
// exist, no column holds indicators, or the file is not CSV; a failure of r.
func ReadCSV(r io.Reader, defaults Indicator, col Columns) (ImportResult, error) {
	base := WithDefaults(defaults)
	cf := &commentFilter{lr: newLineReader(r), semicolon: true}
	first, err := cf.firstData()
	if err != nil {
		return ImportResult{}, err
	}
	comma := col.Comma
	if comma == 0 {
		comma = detectComma(first)
	}
	cf.semicolon = comma != ';'
	cr := csv.NewReader(cf)
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes, cr.TrimLeadingSpace = comma, -1, true, true
	var rows [][]string
	header, err := readHeader(cr, cf, col, base, &rows)
	if err != nil {
		return ImportResult{}, err
	}
	rows, err = readRows(cr, rows, csvSample)
	if err != nil || len(rows) == 0 {
		return ImportResult{}, err
	}
	cols, err := resolveColumns(col, header, rows, base)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	n := 0
	for {
		for _, rec := range rows {
			n++
			cols.row(&res, base, rec, "row "+strconv.Itoa(n))
		}
		if rows, err = readRows(cr, rows[:0], 1024); err != nil {
			return ImportResult{}, err
		}
		if len(rows) == 0 {
			res.Dedupe()
			return res, nil
		}
	}
}

func csvError(format string, args ...any) *errs.Error {
	msg := fmt.Sprintf(format, args...)
	return errs.Invalid(CodeBadCSV, msg, errs.Field("file", CodeBadCSV, msg))
}

// readRows appends up to n more records to rows.
func readRows(cr *csv.Reader, rows [][]string, n int) ([][]string, error) {
	for range n {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if _, ok := errors.AsType[*errs.Error](err); ok {
				return nil, err
			}
			return nil, csvError("the file is not valid CSV: %v", err)
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, rec)
	}
	return rows, nil
}

// readHeader reads the first record and returns the header, appending the
// record to rows when it is data.
func readHeader(cr *csv.Reader, cf *commentFilter, col Columns, base Indicator, rows *[][]string) ([]string, error) {
	got, err := readRows(cr, nil, 1)
	if err != nil || len(got) == 0 {
		return nil, err
	}
	rec := got[0]
	if col.NoHeader {
		*rows = append(*rows, rec)
		return nil, nil
	}
	for _, c := range rec {
		if cellFits(base, c) {
			*rows = append(*rows, rec)
			return commentHeader(cf.lastComment, cr.Comma, len(rec)), nil
		}
	}
	return rec, nil
}

// commentHeader reads a comment line as a header of want fields, or nil.
func commentHeader(line string, comma rune, want int) []string {
	line = strings.TrimLeft(line, "#;/ \t")
	cr := csv.NewReader(strings.NewReader(line))
	cr.Comma, cr.LazyQuotes, cr.TrimLeadingSpace = comma, true, true
	rec, err := cr.Read()
	if err != nil || len(rec) != want || want < 2 {
		return nil
	}
	return rec
}

// cellFits reports whether a cell holds an indicator of base.Type, or of
// any type when base has none.
func cellFits(base Indicator, c string) bool {
	if base.Type != "" {
		_, _, err := Normalize(base.Type, c)
		return err == nil
	}
	_, _, ok := Classify(c)
	return ok
}

// detectComma picks the delimiter that occurs most often outside quotes.
func detectComma(line string) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && strings.ContainsRune(",;\t|", r):
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{',', ';', '\t', '|'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

// csvCols are resolved column positions, -1 when absent.
type csvCols struct {
	value, typ, desc, seen, tlp, end int
}

// headerAliases are the header names an unset column is found by,
// compared after normName.
var headerAliases = map[string][]string{
	"type":        {"type", "itype", "indicatortype"},
	"description": {"description", "comment", "desc"},
	"firstseen":   {"firstseen", "firstseenutc", "firsttime", "datefirstseen"},
	"tlp":         {"tlp"},
}

// normName keeps a header name's letters and digits, in lower case.
func normName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, s)
}

// find returns the position of a named column; "" gives -1, or the column
// found by its aliases when the header has one.
func find(name, alias string, header []string) (int, error) {
	if name == "" {
		for i, h := range header {
			for _, a := range headerAliases[alias] {
				if normName(h) == a {
					return i, nil
				}
			}
		}
		return -1, nil
	}
	if n, err := strconv.Atoi(name); err == nil {
		if n < 1 || n > 1000 {
			return 0, csvError("column %d is out of range", n)
		}
		return n - 1, nil
	}
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(name)) {
			return i, nil
		}
	}
	return 0, csvError("the file has no column named %q (its columns: %s)", name, strings.Join(header, ", "))
}

// resolveColumns turns col into positions, guessing the value column.
func resolveColumns(col Columns, header []string, sample [][]string, base Indicator) (csvCols, error) {
	var c csvCols
	var err error
	for _, f := range []struct {
		dst         *int
		name, alias string
	}{
		{&c.value, col.Value, ""}, {&c.typ, col.Type, "type"}, {&c.desc, col.Description, "description"},
		{&c.seen, col.FirstSeen, "firstseen"}, {&c.tlp, col.TLP, "tlp"}, {&c.end, col.End, ""},
	} {
		if *f.dst, err = find(f.name, f.alias, header); err != nil {
			return c, err
		}
	}
	if c.value >= 0 {
		return c, nil
	}
	c.value = guessValue(sample, base)
	if c.value < 0 {
		return c, csvError("no column of the file holds indicators")
	}
	if c.end < 0 && c.value+1 < len(header) && isRangeHeader(header[c.value], header[c.value+1]) {
		c.end = c.value + 1
	}
	return c, nil
}

func isRangeHeader(start, end string) bool {
	s, e := normName(start), normName(end)
	return (strings.Contains(s, "start") || strings.Contains(s, "first") || strings.HasPrefix(s, "from")) &&
		(strings.Contains(e, "end") || strings.Contains(e, "last") || strings.HasPrefix(e, "to"))
}

// guessValue returns the column whose cells fit most often, or -1.
func guessValue(sample [][]string, base Indicator) int {
	var score []int
	for _, rec := range sample {
		for i, cell := range rec {
			for len(score) <= i {
				score = append(score, 0)
			}
			if cell != "" && cellFits(base, cell) {
				score[i]++
			}
		}
	}
	best := -1
	for i, s := range score {
		if s > 0 && (best < 0 || s > score[best]) {
			best = i
		}
	}
	return best
}

func cell(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return rec[i]
}

// row turns one record into indicators.
func (c csvCols) row(res *ImportResult, base Indicator, rec []string, where string) {
	v := cell(rec, c.value)
	if v == "" {
		res.Skip(ReasonEmptyValue, where, "")
		return
	}
	if d := cell(rec, c.desc); d != "" {
		base.Description = d
	}
	if ts, ok := parseTime(cell(rec, c.seen)); ok {
		base.ValidFrom = ts
	}
	if l, err := tlp.Parse(cell(rec, c.tlp)); err == nil {
		base.TLP = l
	}
	t := typeNames[normName(cell(rec, c.typ))]
	if c.end < 0 {
		addValue(res, base, t, v, where)
		return
	}
	prefixes, err := rangePrefixes(v, cell(rec, c.end))
	if err != nil {
		res.Skip(ReasonBadRange, where, err.Error())
		return
	}
	for _, p := range prefixes {
		addValue(res, base, TypeCIDR, p.String(), where)
	}
}

// typeNames maps the type names feeds use (after normName) to types.
var typeNames = map[string]Type{
	"ipv4": TypeIPv4, "ip": TypeIPv4, "ipv4addr": TypeIPv4, "ipsrc": TypeIPv4, "ipdst": TypeIPv4, "ipaddress": TypeIPv4,
	"ipv6": TypeIPv6, "ipv6addr": TypeIPv6, "cidr": TypeCIDR, "netblock": TypeCIDR, "prefix": TypeCIDR,
	"domain": TypeDomain, "fqdn": TypeDomain, "hostname": TypeDomain, "domainname": TypeDomain,
	"url": TypeURL, "md5": TypeMD5, "sha1": TypeSHA1, "sha256": TypeSHA256,
	"email": TypeEmail, "emailaddr": TypeEmail, "emailsrc": TypeEmail,
}

// timeLayouts are the first-seen spellings of common feeds, read as UTC.
var timeLayouts = []string{
	time.RFC3339, "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05",
	"2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02",
}

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && n < 1<<33 {
		return time.Unix(n, 0).UTC(), true
	}
	return time.Time{}, false
}

// rangePrefixes returns the fewest prefixes that cover first–last exactly.
func rangePrefixes(first, last string) ([]netip.Prefix, error) {
	a, err1 := netip.ParseAddr(first)
	b, err2 := netip.ParseAddr(last)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("%q–%q is not an address range", first, last)
	}
	a, b = a.Unmap(), b.Unmap()
	if a.Is4() != b.Is4() || b.Less(a) {
		return nil, fmt.Errorf("%q–%q is not an address range", first, last)
	}
	var out []netip.Prefix
	for {
		bits := a.BitLen()
		// Widen the prefix while it starts at a and ends at or before b.
		for bits > 0 {
			p := netip.PrefixFrom(a, bits-1).Masked()
			if p.Addr() != a || b.Less(lastAddr(p)) {
				break
			}
			bits--
		}
		p := netip.PrefixFrom(a, bits)
		out = append(out, p)
		end := lastAddr(p)
		if end == b {
			return out, nil
		}
		a = end.Next()
	}
}

// lastAddr returns the highest address of a masked prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// commentFilter is the io.Reader ReadCSV parses: the lines of its input
// without comment and blank lines outside quoted cells. It remembers the
// last comment line before the first data line.
type commentFilter struct {
	lr          *lineReader
	pending     []byte
	semicolon   bool // ';' starts a comment
	quoted      bool // inside a quoted cell spanning lines
	lastComment string
	seenData    bool
}

// firstData returns the first data line, keeping it to be read again.
func (f *commentFilter) firstData() (string, error) {
	if err := f.fill(); err != nil && err != io.EOF {
		return "", err
	}
	return strings.TrimRight(string(f.pending), "\n"), nil
}

func (f *commentFilter) Read(p []byte) (int, error) {
	if len(f.pending) == 0 {
		if err := f.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}

// fill loads the next kept line into pending.
func (f *commentFilter) fill() error {
	for {
		line, err := f.lr.next()
		if err == errLineTooLong {
			return errs.New(errs.KindTooLarge, CodeTooLarge, fmt.Sprintf("line %d is longer than %d bytes", f.lr.n, MaxLineBytes))
		}
		if err != nil {
			return err
		}
		if !f.quoted && f.isComment(line) {
			if !f.seenData && strings.TrimSpace(line) != "" {
				f.lastComment = line
			}
			continue
		}
		f.seenData = true
		if strings.Count(line, `"`)%2 == 1 {
			f.quoted = !f.quoted
		}
		f.pending = append(append(f.pending[:0], line...), '\n')
		return nil
	}
}

func (f *commentFilter) isComment(line string) bool {
	s := strings.TrimSpace(line)
	return s == "" || s[0] == '#' || strings.HasPrefix(s, "//") || f.semicolon && s[0] == ';'
}
