package blocklist

// This file writes CSV and JSON: one row or object per published entry
// with its kind, value, match form, category and validity.

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"

	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// Row is one entry in CSV and JSON.
type Row struct {
	ID          string     `json:"id"`
	Kind        canon.Kind `json:"kind"`
	Value       string     `json:"value"` // canonical, as first reported
	Match       string     `json:"match"` // what look-ups match: without www., Gmail dots…
	Category    string     `json:"category,omitempty"`
	Reports     int        `json:"reports"`
	PublishedAt string     `json:"published_at"`
	ExpiresAt   string     `json:"expires_at"`
}

func rowOf(l portal.Listing) Row {
	return Row{ID: l.ID, Kind: l.Kind, Value: l.Value, Match: canon.Display(l.Key), Category: string(l.Category),
		Reports: l.Reports, PublishedAt: stamp(l.PublishedAt), ExpiresAt: stamp(l.ExpiresAt)}
}

// csvHeader names the CSV columns.
var csvHeader = []string{"id", "kind", "value", "match", "category", "reports", "published_at", "expires_at"}

type csvWriter struct {
	w     *csv.Writer
	o     Options
	stats Stats
}

func newCSV(w io.Writer, o Options) (*csvWriter, error) {
	c := &csvWriter{w: csv.NewWriter(w), o: o}
	return c, c.w.Write(csvHeader)
}

func (c *csvWriter) Write(l portal.Listing) error {
	if !published(l, c.o.Now) {
		c.stats.skip("not_published")
		return nil
	}
	r := rowOf(l)
	c.stats.Written++
	return c.w.Write([]string{r.ID, string(r.Kind), cell(r.Value), cell(r.Match), r.Category, strconv.Itoa(r.Reports),
		r.PublishedAt, r.ExpiresAt})
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}

func (c *csvWriter) Stats() Stats { return c.stats }

// cell guards a value against formula injection when the file is opened in
// a spreadsheet: a cell starting with '=', '@', a tab or a carriage return,
// or with '+' or '-' not followed by a digit, gets a leading apostrophe
// (OWASP's advice). Phone numbers (+84…) are left as they are.
func cell(s string) string {
	if s == "" {
		return s
	}
	switch c := s[0]; {
	case c == '=' || c == '@' || c == '\t' || c == '\r':
		return "'" + s
	case (c == '+' || c == '-') && (len(s) == 1 || s[1] < '0' || s[1] > '9'):
		return "'" + s
	}
	return s
}

type jsonWriter struct {
	w     *bufio.Writer
	o     Options
	n     int
	stats Stats
	err   error
}

func newJSON(w io.Writer, o Options) (*jsonWriter, error) {
	j := &jsonWriter{w: bufio.NewWriter(w), o: o}
	j.put(`{"source":"khien-portal","generated_at":"` + stamp(o.Now) + `","entries":[`)
	return j, j.err
}

func (j *jsonWriter) put(s string) {
	if j.err == nil {
		_, j.err = j.w.WriteString(s)
	}
}

func (j *jsonWriter) Write(l portal.Listing) error {
	if !published(l, j.o.Now) {
		j.stats.skip("not_published")
		return j.err
	}
	b, err := json.Marshal(rowOf(l))
	if err != nil {
		return err
	}
	if j.n > 0 {
		j.put(",")
	}
	j.put("\n" + string(b))
	j.n++
	j.stats.Written++
	return j.err
}

func (j *jsonWriter) Close() error {
	j.put("\n]}\n")
	if j.err != nil {
		return j.err
	}
	return j.w.Flush()
}

func (j *jsonWriter) Stats() Stats { return j.stats }
