package telemetry

import (
	"fmt"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/event"
)

// A CEF record is
//
//	CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension
//
// where header fields escape '|' and '\' with a backslash and the extension
// is "key=value" pairs separated by spaces; values may contain spaces and
// escape '=', '\' and newlines (\n, \r). Devices often put a syslog header
// or an ArcSight-style "Mmm dd yyyy hh:mm:ss host" prefix in front.

// cefHeaderNames are the Fields keys of the seven header fields.
var cefHeaderNames = [7]string{"cef.version", "cef.device_vendor", "cef.device_product", "cef.device_version",
	"cef.signature_id", "cef.name", "cef.severity"}

// cefOrigin is what a syslog header or prefix in front of CEF tells: the
// fallbacks for the event's time and device, and its own fields.
type cefOrigin struct {
	time   time.Time
	device string
	fields map[string]string
}

// decodeCEF decodes a CEF record, with or without a header in front.
func (d Decoder) decodeCEF(raw []byte) (event.Event, error) {
	s := string(raw)
	i := cefStart(s)
	if i < 0 {
		return event.Event{}, errs.Invalid("cef.bad_header", "the record has no CEF header (CEF:Version|Vendor|Product|…)")
	}
	if i == 0 {
		return d.cef(s, cefOrigin{})
	}
	if sm, err := d.parseSyslog(raw); err == nil && cefStart(sm.msg) == 0 {
		return d.cef(sm.msg, sm.origin())
	}
	return d.cef(s[i:], d.arcsightPrefix(strings.TrimSpace(s[:i])))
}

// cefStart returns where "CEF:<digits>|" starts in s: at 0 or after a
// space; -1 when there is none.
func cefStart(s string) int {
	for off := 0; ; {
		i := strings.Index(s[off:], "CEF:")
		if i < 0 {
			return -1
		}
		i += off
		j := i + 4
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j > i+4 && j < len(s) && s[j] == '|' && (i == 0 || s[i-1] == ' ') {
			return i
		}
		off = i + 4
	}
}

// cef decodes s, which starts with "CEF:".
func (d Decoder) cef(s string, origin cefOrigin) (event.Event, error) {
	header, ext, err := splitCEFHeader(s[len("CEF:"):])
	if err != nil {
		return event.Event{}, err
	}
	m := make(map[string]string, 16+len(origin.fields))
	for k, v := range origin.fields {
		m[k] = v
	}
	for i, v := range header {
		m[cefHeaderNames[i]] = v
	}
	var keys []string // in order, for deterministic hashes
	parseCEFExtension(ext, func(k, v string) {
		if _, dup := m[k]; !dup {
			keys = append(keys, k)
		}
		m[k] = v
	})
	ev := event.Event{Format: event.FormatCEF, Fields: m, Signature: header[5], Severity: cefSeverity(header[6])}
	d.mapCEF(&ev, fields{m: m}, keys, origin)
	return ev, nil
}

// splitCEFHeader splits the seven header fields (after "CEF:") from the
// extension, unescaping "\|" and "\\". A record that ends right after the
// severity without the final '|' is accepted.
func splitCEFHeader(s string) ([7]string, string, error) {
	var h [7]string
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '|' || s[i+1] == '\\'):
			b.WriteByte(s[i+1])
			i++
		case c == '|':
			h[n] = b.String()
			b.Reset()
			if n++; n == 7 {
				return h, s[i+1:], nil
			}
		default:
			b.WriteByte(c)
		}
	}
	if n == 6 {
		h[6] = b.String()
		return h, "", nil
	}
	return h, "", errs.Invalid("cef.bad_header", fmt.Sprintf(
		"the CEF header has %d of its 7 '|'-separated fields (Version|Vendor|Product|Version|Signature ID|Name|Severity)", n+1))
}

