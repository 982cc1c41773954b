package telemetry

import (
	"bytes"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/event"
)

// Decoder decodes single records. The zero value is ready to use.
type Decoder struct {
	// Now is the clock used only to infer the missing year of RFC 3164 and
	// other year-less timestamps; nil means time.Now.
	Now func() time.Time
	// Location is the time zone of timestamps that carry none (RFC 3164,
	// "Jan 02 15:04:05"-style CEF times); nil means UTC.
	Location *time.Location
}

// Decode decodes one record with the zero Decoder. See Decoder.Decode.
func Decode(format event.Format, raw []byte) (event.Event, error) {
	return Decoder{}.Decode(format, raw)
}

// Decode turns one record (one JSON object, one syslog or CEF line) of the
// given format into an Event; an empty format means "detect it" (see
// Detect). ID, SensorID, OrgID and Received are left for ingest to fill.
// Errors are *errs.Error of KindInvalid with a stable code.
func (d Decoder) Decode(format event.Format, raw []byte) (event.Event, error) {
	return d.decode(format, raw, true)
}

// DecodeModel decodes one record with the zero Decoder. See
// Decoder.DecodeModel.
func DecodeModel(format event.Format, raw []byte) (event.Event, error) {
	return Decoder{}.DecodeModel(format, raw)
}

// DecodeModel is Decode without Fields: it accepts and rejects exactly the
// records Decode does, with the same errors, and returns the same event but
// for Fields, which it leaves nil. It is cheaper for JSON records (their
// fields go into a reused map). Ingest uses it: the stream carries the raw
// record, from which Decode gives the Fields when rules need them.
func (d Decoder) DecodeModel(format event.Format, raw []byte) (event.Event, error) {
	ev, err := d.decode(format, raw, false)
	ev.Fields = nil
	return ev, err
}

func (d Decoder) decode(format event.Format, raw []byte, keep bool) (event.Event, error) {
	raw = bytes.TrimSpace(bytes.TrimPrefix(raw, utf8BOM))
	if len(raw) == 0 {
		return event.Event{}, errs.Invalid("event.empty", "the record is empty")
	}
	if !utf8.Valid(raw) {
		return event.Event{}, errBadUTF8()
	}
	if format == "" && raw[0] == '{' {
		return decodeJSON(raw, "", keep) // detected while it is parsed
	}
	if format == "" {
		if format = Detect(raw); format == "" {
			return event.Event{}, errs.Invalid("event.unknown_format",
				"the record is not in a known format (JSON object, CEF or syslog)")
		}
	}
	switch format {
	case event.FormatEVE, event.FormatZeek, event.FormatECS, event.FormatWindows, event.FormatJSON:
		return decodeJSON(raw, format, keep)
	case event.FormatCEF:
		return d.decodeCEF(raw)
	case event.FormatSyslog:
		return d.decodeSyslog(raw)
	}
	return event.Event{}, errs.Invalid("event.unknown_format", fmt.Sprintf("unknown telemetry format %q", format))
}

func (d Decoder) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d Decoder) loc() *time.Location {
	if d.Location != nil {
		return d.Location
	}
	return time.UTC
}

// decodeJSON flattens a JSON record (unwrapping an Elasticsearch hit's
// _source) and lets the format's mapper fill the Event from the fields; an
// empty format is detected as the record is parsed (as Detect would). With
// keep set the fields are a map that the event keeps as Fields; else a
// table over the parser's pairs, dropped with the parser.
func decodeJSON(raw []byte, format event.Format, keep bool) (event.Event, error) {
	var k detectKeys
	var note *detectKeys
	if format == "" {
		note = &k
	}
	p, err := parseFlat(raw, note)
	if err != nil {
		return event.Event{}, err
	}
	defer func() { p.release() }() // p changes for a hit's _source
	if format == "" {
		format = k.format()
		if k.hit && k.hasSource {
			format = detectJSON(raw)
		}
	}
	fieldsOf := func(p *flattener) fields {
		if keep {
			return fields{m: p.fieldMap()}
		}
		p.table.reset(p.kvs)
		return fields{t: &p.table}
	}
	f := fieldsOf(p)
	if _, ok := f.lookup("_index"); ok || f.get("_id") != "" {
		if src := unwrapHit(raw); len(src) != len(raw) {
			q, err := parseFlat(src, nil)
			if err != nil {
				return event.Event{}, err
			}
			p.release()
			p = q
			f = fieldsOf(p)
		}
	}
	ev := event.Event{Format: format, Fields: f.m}
	if err := mapJSON(&ev, f); err != nil {
		return event.Event{}, err
	}
	return ev, nil
}

