// Package telemetry decodes what sensors send — Suricata EVE, Zeek (JSON and
// TSV), ECS-style JSON, Windows event JSON, CEF and syslog (RFC 5424 and
// RFC 3164) — into event.Event values. It is pure: no I/O beyond the
// io.Reader it is given, no clock except the one a Decoder is given (for
// year-less timestamps), no database, no network.
//
// The API is three functions and a framing helper:
//
//   - Decode(format, raw) turns one record (one JSON object, one syslog or
//     CEF line) into an Event; an empty format means Detect(raw).
//   - Detect(raw) guesses the format of one record.
//   - Split(r, max, fn) cuts a file or request body into records: NDJSON,
//     concatenated pretty-printed JSON, JSON arrays, Zeek TSV (rows become
//     Zeek JSON), syslog/CEF lines.
//   - SplitSyslog(r, max, fn) cuts a syslog TCP stream (RFC 6587 octet
//     counting and newline framing) into messages.
//
// Invariants of every Event Decode returns (those of package event, plus):
//
//   - Format is set; ID, SensorID, OrgID and Received are left empty for
//     ingest to fill.
//   - Time is UTC. It is the source's own time; a missing or unparsable one
//     is an error for EVE, Zeek, ECS and Windows, and leaves the zero time
//     for CEF, syslog without a timestamp and generic JSON.
//   - SrcIP and DstIP are valid (IPv4-mapped IPv6 unmapped) or zero; ports
//     are 0 when absent or malformed: a bad address is kept in Fields, not
//     an error, because real sensors send placeholders ("%CLIENT_IP%", "-").
//   - Hosts, URLs, Hashes and Emails hold canonical, de-duplicated values in
//     the order first seen (see event.CanonicalHost and its siblings).
//   - Fields holds every source field, flattened to dotted keys ("a.b.0")
//     with string values; numbers keep their literal text, so flow_id and
//     other large integers lose nothing. Format-specific extras are listed
//     at each mapper (Windows bare names, syslog.* header fields, cef.*
//     header fields).
//   - Every error is an *errs.Error of KindInvalid whose Code is stable
//     ("event.bad_json", "event.bad_timestamp", "syslog.bad_pri",
//     "cef.bad_header", "event.too_long", "event.bad_utf8", …) and whose
//     Public text is English meant for the sensor's operator.
//
// Design notes. JSON records are flattened by a small strict parser of our
// own (flatten.go) rather than encoding/json into map[string]any: it is
// the ingest hot path, and building the flat map directly from substrings
// of one copy of the input is several times faster; a fuzz target checks
// it accepts exactly what encoding/json accepts. Each format's mapper then
// reads the flat map. Syslog headers are parsed with
// github.com/leodido/go-syslog; SplitSyslog frames the stream itself (see
// there for why). The CEF parser is our own.
package telemetry
