// Package intel is threat intelligence: indicators with their type, TLP,
// source, confidence and validity, the feeds they come from, and sightings.
//
// Invariants: an indicator's Value is canonical for its Type (see Canonical),
// so the same observable from two feeds is the same (Type, Value) key; TLP is
// always set; an indicator past ValidUntil does not match.
package intel

import (
	"time"

	"github.com/khien-cert/khien/internal/tlp"
)

// Type is the kind of observable an indicator names.
type Type string

const (
	TypeIPv4   Type = "ipv4"   // one IPv4 address
	TypeIPv6   Type = "ipv6"   // one IPv6 address
	TypeCIDR   Type = "cidr"   // an IPv4 or IPv6 prefix
	TypeDomain Type = "domain" // matches the domain and its subdomains
	TypeURL    Type = "url"    // canonicalised URL, exact match
	TypeMD5    Type = "md5"
	TypeSHA1   Type = "sha1"
	TypeSHA256 Type = "sha256"
	TypeEmail  Type = "email"
)

// Types lists every indicator type.
var Types = []Type{TypeIPv4, TypeIPv6, TypeCIDR, TypeDomain, TypeURL, TypeMD5, TypeSHA1, TypeSHA256, TypeEmail}

// Indicator is one observable believed to be malicious.
type Indicator struct {
	ID          string    `json:"id,omitempty"`
	Type        Type      `json:"type"`
	Value       string    `json:"value"` // canonical
	TLP         tlp.Level `json:"tlp"`
	Source      string    `json:"source,omitempty"` // feed or import it came from
	Confidence  int       `json:"confidence"`       // 0–100
	Description string    `json:"description,omitempty"`
	Labels      []string  `json:"labels,omitempty"` // e.g. malware family, threat type
	ValidFrom   time.Time `json:"valid_from,omitzero"`
	ValidUntil  time.Time `json:"valid_until,omitzero"`  // zero: no expiry
	ExternalID  string    `json:"external_id,omitempty"` // STIX id, MISP attribute uuid …
	UpdatedAt   time.Time `json:"updated_at,omitzero"`   // when Khiên last stored it
}

// Key identifies an indicator's observable regardless of source.
func (i Indicator) Key() string { return string(i.Type) + "|" + i.Value }

// ValidAt reports whether the indicator is in force at t.
func (i Indicator) ValidAt(t time.Time) bool {
	if !i.ValidFrom.IsZero() && t.Before(i.ValidFrom) {
		return false
	}
	return i.ValidUntil.IsZero() || t.Before(i.ValidUntil)
}

// Skipped counts what an importer could not turn into indicators, by reason.
type Skipped map[string]int

// Add counts one skipped item.
func (s Skipped) Add(reason string) { s[reason]++ }

// ImportResult is what a format reader produced from one document.
type ImportResult struct {
	Indicators []Indicator `json:"indicators"`
	Skipped    Skipped     `json:"skipped,omitempty"` // reason → count
	Notes      []Note      `json:"notes,omitempty"`   // the first MaxNotes skipped items, explained
}

// Note explains one skipped item of a document, for dry runs and feed pages.
type Note struct {
	Where  string `json:"where"`            // "line 12", "indicator--…", "attribute <uuid>"
	Reason string `json:"reason"`           // the key it is counted under in Skipped
	Detail string `json:"detail,omitempty"` // e.g. the parse error of a STIX pattern
}

// MaxNotes bounds ImportResult.Notes; the counts in Skipped stay exact.
const MaxNotes = 200

// Skip counts one skipped item under reason and, while fewer than MaxNotes
// are kept, notes where it was and why.
func (r *ImportResult) Skip(reason, where, detail string) {
	if r.Skipped == nil {
		r.Skipped = Skipped{}
	}
	r.Skipped.Add(reason)
	if len(r.Notes) < MaxNotes {
		r.Notes = append(r.Notes, Note{Where: where, Reason: reason, Detail: detail})
	}
}

// Dedupe keeps the first indicator of each Key, in order, and counts the
// others as skipped "duplicate".
func (r *ImportResult) Dedupe() {
	seen := make(map[string]bool, len(r.Indicators))
	out := r.Indicators[:0]
	for _, ind := range r.Indicators {
		if seen[ind.Key()] {
			r.Skip("duplicate", ind.ExternalID, ind.Key())
			continue
		}
		seen[ind.Key()] = true
		out = append(out, ind)
	}
	clear(r.Indicators[len(out):])
	r.Indicators = out
}