// parseCEFExtension calls fn for each key=value pair of a CEF extension. A
// value runs up to the next " key=" (an unescaped '=' after a run of key
// characters that follows a space); trailing spaces are dropped. Text before
// the first key is ignored.
func parseCEFExtension(s string, fn func(k, v string)) {
	i := 0
	for i < len(s) {
		k, vstart, ok := cefKeyAt(s, i)
		if !ok {
			next := cefNextKey(s, i)
			if next < 0 {
				return
			}
			i = next
			continue
		}
		end := cefNextKey(s, vstart)
		if end < 0 {
			end = len(s)
		}
		fn(k, unescapeCEFValue(strings.TrimRight(s[vstart:end], " ")))
		i = end
	}
}

func isCEFKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// cefKeyAt reads "key=" at i (after spaces) and returns the key and where
// its value starts.
func cefKeyAt(s string, i int) (string, int, bool) {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	j := i
	for j < len(s) && isCEFKeyChar(s[j]) {
		j++
	}
	if j == i || j >= len(s) || s[j] != '=' {
		return "", 0, false
	}
	return s[i:j], j + 1, true
}

// cefNextKey returns the index of the space before the next "key=" at or
// after i, or -1.
func cefNextKey(s string, i int) int {
	for ; i < len(s); i++ {
		if s[i] != ' ' {
			continue
		}
		j := i + 1
		for j < len(s) && isCEFKeyChar(s[j]) {
			j++
		}
		if j > i+1 && j < len(s) && s[j] == '=' {
			return i
		}
	}
	return -1
}

// unescapeCEFValue decodes \n and \r, and a backslash before punctuation
// (\= \\ \| \" \]); a backslash before a letter or digit is kept, since
// Windows paths (C:\Users\trend) are often sent unescaped.
func unescapeCEFValue(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch e := s[i+1]; {
		case e == 'n':
			b.WriteByte('\n')
		case e == 'r':
			b.WriteByte('\r')
		case e < 0x80 && !isAlnum(e) && e > ' ':
			b.WriteByte(e)
		default:
			b.WriteByte(c)
			continue
		}
		i++
	}
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// cefSeverity maps the header severity onto 0–10: a number as it is, and
// the words at the top of their band (Low 0–3, Medium 4–6, High 7–8,
// Very-High 9–10). Anything else (a template placeholder) gives 0.
func cefSeverity(s string) int {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "low":
		return 3
	case "medium":
		return 6
	case "high":
		return 8
	case "very-high", "very high", "veryhigh", "critical":
		return 10
	}
	if n := parseInt(s); n >= 0 && n <= 10 {
		return n
	}
	return 0
}

// cefLongNames maps the full names of the standard keys that the mapping
// uses to their short forms, so that either spelling works.
var cefLongNames = map[string]string{
	"sourceAddress": "src", "destinationAddress": "dst", "sourcePort": "spt", "destinationPort": "dpt",
	"transportProtocol": "proto", "sourceHostName": "shost", "destinationHostName": "dhost",
	"requestURL": "request", "sourceUserName": "suser", "destinationUserName": "duser",
	"sourceProcessName": "sproc", "destinationProcessName": "dproc", "deviceAction": "act",
	"message": "msg", "deviceHostName": "dvchost", "deviceReceiptTime": "rt", "startTime": "start",
	"endTime": "end", "deviceEventCategory": "cat",
}

