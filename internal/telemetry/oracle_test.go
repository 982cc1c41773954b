package telemetry

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/event"
)

// The jc project's fixtures come with jc's own parse of each line (the
// .json files); these tests use them as an oracle for what any careful
// parser should find, noting where our reading differs and why.

func jcExpected(t *testing.T, name string) []map[string]any {
	t.Helper()
	var want []map[string]any
	readJSON(t, filepath.Join(corpusDir(t), "telemetry", "cef-syslog", name), &want)
	return want
}

// str renders a jc value as our Fields would hold it.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}

func TestCEFOracle(t *testing.T) {
	lines := nonBlankLines(telemetryFile(t, "cef-syslog/jc-fixtures__cef.out"))
	want := jcExpected(t, "jc-fixtures__cef.json")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, jc has %d results", len(lines), len(want))
	}
	header := map[string]string{"deviceVendor": "cef.device_vendor", "deviceProduct": "cef.device_product",
		"deviceVersion": "cef.device_version", "deviceEventClassId": "cef.signature_id", "name": "cef.name",
		"agentSeverity": "cef.severity"}
	for i, line := range lines {
		ev, err := testDecoder.Decode(event.FormatCEF, line)
		if _, bad := want[i]["unparsable"]; bad {
			if codeOf(err) != "cef.bad_header" {
				t.Errorf("line %d: jc finds it unparsable; we give %v", i+1, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("line %d: %v", i+1, err)
			continue
		}
		matched := 0
		for k, v := range want[i] {
			key := k
			if h, ok := header[k]; ok {
				key = h
			}
			got, ok := ev.Fields[key]
			if !ok {
				continue // jc renamed it (labels, epoch conversions) or split it differently
			}
			if got != str(v) {
				t.Errorf("line %d: %s = %q, jc has %q", i+1, key, got, str(v))
			}
			matched++
		}
		t.Logf("line %d: %d fields compared", i+1, matched)
		if matched < 8 {
			t.Errorf("line %d: only %d fields in common with jc", i+1, matched)
		}
	}
}

// pidPrefix is how jc leaves the PID at the start of an RFC 3164 content.
var pidPrefix = regexp.MustCompile(`^\[\d+\]: ?`)

func TestSyslog3164Oracle(t *testing.T) {
	lines := nonBlankLines(telemetryFile(t, "cef-syslog/jc-fixtures__syslog-3164.out"))
	want := jcExpected(t, "jc-fixtures__syslog-3164.json")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, jc has %d results", len(lines), len(want))
	}
	for i, line := range lines {
		ev, err := testDecoder.Decode(event.FormatSyslog, line)
		w := want[i]
		if _, bad := w["unparsable"]; bad {
			if err == nil {
				t.Errorf("line %d: jc finds it unparsable; we decode it", i+1)
			}
			continue
		}
		if err != nil {
			t.Errorf("line %d: %v", i+1, err)
			continue
		}
		if got := ev.Fields["syslog.priority"]; got != str(w["priority"]) {
			t.Errorf("line %d: priority %q, jc %q", i+1, got, str(w["priority"]))
		}
		if got := ev.Time.Format(time.Stamp); got != str(w["date"]) {
			t.Errorf("line %d: time %q, jc %q", i+1, got, str(w["date"]))
		}
		host, tag, content := str(w["hostname"]), str(w["tag"]), str(w["content"])
		switch {
		case strings.Contains(string(line), "avas: last message"):
			// No tag: jc reads "avas" as the host, go-syslog as the tag.
			host, tag = "", "avas"
		case strings.Contains(string(line), "sshd(pam_unix)"):
			// go-syslog keeps the "(pam_unix)" qualifier in the tag.
			tag, content = "sshd(pam_unix)", strings.TrimPrefix(content, "(pam_unix)")
		}
		if ev.Device != host || ev.Process != tag {
			t.Errorf("line %d: host %q tag %q, jc %q %q", i+1, ev.Device, ev.Process, host, tag)
		}
		content = pidPrefix.ReplaceAllString(content, "")
		if got := strings.TrimSpace(ev.Fields["syslog.message"]); got != content {
			t.Errorf("line %d: message %q, jc %q", i+1, got, content)
		}
	}
}

func TestSyslog5424Oracle(t *testing.T) {
	lines := nonBlankLines(telemetryFile(t, "cef-syslog/jc-fixtures__syslog-5424.out"))
	want := jcExpected(t, "jc-fixtures__syslog-5424.json")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, jc has %d results", len(lines), len(want))
	}
	for i, line := range lines {
		ev, err := testDecoder.Decode(event.FormatSyslog, line)
		w := want[i]
		if _, bad := w["unparsable"]; bad {
			if err == nil {
				t.Errorf("line %d: jc finds it unparsable; we decode it", i+1)
			}
			continue
		}
		if err != nil {
			t.Errorf("line %d: %v", i+1, err)
			continue
		}
		if ts := str(w["timestamp"]); ts != "" {
			jt, _ := time.Parse(time.RFC3339Nano, ts)
			if !ev.Time.Equal(jt) {
				t.Errorf("line %d: time %v, jc %v", i+1, ev.Time, jt)
			}
		} else if !ev.Time.IsZero() {
			t.Errorf("line %d: time %v, jc none", i+1, ev.Time)
		}
		if ev.Device != str(w["hostname"]) {
			t.Errorf("line %d: host %q, jc %q", i+1, ev.Device, str(w["hostname"]))
		}
		if w["version"] == nil {
			// No PRI and no version: not RFC 5424 at all. jc still splits it
			// into 5424 fields; we read it as an RFC 3164 line with an RFC 3339
			// stamp (rsyslog's file format), so only host and time compare.
			continue
		}
		for jk, ours := range map[string]string{"priority": "syslog.priority", "version": "syslog.version",
			"appname": "syslog.appname", "proc_id": "syslog.procid", "msg_id": "syslog.msgid", "message": "syslog.message"} {
			if got := ev.Fields[ours]; got != str(w[jk]) {
				t.Errorf("line %d: %s %q, jc %q", i+1, ours, got, str(w[jk]))
			}
		}
		sd, _ := w["structured_data"].([]any)
		for _, e := range sd {
			el := e.(map[string]any)
			for k, v := range el["parameters"].(map[string]any) {
				key := "syslog.sd." + str(el["identity"]) + "." + k
				if got := ev.Fields[key]; got != str(v) {
					t.Errorf("line %d: %s %q, jc %q", i+1, key, got, str(v))
				}
			}
		}
	}
}
