// Package event is the one model every telemetry format is normalised into
// before detection: Suricata EVE, Zeek, ECS-style JSON, Windows event JSON,
// CEF and syslog all become an Event.
//
// Invariants: Time is UTC; IP fields are valid or the zero netip.Addr;
// Hosts, URLs, Hashes and Emails hold canonical, de-duplicated values
// (lower-case host names without a trailing dot, lower-case hex hashes,
// lower-case e-mail addresses); Fields keeps every source field flattened to
// dotted keys with string values, for rules that look at what the model does
// not name. The package is pure: no I/O.
package event

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Format names a telemetry format.
type Format string

const (
	FormatEVE     Format = "eve"     // Suricata EVE JSON
	FormatZeek    Format = "zeek"    // Zeek JSON or TSV logs
	FormatECS     Format = "ecs"     // Elastic Common Schema-style JSON
	FormatWindows Format = "windows" // Windows event JSON (evtx_dump, Winlogbeat)
	FormatCEF     Format = "cef"     // ArcSight Common Event Format
	FormatSyslog  Format = "syslog"  // RFC 5424 / RFC 3164
	FormatJSON    Format = "json"    // any other JSON object
)

// Event is one normalised security event.
type Event struct {
	ID       string    `json:"id"`       // stable: see NewID
	Time     time.Time `json:"time"`     // when it happened (source clock), UTC
	Received time.Time `json:"received"` // when Khiên accepted it, UTC
	SensorID string    `json:"sensor_id,omitempty"`
	OrgID    string    `json:"org_id,omitempty"` // the sensor's owner
	Format   Format    `json:"format"`
	Kind     string    `json:"kind,omitempty"`   // source event type: alert, dns, http, flow, process_creation, …
	Device   string    `json:"device,omitempty"` // the host that reported it: syslog HOSTNAME, CEF dvchost, Windows Computer, ECS host.name; as sent

	SrcIP   netip.Addr `json:"src_ip,omitzero"`
	SrcPort uint16     `json:"src_port,omitempty"`
	DstIP   netip.Addr `json:"dst_ip,omitzero"`
	DstPort uint16     `json:"dst_port,omitempty"`
	Proto   string     `json:"proto,omitempty"` // lower-case: tcp, udp, icmp …

	Hosts  []string `json:"hosts,omitempty"`  // host names and domains seen (DNS query, HTTP host, TLS SNI …)
	URLs   []string `json:"urls,omitempty"`   // full URLs seen
	Hashes []string `json:"hashes,omitempty"` // file hashes (MD5, SHA-1, SHA-256), lower-case hex
	Emails []string `json:"emails,omitempty"`

	User        string `json:"user,omitempty"`
	Process     string `json:"process,omitempty"` // image path or name
	CommandLine string `json:"command_line,omitempty"`

	Signature string `json:"signature,omitempty"` // a sensor's own alert name (EVE alert.signature, CEF name)
	Severity  int    `json:"severity,omitempty"`  // the sensor's own severity, 0 when none

	// Fields holds every source field, flattened with dotted keys
	// ("alert.signature_id", "EventData.Image"), values as strings.
	Fields map[string]string `json:"fields,omitempty"`
}

// NewID returns the stable ID of a raw event from a sensor: the same bytes
// from the same sensor always get the same ID, so a re-sent batch produces no
// duplicate alerts.
func NewID(sensorID string, raw []byte) string {
	// Every accepted event gets one, so the hashed bytes are gathered in a
	// pooled buffer and the digest and its hex form built on the stack: one
	// allocation, the ID itself.
	bp := idBufs.Get().(*[]byte)
	b := append(append(append((*bp)[:0], sensorID...), 0), raw...)
	sum := sha256.Sum256(b)
	if cap(b) <= 1<<20 {
		*bp = b
		idBufs.Put(bp)
	}
	var out [32]byte
	hex.Encode(out[:], sum[:16])
	return string(out[:])
}

var idBufs = sync.Pool{New: func() any { return new([]byte) }}

// Clone returns a copy of e that shares no lists or map with it, for an
// event kept beyond a callback that reuses its storage.
func (e *Event) Clone() Event {
	c := *e
	c.Hosts, c.URLs, c.Hashes, c.Emails = slices.Clone(e.Hosts), slices.Clone(e.URLs), slices.Clone(e.Hashes), slices.Clone(e.Emails)
	c.Fields = maps.Clone(e.Fields)
	return c
}

// Field returns a source field by its flattened name.
func (e *Event) Field(name string) (string, bool) {
	v, ok := e.Fields[name]
	return v, ok
}
