// Package blocklist writes the public portal's published entries in the
// forms others consume: plain lists per kind, a hosts file, a DNS response
// policy zone (RPZ) for resolvers, CSV, JSON and a STIX 2.1 bundle.
//
// Every format is a Writer fed one portal.Listing at a time and closed to
// finish the document, so a list of any size streams from the store to the
// client without being held in memory.
//
// Invariants: the package is pure (no I/O beyond the io.Writer given, no
// clock: the generation time comes in Options); it reads only Listings,
// which hold nothing about reporters or reviewers, so no output can carry
// personal data; blocking by name (hosts, RPZ) covers domain entries only —
// a web address may sit on a shared host, and blocking the host would
// block its other tenants; every output parses back (the tests read each
// one with a parser: encoding/csv, encoding/json, internal/stix and a
// zone-file reader of their own).
package blocklist

import (
	"fmt"
	"io"
	"time"

	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// Format names an output.
type Format string

const (
	FormatPlain Format = "plain" // one value per line, one kind
	FormatHosts Format = "hosts" // 0.0.0.0 name
	FormatRPZ   Format = "rpz"   // DNS response policy zone
	FormatCSV   Format = "csv"
	FormatJSON  Format = "json"
	FormatSTIX  Format = "stix" // STIX 2.1 bundle of indicators
)

// Formats lists every format.
var Formats = []Format{FormatPlain, FormatHosts, FormatRPZ, FormatCSV, FormatJSON, FormatSTIX}

// ContentType is the media type a format is served with.
func (f Format) ContentType() string {
	switch f {
	case FormatCSV:
		return "text/csv; charset=utf-8"
	case FormatJSON:
		return "application/json"
	case FormatSTIX:
		return "application/stix+json;version=2.1"
	}
	return "text/plain; charset=utf-8"
}

// Options shape an output.
type Options struct {
	Now  time.Time  // when the document is made
	Kind canon.Kind // plain lists: the kind listed
	// RPZ: the zone's origin ("rpz.khien.example."), its SOA serial (Unix
	// time of Now when 0), name server and hostmaster names, record TTL.
	Zone, NS, Mbox string
	Serial         uint32
	TTL            int
	// STIX: the name of the identity the bundle is created by.
	Identity string
}

// Writer writes one document.
type Writer interface {
	// Write adds a listing; one the format does not carry is skipped.
	Write(l portal.Listing) error
	// Close finishes the document; it does not close the io.Writer.
	Close() error
	// Stats is what was written and skipped, by reason.
	Stats() Stats
}

// Stats counts what a Writer did.
type Stats struct {
	Written int            `json:"written"`
	Skipped map[string]int `json:"skipped,omitempty"`
}

func (s *Stats) skip(reason string) {
	if s.Skipped == nil {
		s.Skipped = map[string]int{}
	}
	s.Skipped[reason]++
}

// New starts a document of format f on w.
func New(f Format, w io.Writer, o Options) (Writer, error) {
	if o.Now.IsZero() {
		return nil, fmt.Errorf("blocklist: Options.Now is required")
	}
	o.Now = o.Now.UTC()
	switch f {
	case FormatPlain:
		if !o.Kind.Valid() {
			return nil, fmt.Errorf("blocklist: a plain list needs a kind")
		}
		return newLines(w, o, plainLine, "confirmed scam values of kind "+string(o.Kind)), nil
	case FormatHosts:
		return newLines(w, o, hostsLine, "confirmed scam domains, sent nowhere"), nil
	case FormatRPZ:
		return newRPZ(w, o)
	case FormatCSV:
		return newCSV(w, o)
	case FormatJSON:
		return newJSON(w, o)
	case FormatSTIX:
		return newSTIX(w, o)
	}
	return nil, fmt.Errorf("blocklist: unknown format %q", f)
}

// WriteAll writes every listing and closes the document.
func WriteAll(wr Writer, ls []portal.Listing) error {
	for _, l := range ls {
		if err := wr.Write(l); err != nil {
			return err
		}
	}
	return wr.Close()
}

// published reports whether l is a publication in force at now; other
// listings are never written.
func published(l portal.Listing, now time.Time) bool {
	return l.StatusAt(now) == portal.StatusConfirmed
}

// stamp is the time format of every output.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
