// Package misp reads MISP JSON: events in every envelope MISP and its tools
// write ({"Event": …}, a bare event, {"response": [{"Event": …}]}, a list of
// events, attribute and object search results) and MISP feeds (manifest.json
// and one <uuid>.json per event), and turns their attributes into intel
// indicators.
//
// Invariants: the package is pure (no I/O beyond the io.Reader it is given)
// and every document is bounded (Options.MaxBytes); malformed input gives
// an *errs.Error, never a panic; an attribute that does not become an
// indicator is counted in ImportResult.Skipped by reason — "deleted",
// "not_to_ids", "type:<misp type>", "bad_value", "duplicate" — never an
// error. An attribute's TLP is the most restrictive tlp: tag on the
// attribute, else on the event, else the caller's default; distribution and
// sharing groups are informational and not read.
package misp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/intel"
)

// Codes of document-level errors.
const (
	CodeBadJSON     = "misp.bad_json"     // not JSON, or a field of the wrong JSON type
	CodeNotMISP     = "misp.not_misp"     // JSON, but not a MISP event or search result
	CodeBadManifest = "misp.bad_manifest" // a feed manifest that does not hold
)

// Reasons an attribute gives no indicator.
const (
	ReasonDeleted  = "deleted"    // the attribute or its object is deleted
	ReasonNotToIDs = "not_to_ids" // to_ids is false (see Options.IncludeNotToIDs)
	ReasonType     = "type"       // ":<misp type>" is appended: a type with no indicator type
	ReasonBadValue = "bad_value"  // the value is not valid for its type
)

// Options controls the readers.
type Options struct {
	// Defaults are where every indicator starts (intel.WithDefaults): TLP
	// when neither the attribute nor its event has a tlp: tag, source,
	// confidence, expiry.
	Defaults intel.Indicator
	// MaxBytes bounds the document; 0 means intel.DefaultMaxBytes.
	MaxBytes int64
	// IncludeNotToIDs imports attributes whose to_ids is false too; MISP
	// users mark context (reference links, victim addresses) that way.
	IncludeNotToIDs bool
}

func invalid(code, format string, args ...any) *errs.Error {
	msg := fmt.Sprintf(format, args...)
	return errs.Invalid(code, msg, errs.Field("file", code, msg))
}

// ReadEvent reads MISP events in any envelope and returns the indicators of
// their attributes, those inside objects included. The error is an
// *errs.Error: misp.bad_json or misp.not_misp (KindInvalid),
// intel.too_large, or a failure of r.
func ReadEvent(r io.Reader, opt Options) (intel.ImportResult, error) {
	data, err := intel.ReadAll(r, opt.MaxBytes)
	if err != nil {
		return intel.ImportResult{}, err
	}
	events, err := Events(data)
	if err != nil {
		return intel.ImportResult{}, err
	}
	return convert(events, opt), nil
}

// ReadFeedEvent reads one event file of a MISP feed, which MISP writes as
// {"Event": {…}}; other envelopes are refused with misp.not_misp.
func ReadFeedEvent(r io.Reader, opt Options) (intel.ImportResult, error) {
	data, err := intel.ReadAll(r, opt.MaxBytes)
	if err != nil {
		return intel.ImportResult{}, err
	}
	var env struct {
		Event *Event `json:"Event"`
	}
	if err := decode(data, &env); err != nil {
		return intel.ImportResult{}, err
	}
	if env.Event == nil {
		return intel.ImportResult{}, invalid(CodeNotMISP, `a MISP feed event file holds {"Event": {…}}`)
	}
	return convert([]Event{*env.Event}, opt), nil
}

// decode unmarshals JSON, refusing trailing data, with misp.bad_json.
func decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return invalid(CodeBadJSON, "the document is not valid MISP JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid(CodeBadJSON, "the document has data after its end")
	}
	return nil
}

// envelope is every top-level shape ReadEvent accepts, decoded at once: a
// wrapped event, a search response, or a bare event's own fields.
type envelope struct {
	Wrapped  *Event          `json:"Event"`
	Response json.RawMessage `json:"response"`
	Event
}

// Events returns the events of a document in any envelope. Attribute and
// object search results come back as one event holding them.
func Events(data []byte) ([]Event, error) {
	data = bytes.TrimLeft(data, " \t\r\n\uFEFF")
	if len(data) > 0 && data[0] == '[' {
		var list []envelope
		if err := decode(data, &list); err != nil {
			return nil, err
		}
		return fromList(list)
	}
	var env envelope
	if err := decode(data, &env); err != nil {
		return nil, err
	}
	switch {
	case env.Wrapped != nil:
		return []Event{*env.Wrapped}, nil
	case len(env.Response) > 0:
		return fromResponse(env.Response)
	case env.Event.isEvent():
		return []Event{env.Event}, nil
	}
	return nil, invalid(CodeNotMISP, "the document is not a MISP event, list of events or search result")
}

// fromList reads a list of wrapped or bare events (or search hits).
func fromList(list []envelope) ([]Event, error) {
	out := make([]Event, 0, len(list))
	for i, env := range list {
		switch {
		case env.Wrapped != nil:
			out = append(out, *env.Wrapped)
		case env.Event.isEvent():
			out = append(out, env.Event)
		default:
			return nil, invalid(CodeNotMISP, "element %d of the list is not a MISP event", i)
		}
	}
	return out, nil
}

// fromResponse reads the response member of a REST search result: a list
// of {"Event"}, {"Object"} or {"Attribute"} hits, or {"Attribute": […]}.
func fromResponse(raw json.RawMessage) ([]Event, error) {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if raw[0] == '[' {
		var list []envelope
		if err := decode(raw, &list); err != nil {
			return nil, err
		}
		return fromList(list)
	}
	var single envelope
	if err := decode(raw, &single); err != nil {
		return nil, err
	}
	if single.Wrapped != nil {
		return []Event{*single.Wrapped}, nil
	}
	if !single.Event.isEvent() {
		return nil, invalid(CodeNotMISP, "the response is not a MISP search result")
	}
	return []Event{single.Event}, nil
}

// Detect reports whether data looks like MISP JSON ReadEvent accepts.
func Detect(data []byte) bool {
	_, err := Events(data)
	return err == nil
}

// flexString is a JSON string that MISP tools also write as a number.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		err := json.Unmarshal(b, &s)
		*f = flexString(s)
		return err
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, found %s", clipN(string(b), 20))
	}
	*f = flexString(n.String())
	return nil
}

// flexBool is a JSON boolean that MISP tools also write as 0/1 or "0"/"1".
type flexBool struct{ Set, Value bool }

func (f *flexBool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" {
		*f = flexBool{}
		return nil
	}
	v, err := strconv.ParseBool(strings.ToLower(s))
	if err != nil {
		return fmt.Errorf("want a boolean, found %s", clipN(string(b), 20))
	}
	*f = flexBool{Set: true, Value: v}
	return nil
}
