package blocklist

// This file writes a STIX 2.1 bundle: the portal's identity and one
// indicator per published web address, domain, social profile or e-mail
// address, with a STIX pattern built as internal/stix's own syntax tree
// (so quoting is the parser's), TLP:CLEAR, and the publication's validity.
// Phone numbers and bank accounts have no cyber-observable type in STIX 2.1
// and are skipped ("no_stix_type").

import (
	"bufio"
	"encoding/json"
	"io"

	"github.com/google/uuid"

	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
	"github.com/khien-cert/khien/internal/stix"
)

// stixNamespace names the portal's STIX identifiers (UUIDv5): an entry's
// indicator has the same id in every bundle.
var stixNamespace = uuid.MustParse("6f1d0a5e-2b7c-4e49-9a0b-5c3e8d7f1a24")

// tlpClear is the STIX 2.1 TLP:CLEAR marking definition.
const tlpClear = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"

type stixIdentity struct {
	Type          string `json:"type"`
	SpecVersion   string `json:"spec_version"`
	ID            string `json:"id"`
	Created       string `json:"created"`
	Modified      string `json:"modified"`
	Name          string `json:"name"`
	IdentityClass string `json:"identity_class"`
}

type stixIndicator struct {
	Type              string   `json:"type"`
	SpecVersion       string   `json:"spec_version"`
	ID                string   `json:"id"`
	CreatedByRef      string   `json:"created_by_ref"`
	Created           string   `json:"created"`
	Modified          string   `json:"modified"`
	Name              string   `json:"name"`
	IndicatorTypes    []string `json:"indicator_types"`
	Pattern           string   `json:"pattern"`
	PatternType       string   `json:"pattern_type"`
	ValidFrom         string   `json:"valid_from"`
	ValidUntil        string   `json:"valid_until"`
	Labels            []string `json:"labels"`
	ObjectMarkingRefs []string `json:"object_marking_refs"`
}

type stixWriter struct {
	w        *bufio.Writer
	o        Options
	identity string
	stats    Stats
	err      error
}

func newSTIX(w io.Writer, o Options) (*stixWriter, error) {
	if o.Identity == "" {
		o.Identity = "Khiên public portal"
	}
	s := &stixWriter{w: bufio.NewWriter(w), o: o,
		identity: "identity--" + uuid.NewSHA1(stixNamespace, []byte("identity:"+o.Identity)).String()}
	bundle := "bundle--" + uuid.NewSHA1(stixNamespace, []byte("bundle:"+stamp(o.Now))).String()
	s.put(`{"type":"bundle","id":"` + bundle + `","objects":[` + "\n")
	id, _ := json.Marshal(stixIdentity{Type: "identity", SpecVersion: "2.1", ID: s.identity, Created: stamp(o.Now),
		Modified: stamp(o.Now), Name: o.Identity, IdentityClass: "organization"})
	s.put(string(id))
	return s, s.err
}

func (s *stixWriter) put(x string) {
	if s.err == nil {
		_, s.err = s.w.WriteString(x)
	}
}

// observable is the STIX object type a listing's value is.
func observable(l portal.Listing) (objectType, value string) {
	switch l.Kind {
	case canon.KindDomain:
		return "domain-name", canon.Display(l.Key)
	case canon.KindURL, canon.KindSocial:
		return "url", l.Value
	case canon.KindEmail:
		return "email-addr", l.Value
	}
	return "", ""
}

// Pattern is the STIX pattern of one observable: [type:value = 'v'].
func Pattern(objectType, value string) string {
	c := &stix.Comparison{Path: stix.Path{ObjectType: objectType, Steps: []stix.Step{{Key: "value"}}}, Op: "=",
		Value: stix.Literal{Kind: stix.LitString, Str: value}}
	return (&stix.Observation{Cond: c}).String()
}

func (s *stixWriter) Write(l portal.Listing) error {
	if !published(l, s.o.Now) {
		s.stats.skip("not_published")
		return s.err
	}
	typ, v := observable(l)
	if typ == "" {
		s.stats.skip("no_stix_type")
		return s.err
	}
	modified := l.UpdatedAt
	if modified.Before(l.PublishedAt) {
		modified = l.PublishedAt
	}
	labels := []string{"scam"}
	if l.Category != "" {
		labels = append(labels, string(l.Category))
	}
	b, err := json.Marshal(stixIndicator{Type: "indicator", SpecVersion: "2.1",
		ID:           "indicator--" + uuid.NewSHA1(stixNamespace, []byte("entry:"+l.ID)).String(),
		CreatedByRef: s.identity, Created: stamp(l.PublishedAt), Modified: stamp(modified),
		Name: "Scam " + string(l.Kind) + ": " + v, IndicatorTypes: []string{"malicious-activity"},
		Pattern: Pattern(typ, v), PatternType: "stix", ValidFrom: stamp(l.PublishedAt), ValidUntil: stamp(l.ExpiresAt),
		Labels: labels, ObjectMarkingRefs: []string{tlpClear}})
	if err != nil {
		return err
	}
	s.put(",\n" + string(b))
	s.stats.Written++
	return s.err
}

func (s *stixWriter) Close() error {
	s.put("\n]}\n")
	if s.err != nil {
		return s.err
	}
	return s.w.Flush()
}

func (s *stixWriter) Stats() Stats { return s.stats }