// mapCEF fills the model from the standard extension keys: src, dst, spt,
// dpt, proto, shost, dhost, request, fileHash, suser, duser, sproc, dproc,
// dvchost, rt/end/start, cat (their full names work too). act and msg stay
// in Fields. Keys ending in MD5, SHA1 or SHA256 (vendor hash fields such as
// TrendMicroDsFileSHA256) add hashes as well.
func (d Decoder) mapCEF(ev *event.Event, f fields, keys []string, origin cefOrigin) {
	std := make(map[string]string, 16)
	for _, k := range keys {
		if short, ok := cefLongNames[k]; ok {
			std[short] = f.get(k)
		} else {
			std[k] = f.get(k)
		}
	}
	get := func(k string) string { return strings.TrimSpace(std[k]) }
	ev.Kind = get("cat")
	ev.Time = origin.time
	for _, k := range []string{"rt", "end", "start"} {
		if t, ok := d.cefTime(get(k)); ok {
			ev.Time = t
			break
		}
	}
	ev.Device = get("dvchost")
	if ev.Device == "" {
		ev.Device = origin.device
	}
	ev.SrcIP, ev.SrcPort = parseAddr(get("src")), parsePort(get("spt"))
	ev.DstIP, ev.DstPort = parseAddr(get("dst")), parsePort(get("dpt"))
	if !ev.SrcIP.IsValid() {
		ev.SrcIP = parseAddr(get("c6a2"))
	}
	if !ev.DstIP.IsValid() {
		ev.DstIP = parseAddr(get("c6a3"))
	}
	ev.Proto = lower(get("proto"))
	ev.User = firstNonEmpty(get("suser"), get("duser"))
	ev.Process = firstNonEmpty(get("sproc"), get("dproc"))
	addHosts(ev, get("shost"), get("dhost"))
	addEmails(ev, get("suser"), get("duser"))
	if r := get("request"); r != "" {
		if !strings.Contains(r, "://") {
			r = "http://" + r
		}
		ev.AddURL(r)
	}
	addHashes(ev, get("fileHash"), get("oldFileHash"))
	for _, k := range keys {
		u := strings.ToUpper(k)
		if strings.HasSuffix(u, "MD5") || strings.HasSuffix(u, "SHA1") || strings.HasSuffix(u, "SHA256") {
			addHashes(ev, f.get(k))
		}
	}
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// cefTimeLayouts are the MMM-style spellings of CEF times; the zone, when
// there is one, must be numeric or UTC/GMT (abbreviations such as IST are
// ambiguous, so such times are not used).
var cefTimeLayouts = []string{
	"Jan 02 2006 15:04:05.000 MST", "Jan 02 2006 15:04:05 MST", "Jan 02 2006 15:04:05.000 -0700",
	"Jan 02 2006 15:04:05 -0700", "Jan 02 2006 15:04:05.000", "Jan 02 2006 15:04:05",
	"Jan 02 15:04:05.000 MST", "Jan 02 15:04:05 MST", "Jan 02 15:04:05.000", "Jan 02 15:04:05",
}

// cefTime parses a CEF time: epoch milliseconds, ISO 8601, or
// "MMM dd [yyyy] HH:mm:ss[.SSS] [zone]".
func (d Decoder) cefTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if t, ok := parseEpochMillis(s); ok {
		return t, true
	}
	if t, ok := parseTimestamp(s); ok {
		return t, true
	}
	for _, layout := range cefTimeLayouts {
		t, err := time.ParseInLocation(layout, s, d.loc())
		if err != nil {
			continue
		}
		if strings.HasSuffix(layout, "MST") {
			if z, _ := t.Zone(); z != "UTC" && z != "GMT" {
				return time.Time{}, false
			}
		}
		if !strings.Contains(layout, "2006") {
			t = d.withYear(t)
		}
		return t.UTC(), true
	}
	return time.Time{}, false
}

// arcsightPrefix reads what an ArcSight or Aruba forwarder puts before CEF
// ("Dec 03 2017 16:31:28.861 IST 10.17.4.208"): the last word is the
// device; the rest is a time, used when it parses unambiguously.
func (d Decoder) arcsightPrefix(p string) cefOrigin {
	if p == "" {
		return cefOrigin{}
	}
	o := cefOrigin{fields: map[string]string{"cef.prefix": p}}
	i := strings.LastIndexByte(p, ' ')
	if i < 0 {
		o.device = p
		return o
	}
	o.device = p[i+1:]
	if t, ok := d.cefTime(strings.TrimSpace(p[:i])); ok {
		o.time = t
	}
	return o
}
