package telemetry

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/event"
)

// mapZeek fills an Event from a Zeek log record (JSON, or a TSV row that
// Split has turned into the same JSON shape).
//
// Kind is _path (the log: conn, dns, ssl, http, files, smtp, notice …); ts
// is an ISO 8601 string or epoch seconds. Hosts come from DNS query and
// answer names, ssl server_name, http host and x509 san.dns; URLs from http
// host + uri; hashes from files.log; e-mails from smtp.
func mapZeek(ev *event.Event, f fields) error {
	ts := f.get("ts")
	t, ok := parseTimestamp(ts)
	if !ok {
		t, ok = parseEpoch(ts)
	}
	if !ok {
		return errTimestamp(event.FormatZeek, "ts", ts)
	}
	ev.Time = t
	ev.Kind = f.get("_path")
	ev.SrcIP, ev.SrcPort = parseAddr(f.get("id.orig_h")), parsePort(f.get("id.orig_p"))
	ev.DstIP, ev.DstPort = parseAddr(f.get("id.resp_h")), parsePort(f.get("id.resp_p"))
	if !ev.SrcIP.IsValid() && !ev.DstIP.IsValid() { // notice.log without a connection
		ev.SrcIP, ev.DstIP, ev.DstPort = parseAddr(f.get("src")), parseAddr(f.get("dst")), parsePort(f.get("p"))
	}
	ev.Proto = lower(f.get("proto"))
	ev.Signature = f.get("note")
	ev.User = f.first("username", "user")
	if ev.Kind == "kerberos" {
		ev.User = f.get("client")
	}
	addHosts(ev, f.get("query"), f.get("server_name"), f.get("host"))
	for _, k := range []string{"answers", "san.dns"} {
		for _, v := range f.list(k) {
			addHosts(ev, v)
		}
	}
	if host := f.get("host"); host != "" && f.get("uri") != "" {
		if u := webURL(host, f.get("uri"), ev.DstPort, "http"); u != "" {
			ev.AddURL(u)
		}
	}
	addHashes(ev, f.get("md5"), f.get("sha1"), f.get("sha256"))
	addEmails(ev, f.get("mailfrom"), f.get("from"), f.get("reply_to"))
	for _, k := range []string{"rcptto", "to", "cc"} {
		for _, v := range f.list(k) {
			for _, a := range strings.Split(v, ",") {
				addEmails(ev, a)
			}
		}
	}
	return nil
}

// zeekTSV turns the rows of a Zeek TSV log into Zeek JSON records, following
// its header lines (#separator, #set_separator, #empty_field, #unset_field,
// #path, #fields, #types). A header may start again mid-stream (logs
// concatenated).
type zeekTSV struct {
	sep, setSep, empty, unset, path string
	fields, types                   []string
}

func newZeekTSV() *zeekTSV {
	return &zeekTSV{sep: "\t", setSep: ",", empty: "(empty)", unset: "-"}
}

// header applies one '#' line.
func (z *zeekTSV) header(line string) {
	if v, ok := strings.CutPrefix(line, "#separator "); ok {
		if v = unescapeZeek(v); v != "" {
			z.sep = v
		}
		return
	}
	name, value, _ := strings.Cut(line[1:], z.sep)
	switch name {
	case "set_separator":
		z.setSep = unescapeZeek(value)
	case "empty_field":
		z.empty = value
	case "unset_field":
		z.unset = value
	case "path":
		z.path = value
	case "fields":
		z.fields = strings.Split(value, z.sep)
		z.types = nil
	case "types":
		z.types = strings.Split(value, z.sep)
	}
}

// row converts one data line into a JSON object appended to buf. Unset
// fields are left out, as Zeek's JSON writer does; sets and vectors become
// arrays; numbers and booleans keep their JSON types.
func (z *zeekTSV) row(buf []byte, line string) ([]byte, error) {
	if z.fields == nil {
		return buf, errs.Invalid("zeek.no_header", "a Zeek TSV row came before the #fields header line")
	}
	cols := strings.Split(line, z.sep)
	if len(cols) != len(z.fields) {
		return buf, errs.Invalid("zeek.bad_row",
			fmt.Sprintf("the Zeek TSV row has %d columns but the #fields header names %d", len(cols), len(z.fields)))
	}
	buf = append(buf, '{')
	if z.path != "" {
		buf = append(buf, `"_path":`...)
		buf = appendJSONString(buf, z.path)
	}
	for i, c := range cols {
		if c == z.unset {
			continue
		}
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, z.fields[i])
		buf = append(buf, ':')
		typ := "string"
		if i < len(z.types) {
			typ = z.types[i]
		}
		buf = z.appendValue(buf, typ, c)
	}
	return append(buf, '}'), nil
}

func (z *zeekTSV) appendValue(buf []byte, typ, v string) []byte {
	open := strings.IndexByte(typ, '[')
	if open < 0 {
		if v == z.empty {
			v = ""
		}
		return appendZeekScalar(buf, typ, v)
	}
	buf = append(buf, '[')
	if v != z.empty && v != "" {
		inner := strings.TrimSuffix(typ[open+1:], "]")
		for i, e := range strings.Split(v, z.setSep) {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendZeekScalar(buf, inner, e)
		}
	}
	return append(buf, ']')
}

func appendZeekScalar(buf []byte, typ, v string) []byte {
	switch typ {
	case "count", "int", "port", "double", "interval", "time":
		if isJSONNumber(v) {
			return append(buf, v...)
		}
	case "bool":
		switch v {
		case "T":
			return append(buf, "true"...)
		case "F":
			return append(buf, "false"...)
		}
	}
	return appendJSONString(buf, unescapeZeek(v))
}

func isJSONNumber(s string) bool {
	if s == "" || s[0] != '-' && (s[0] < '0' || s[0] > '9') {
		return false
	}
	p := flattener{s: s}
	_, err := p.number()
	return err == nil && p.i == len(s)
}

// unescapeZeek decodes the escapes Zeek's TSV writer uses: \\ for a
// backslash and \xHH for separators and non-printable bytes. The text is
// kept as it is when the result would not be valid UTF-8.
func unescapeZeek(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if s[i+1] == '\\' {
				b = append(b, '\\')
				i++
				continue
			}
			if s[i+1] == 'x' && i+3 < len(s) {
				if n, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
					b = append(b, byte(n))
					i += 3
					continue
				}
			}
		}
		b = append(b, s[i])
	}
	if !utf8.Valid(b) {
		return s
	}
	return string(b)
}

// appendJSONString appends s as a JSON string. s must be valid UTF-8.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\t':
			buf = append(buf, '\\', 't')
		case '\r':
			buf = append(buf, '\\', 'r')
		default:
			buf = append(buf, `\u00`...)
			buf = append(buf, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// isZeekHeader reports whether a line is a Zeek TSV header line.
func isZeekHeader(line []byte) bool {
	return bytes.HasPrefix(line, []byte("#separator ")) || bytes.HasPrefix(line, []byte("#fields")) ||
		bytes.HasPrefix(line, []byte("#types")) || bytes.HasPrefix(line, []byte("#path")) ||
		bytes.HasPrefix(line, []byte("#set_separator")) || bytes.HasPrefix(line, []byte("#empty_field")) ||
		bytes.HasPrefix(line, []byte("#unset_field")) || bytes.HasPrefix(line, []byte("#open")) ||
		bytes.HasPrefix(line, []byte("#close"))
}
