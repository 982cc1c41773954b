package importer

// This file is the dry run: read a document as an import would and say
// what it would bring, per indicator type, and what it would skip, and why.

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/misp"
)

// Report is what importing one document would do. Added counts the
// document's indicators per type after de-duplication within the document;
// which of them a feed already holds is the store's business.
type Report struct {
	Name     string                  `json:"name"`
	Format   intel.Format            `json:"format"`
	Total    int                     `json:"total"`   // indicators, all types
	Added    map[intel.Type]int      `json:"added"`   // indicators per type
	TLP      map[string]int          `json:"tlp"`     // indicators per TLP level
	Samples  map[intel.Type][]string `json:"samples"` // the first values of each type
	Skipped  intel.Skipped           `json:"skipped,omitempty"`
	Notes    []intel.Note            `json:"notes,omitempty"`  // where and why, for the first skipped items
	Manifest []misp.FeedEvent        `json:"events,omitempty"` // a MISP feed manifest's events
}

// samplesPerType bounds Report.Samples.
const samplesPerType = 3

// DryRun reads a document as an import with default options would and
// reports the outcome; name (a file name) helps detect the format. The
// error is the reader's: an *errs.Error.
func DryRun(name string, r io.Reader) (Report, error) {
	res, err := ReadDocument(name, r, Options{})
	if err != nil {
		return Report{}, err
	}
	return Summarize(name, res), nil
}

// Summarize turns a read document into a Report.
func Summarize(name string, res Result) Report {
	rep := Report{
		Name: name, Format: res.Format, Total: len(res.Indicators),
		Added: map[intel.Type]int{}, TLP: map[string]int{}, Samples: map[intel.Type][]string{},
		Skipped: res.Skipped, Notes: res.Notes, Manifest: res.Manifest,
	}
	for _, ind := range res.Indicators {
		rep.Added[ind.Type]++
		rep.TLP[ind.TLP.String()]++
		if len(rep.Samples[ind.Type]) < samplesPerType {
			rep.Samples[ind.Type] = append(rep.Samples[ind.Type], ind.Value)
		}
	}
	return rep
}

// String renders the report for a terminal.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s, %d indicators\n", r.Name, r.Format, r.Total)
	for _, t := range intel.Types {
		if n := r.Added[t]; n > 0 {
			fmt.Fprintf(&b, "  add %-7s %7d  e.g. %s\n", t, n, strings.Join(r.Samples[t], ", "))
		}
	}
	for _, l := range slices.Sorted(maps.Keys(r.TLP)) {
		fmt.Fprintf(&b, "  TLP:%-13s %7d\n", l, r.TLP[l])
	}
	for _, reason := range slices.Sorted(maps.Keys(r.Skipped)) {
		fmt.Fprintf(&b, "  skip %-24s %7d\n", reason, r.Skipped[reason])
	}
	if r.Manifest != nil {
		fmt.Fprintf(&b, "  MISP feed manifest: %d events\n", len(r.Manifest))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  note %s: %s %s\n", n.Where, n.Reason, n.Detail)
	}
	return b.String()
}
