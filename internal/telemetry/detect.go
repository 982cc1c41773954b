package telemetry

import (
	"bytes"

	"github.com/khien-cert/khien/internal/event"
)

// Detect guesses the format of one record; "" means none it knows.
//
//   - Suricata EVE: event_type and timestamp, with flow_id or src_ip (or an
//     engine/stats object, for Suricata's own events).
//   - Windows: an Event object (evtx_dump), a winlog object (Winlogbeat), or
//     EventID with Channel or Provider_Name (flat exports).
//   - Zeek: ts with uid, id.orig_h or _path.
//   - ECS: @timestamp with event, source or destination (objects or dotted keys).
//   - Any other JSON object: FormatJSON. An Elasticsearch hit is judged by
//     its _source.
//   - CEF: "CEF:<version>|" at the start or after a syslog header or an
//     ArcSight/Aruba prefix.
//   - Syslog: a <PRI>, an RFC 3164 timestamp ("Mmm dd") or an RFC 3339 date
//     at the start, or an RFC 5424 version followed by a date.
func Detect(raw []byte) event.Format {
	b := bytes.TrimSpace(raw)
	switch {
	case len(b) == 0:
		return ""
	case b[0] == '{':
		return detectJSON(b)
	case b[0] == '[':
		return event.FormatJSON
	case cefStart(string(b)) >= 0 && looksLikeCEFPrefix(b):
		return event.FormatCEF
	case b[0] == '<' || startsWithMonth(b) || startsWithDate(b):
		return event.FormatSyslog
	case startsWithVersion(b):
		if i := bytes.IndexByte(b, ' '); startsWithDate(b[i+1:]) || bytes.HasPrefix(b[i+1:], []byte("- ")) {
			return event.FormatSyslog
		}
	}
	return ""
}

// looksLikeCEFPrefix reports whether what comes before "CEF:" is short
// enough to be a header or forwarder prefix rather than a message that
// happens to quote CEF.
func looksLikeCEFPrefix(b []byte) bool {
	return cefStart(string(b)) <= 256
}

// detectKeys are the top-level keys Detect looks at.
type detectKeys struct {
	eventType, timestamp, flowID, srcIP, engineObj, statsObj bool
	eventSystem, winlogObj, eventID, channel, providerName   bool
	ts, uid, idOrigH, path, idObj                            bool
	atTimestamp, eventObj, sourceObj, destObj                bool
	hasSource                                                bool   // an Elasticsearch hit's _source object
	source                                                   []byte // it, when noted from bytes
	hit                                                      bool   // _index or _id
}

func detectJSON(b []byte) event.Format {
	var k detectKeys
	if !sniffObject(b, func(key, val []byte) { noteMember(&k, key, val) }) {
		return event.FormatJSON // Decode will say what is wrong
	}
	if k.hit && k.source != nil {
		return detectJSON(k.source)
	}
	return k.format()
}

// format is the format the noted keys tell (for an object that is not an
// Elasticsearch hit).
func (k *detectKeys) format() event.Format {
	switch {
	case k.eventType && k.timestamp && (k.flowID || k.srcIP || k.engineObj || k.statsObj):
		return event.FormatEVE
	case k.eventSystem || k.winlogObj || k.eventID && (k.channel || k.providerName):
		return event.FormatWindows
	case k.ts && (k.uid || k.idOrigH || k.path || k.idObj):
		return event.FormatZeek
	case k.atTimestamp && (k.eventObj || k.sourceObj || k.destObj):
		return event.FormatECS
	}
	return event.FormatJSON
}

// text is the raw JSON that Detect reads: the record as bytes, or as the
// string the flattener parses (which notes members as it goes, so that
// decoding a record of unknown format reads it once).
type text interface{ ~string | ~[]byte }

// noteMember records one top-level member: its key as written (escapes
// not decoded) and its value's raw text.
func noteMember[T text](k *detectKeys, key, val T) {
	obj := len(val) > 0 && val[0] == '{'
	switch string(key) {
	case "event_type":
		k.eventType = true
	case "timestamp":
		k.timestamp = true
	case "flow_id":
		k.flowID = true
	case "src_ip":
		k.srcIP = true
	case "engine":
		k.engineObj = obj
	case "stats":
		k.statsObj = obj
	case "Event":
		k.eventSystem = obj && hasMember(val, "System")
	case "winlog":
		k.winlogObj = obj
	case "EventID":
		k.eventID = true
	case "Channel":
		k.channel = true
	case "Provider_Name":
		k.providerName = true
	case "ts":
		k.ts = true
	case "uid":
		k.uid = true
	case "id.orig_h":
		k.idOrigH = true
	case "_path":
		k.path = true
	case "id":
		k.idObj = obj
	case "@timestamp":
		k.atTimestamp = true
	case "_source":
		if obj {
			k.hasSource = true
			if b, ok := any(val).([]byte); ok {
				k.source = b
			}
		}
	case "_index", "_id":
		k.hit = true
	default:
		noteECS(k, key, obj)
	}
}

// noteECS notes the ECS objects, nested or as dotted keys.
func noteECS[T text](k *detectKeys, key T, obj bool) {
	for _, p := range [...]struct {
		name string
		flag *bool
	}{{"event", &k.eventObj}, {"source", &k.sourceObj}, {"destination", &k.destObj}} {
		if string(key) == p.name && obj || len(key) > len(p.name) && key[len(p.name)] == '.' && string(key[:len(p.name)]) == p.name {
			*p.flag = true
		}
	}
}

func hasMember[T text](obj T, name string) bool {
	found := false
	sniffObject(obj, func(key, _ T) {
		found = found || string(key) == name
	})
	return found
}

// sniffObject calls fn with the raw key and value of each top-level member
// of a JSON object. It is a quick look for Detect, not a validator: it only
// tracks strings and brackets, and reports false when the shape is off.
func sniffObject[T text](b T, fn func(key, val T)) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	for i = skipSpace(b, i+1); i < len(b) && b[i] != '}'; {
		if b[i] != '"' {
			return false
		}
		end := skipString(b, i)
		key := b[i+1 : max(end-1, i+1)]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		start := skipSpace(b, i+1)
		i = skipValue(b, start)
		fn(key, b[start:i])
		if i = skipSpace(b, i); i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return i < len(b)
}

func skipSpace[T text](b T, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just after the string that starts at i.
func skipString[T text](b T, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index just after the value that starts at i.
func skipValue[T text](b T, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && skipSpace(b, i) == i {
		i++
	}
	return i
}
