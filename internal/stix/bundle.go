package stix

// This file decodes STIX JSON documents (a bundle, a bare object, or an
// array of objects; STIX 2.0 and 2.1) and turns their indicators, and
// optionally their cyber-observable objects, into intel indicators.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/tlp"
)

// Codes of document-level errors.
const (
	CodeBadJSON = "stix.bad_json" // not JSON, or a field of the wrong JSON type
	CodeNotSTIX = "stix.not_stix" // JSON, but no bundle, object or array of objects
)

// Options controls Read.
type Options struct {
	// Defaults are where every indicator starts (intel.WithDefaults): TLP
	// when the object has no TLP marking, source, confidence when the
	// object has none, expiry when it has no valid_until.
	Defaults intel.Indicator
	// MaxBytes bounds the document; 0 means intel.DefaultMaxBytes. A larger
	// document is refused with intel.too_large (KindTooLarge).
	MaxBytes int64
	// Observables also imports the supported cyber-observable objects (at
	// the top level and inside observed-data) as indicators. Off, they are
	// counted as skipped "observable": an observation is not a verdict.
	Observables bool
}

// Object is the part of a STIX object the importer reads.
type Object struct {
	Type              string   `json:"type"`
	ID                string   `json:"id"`
	Revoked           bool     `json:"revoked"`
	ObjectMarkingRefs []string `json:"object_marking_refs"`
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	// indicator
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	ValidFrom      string   `json:"valid_from"`
	ValidUntil     string   `json:"valid_until"`
	Labels         []string `json:"labels"`
	IndicatorTypes []string `json:"indicator_types"`
	Confidence     *int     `json:"confidence"`
	// marking-definition
	DefinitionType string                     `json:"definition_type"`
	Definition     json.RawMessage            `json:"definition"`
	Extensions     map[string]json.RawMessage `json:"extensions"`
	// cyber-observable objects
	Value  string            `json:"value"`
	Hashes map[string]string `json:"hashes"`
	// observed-data in the STIX 2.0 way
	Objects map[string]json.RawMessage `json:"objects"`
}

// Read decodes a STIX document and returns its indicators, counting what
// it cannot use by reason (see the Reason constants). The error is an
// *errs.Error: stix.bad_json or stix.not_stix (KindInvalid),
// intel.too_large, or a failure of r.
func Read(r io.Reader, opt Options) (intel.ImportResult, error) {
	data, err := intel.ReadAll(r, opt.MaxBytes)
	if err != nil {
		return intel.ImportResult{}, err
	}
	raws, err := Objects(data)
	if err != nil {
		return intel.ImportResult{}, err
	}
	c := converter{opt: opt, base: intel.WithDefaults(opt.Defaults), markings: map[string]tlp.Level{}}
	objs := make([]*Object, len(raws))
	for i, raw := range raws {
		objs[i] = c.decode(raw, i)
	}
	for _, o := range objs {
		if o != nil && o.Type == "marking-definition" {
			c.marking(o)
		}
	}
	for _, o := range objs {
		if o != nil {
			c.object(o)
		}
	}
	c.res.Dedupe()
	return c.res, nil
}

func invalid(code, format string, args ...any) *errs.Error {
	msg := fmt.Sprintf(format, args...)
	return errs.Invalid(code, msg, errs.Field("file", code, msg))
}

// Detect reports whether data looks like a STIX document: a bundle, an
// object with a type and a STIX identifier, or an array starting with one.
func Detect(data []byte) bool {
	raws, err := Objects(data)
	if err != nil {
		return false
	}
	if len(raws) == 0 {
		return bytes.Contains(data, []byte(`"bundle"`))
	}
	var head struct{ Type, ID string }
	return json.Unmarshal(raws[0], &head) == nil && head.Type != "" && strings.Contains(head.ID, "--")
}

