package telemetry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/corpustest"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/event"
)

// corpusDir is the shared corpus folder (see corpustest).
func corpusDir(t testing.TB) string {
	t.Helper()
	corpustest.File(t, "telemetry") // skip, or fail in CI, when it is absent
	return corpustest.Root()
}

// telemetryFile reads a file under the corpus's telemetry folder.
func telemetryFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir(t), "telemetry", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testDecoder has a fixed clock, so year-less timestamps are stable.
var testDecoder = Decoder{Now: func() time.Time { return time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC) }}

// record is what splitting and decoding one record gave.
type record struct {
	pos int
	ev  event.Event
	err error
}

// decodeAll splits b and decodes every record with format ("" detects).
func decodeAll(t testing.TB, b []byte, format event.Format) []record {
	t.Helper()
	var out []record
	err := Split(bytes.NewReader(b), 0, func(pos int, raw []byte, err error) error {
		if err == nil {
			var ev event.Event
			ev, err = testDecoder.Decode(format, raw)
			if e := modelAgrees(format, raw, ev, err); e != nil {
				t.Fatalf("record %d: %v", pos, e)
			}
			out = append(out, record{pos, ev, err})
			return nil
		}
		out = append(out, record{pos: pos, err: err})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// only returns the single event decoded from b.
func only(t testing.TB, b []byte, format event.Format) event.Event {
	t.Helper()
	rs := decodeAll(t, b, format)
	if len(rs) != 1 || rs[0].err != nil {
		t.Fatalf("want one event, got %d records: %+v", len(rs), rs)
	}
	return rs[0].ev
}

// codeOf returns the code of an *errs.Error, or a description of what else
// err is.
func codeOf(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*errs.Error](err); ok {
		return e.Code
	}
	return fmt.Sprintf("not *errs.Error: %T %v", err, err)
}

// checkError checks that err is a KindInvalid *errs.Error with a code and a
// public message.
func checkError(err error) error {
	e, ok := errors.AsType[*errs.Error](err)
	switch {
	case !ok:
		return fmt.Errorf("error %T is not *errs.Error: %v", err, err)
	case e.Kind != errs.KindInvalid:
		return fmt.Errorf("error %v has kind %v, want invalid", e, e.Kind)
	case e.Code == "" || e.Public == "":
		return fmt.Errorf("error %#v lacks a code or a public message", e)
	case !utf8.ValidString(e.Public):
		return fmt.Errorf("public message %q is not UTF-8", e.Public)
	}
	return nil
}

// checkEvent checks the invariants of a decoded event (package doc).
func checkEvent(ev event.Event) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if ev.Format == "" {
		add("no format")
	}
	if ev.ID != "" || ev.SensorID != "" || ev.OrgID != "" || !ev.Received.IsZero() {
		add("ingest fields set")
	}
	if ev.Time.Location() != time.UTC {
		add("time %v is not UTC", ev.Time)
	}
	for _, a := range []struct {
		name string
		ok   bool
	}{{"src", !ev.SrcIP.IsValid() || !ev.SrcIP.Is4In6()}, {"dst", !ev.DstIP.IsValid() || !ev.DstIP.Is4In6()}} {
		if !a.ok {
			add("%s address is IPv4-mapped", a.name)
		}
	}
	if ev.Proto != strings.ToLower(ev.Proto) {
		add("proto %q not lower-case", ev.Proto)
	}
	checkList := func(name string, list []string, canon func(string) (string, bool)) {
		seen := map[string]bool{}
		for _, v := range list {
			if c, ok := canon(v); !ok || c != v {
				add("%s value %q is not canonical (%q, %v)", name, v, c, ok)
			}
			if seen[v] {
				add("%s value %q repeated", name, v)
			}
			seen[v] = true
		}
	}
	checkList("host", ev.Hosts, event.CanonicalHost)
	checkList("url", ev.URLs, event.CanonicalURL)
	checkList("hash", ev.Hashes, event.CanonicalHash)
	checkList("email", ev.Emails, event.CanonicalEmail)
	if ev.Fields == nil {
		add("no fields")
	}
	for k, v := range ev.Fields {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			add("field %q = %q is not UTF-8", k, v)
		}
	}
	if problems != nil {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// flattenAny flattens what encoding/json decoded, the slow obvious way; the
// tests use it as an oracle for flatten.
func flattenAny(prefix string, v any, out map[string]string) {
	flattenAt(prefix, true, v, out)
}

func flattenAt(prefix string, top bool, v any, out map[string]string) {
	join := func(k string) string {
		if top {
			return k
		}
		return prefix + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			flattenAt(join(k), false, e, out)
		}
	case []any:
		for i, e := range x {
			flattenAt(join(strconv.Itoa(i)), false, e, out)
		}
	case string:
		out[prefix] = x
	case json.Number:
		out[prefix] = x.String()
	case bool:
		out[prefix] = strconv.FormatBool(x)
	case nil:
		out[prefix] = ""
	default:
		out[prefix] = fmt.Sprint(x)
	}
}

// nonBlankLines splits b into lines, leaving out blank ones.
func nonBlankLines(b []byte) [][]byte {
	var out [][]byte
	for l := range bytes.SplitSeq(b, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			out = append(out, bytes.TrimRight(l, "\r"))
		}
	}
	return out
}

// readJSON decodes a JSON file.
func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// decodeGlob decodes every corpus file matching a pattern under telemetry/.
func decodeGlob(t testing.TB, pattern string) []record {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir(t), "telemetry", pattern))
	if err != nil {
		t.Fatal(err)
	}
	var out []record
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, decodeAll(t, b, "")...)
	}
	return out
}