// mapJSON lets ev.Format's mapper fill ev. The calls are direct, not
// through a function value, so that ev does not escape to the heap.
func mapJSON(ev *event.Event, f fields) error {
	switch ev.Format {
	case event.FormatEVE:
		return mapEVE(ev, f)
	case event.FormatZeek:
		return mapZeek(ev, f)
	case event.FormatECS:
		return mapECS(ev, f)
	case event.FormatWindows:
		return mapWindows(ev, f)
	}
	return mapGeneric(ev, f)
}

// unwrapHit returns the _source object of an Elasticsearch/OpenSearch hit
// ({"_index":…, "_id":…, "_source":{…}, "fields":{…}}), or raw itself.
func unwrapHit(raw []byte) []byte {
	if !bytes.Contains(raw, []byte(`"_source"`)) {
		return raw
	}
	ms, ok := topLevel(raw)
	if !ok {
		return raw
	}
	src, isHit := member{}, false
	for _, m := range ms {
		switch {
		case m.key == "_source" && m.kind == '{':
			src = m
		case m.key == "_index" || m.key == "_id":
			isHit = true
		}
	}
	if !isHit || src.key == "" {
		return raw
	}
	return raw[src.start:src.end]
}

// member is one top-level member of a JSON object: its key, the first byte
// of its value ('{', '[', '"', digit, 't', 'f', 'n') and the value's span.
type member struct {
	key        string
	kind       byte
	start, end int
}

// topLevel lists the members of a JSON object without flattening it. It
// reports false when raw is not one valid JSON object.
func topLevel(raw []byte) ([]member, bool) {
	p := flattener{s: string(raw)}
	p.skipWS()
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		return nil, false
	}
	p.i++
	var ms []member
	p.skipWS()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		return nil, true
	}
	for {
		p.skipWS()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, false
		}
		k, err := p.str()
		p.skipWS()
		if err != nil || p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, false
		}
		p.i++
		p.skipWS()
		m := member{key: k, start: p.i}
		if p.i < len(p.s) {
			m.kind = p.s[p.i]
		}
		if err := p.value(1); err != nil {
			return nil, false
		}
		m.end = p.i
		ms = append(ms, m)
		if done, err := p.next('}'); err != nil {
			return nil, false
		} else if done {
			return ms, true
		}
	}
}

func errJSON(at int, msg string) error {
	return errs.Invalid("event.bad_json", fmt.Sprintf("invalid JSON at byte %d: %s", at, msg))
}

func errNotObject() error {
	return errs.Invalid("event.not_object", "the record must be a JSON object")
}

func errBadUTF8() error {
	return errs.Invalid("event.bad_utf8", "the record is not valid UTF-8")
}

func errTooLong(max int) error {
	return errs.Invalid("event.too_long", fmt.Sprintf("the record is longer than the limit of %d bytes", max))
}

func errTimestamp(format event.Format, field, value string) error {
	if value == "" {
		return errs.Invalid("event.bad_timestamp", fmt.Sprintf("the %s record has no timestamp (%s)", format, field))
	}
	return errs.Invalid("event.bad_timestamp", fmt.Sprintf("the %s timestamp %s %q is not a valid time", format, field, clip(value)))
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	i := 64
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