// Objects returns the objects of a STIX document as raw JSON: those of a
// bundle, the elements of an array, or a bare object alone.
func Objects(data []byte) ([]json.RawMessage, error) {
	data = bytes.TrimLeft(data, " \t\r\n\uFEFF")
	if len(data) > 0 && data[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(data, &arr); err != nil {
			return nil, invalid(CodeBadJSON, "the document is not valid JSON: %v", err)
		}
		return arr, nil
	}
	var head struct {
		Type    any               `json:"type"`
		ID      any               `json:"id"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, invalid(CodeBadJSON, "the document is not valid JSON: %v", err)
	}
	typ, _ := head.Type.(string)
	id, _ := head.ID.(string)
	switch {
	case typ == "bundle":
		return head.Objects, nil
	case typ != "" && id != "":
		return []json.RawMessage{data}, nil
	}
	return nil, invalid(CodeNotSTIX, "the document is not a STIX bundle, object or array of objects")
}

// converter holds the state of one Read.
type converter struct {
	opt      Options
	base     intel.Indicator
	markings map[string]tlp.Level // marking-definition id → TLP level from the document
	res      intel.ImportResult
}

// decode reads one object, or counts it as skipped and returns nil.
func (c *converter) decode(raw json.RawMessage, i int) *Object {
	var head struct{ Type, ID string }
	if err := json.Unmarshal(raw, &head); err != nil || head.Type == "" {
		c.res.Skip(ReasonBadObject, fmt.Sprintf("object %d", i), "no type")
		return nil
	}
	if head.Type != "indicator" && head.Type != "marking-definition" && head.Type != "observed-data" && !scoTypes[head.Type] {
		return &Object{Type: head.Type, ID: head.ID}
	}
	var o Object
	if err := json.Unmarshal(raw, &o); err != nil {
		c.res.Skip(ReasonBadObject, head.ID, clip(err.Error()))
		return nil
	}
	return &o
}

// scoTypes are the STIX 2.1 cyber-observable object types.
var scoTypes = map[string]bool{
	"artifact": true, "autonomous-system": true, "directory": true, "domain-name": true,
	"email-addr": true, "email-message": true, "file": true, "ipv4-addr": true, "ipv6-addr": true,
	"mac-addr": true, "mutex": true, "network-traffic": true, "process": true, "software": true,
	"url": true, "user-account": true, "windows-registry-key": true, "x509-certificate": true,
}

// object converts one decoded object.
func (c *converter) object(o *Object) {
	switch {
	case o.Type == "indicator":
		c.indicator(o)
	case c.opt.Observables && o.Type == "observed-data":
		for _, key := range sortedKeys(o.Objects) {
			var sco Object
			if err := json.Unmarshal(o.Objects[key], &sco); err != nil {
				c.res.Skip(ReasonBadObject, o.ID+" objects."+key, clip(err.Error()))
				continue
			}
			sco.ObjectMarkingRefs = o.ObjectMarkingRefs
			sco.ID = o.ID
			c.observable(&sco)
		}
	case c.opt.Observables && scoTypes[o.Type]:
		c.observable(o)
	case o.Type == "observed-data" || scoTypes[o.Type]:
		c.res.Skip(ReasonObservable, o.ID, o.Type)
	default:
		c.res.Skip(ReasonNotIndicator, o.ID, o.Type)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// indicator converts an indicator object.
func (c *converter) indicator(o *Object) {
	if o.Revoked {
		c.res.Skip(ReasonRevoked, o.ID, "")
		return
	}
	if pt := strings.ToLower(o.PatternType); pt != "" && pt != "stix" {
		c.res.Skip(ReasonPatternType+":"+clipN(pt, 40), o.ID, "")
		return
	}
	p, err := Parse(o.Pattern)
	if err != nil {
		c.res.Skip(ReasonBadPattern, o.ID, err.Error())
		return
	}
	obs, skips := Extract(p)
	for _, s := range skips {
		c.res.Skip(s.Reason, o.ID, s.Detail)
	}
	base := c.common(o)
	if t, err := time.Parse(time.RFC3339, o.ValidFrom); err == nil {
		base.ValidFrom = t.UTC()
	}
	if t, err := time.Parse(time.RFC3339, o.ValidUntil); err == nil {
		base.ValidUntil = t.UTC()
	}
	if o.Confidence != nil && *o.Confidence >= 0 && *o.Confidence <= 100 {
		base.Confidence = *o.Confidence
	}
	base.Labels = mergeLabels(o.IndicatorTypes, o.Labels)
	for _, ob := range obs {
		ind := base
		ind.Type, ind.Value = ob.Type, ob.Value
		c.res.Indicators = append(c.res.Indicators, ind)
	}
}

// common returns the base indicator for an object: defaults, its TLP,
// identifier and description.
func (c *converter) common(o *Object) intel.Indicator {
	ind := c.base
	if l := c.level(o.ObjectMarkingRefs); l.Valid() {
		ind.TLP = l
	}
	ind.ExternalID = o.ID
	if o.Description != "" {
		ind.Description = o.Description
	} else if o.Name != "" {
		ind.Description = o.Name
	}
	return ind
}

// observable converts a cyber-observable object (Options.Observables).
func (c *converter) observable(o *Object) {
	base := c.common(o)
	var vals []Observable
	if t, ok := valueTypes[o.Type]; ok && o.Value != "" {
		nt, v, err := intel.Normalize(t, o.Value)
		if err != nil {
			c.res.Skip(ReasonBadValue, o.ID, clip(err.Error()))
			return
		}
		vals = append(vals, Observable{nt, v})
	}
	if o.Type == "file" {
		for _, k := range sortedKeys(o.Hashes) {
			if t := hashType(k); t != "" {
				if v, err := intel.Canonical(t, o.Hashes[k]); err == nil {
					vals = append(vals, Observable{t, v})
				} else {
					c.res.Skip(ReasonBadValue, o.ID, clip(err.Error()))
				}
			}
		}
	}
	if len(vals) == 0 {
		c.res.Skip(ReasonObject, o.ID, o.Type)
		return
	}
	for _, v := range vals {
		ind := base
		ind.Type, ind.Value = v.Type, v.Value
		c.res.Indicators = append(c.res.Indicators, ind)
	}
}

// mergeLabels joins label lists without repeats, at most 32.
func mergeLabels(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, s := range l {
			if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) && len(out) < 32 {
				out = append(out, s)
			}
		}
	}
	return out
}
