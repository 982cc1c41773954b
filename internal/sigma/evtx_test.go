package sigma

// A test-only stand-in for the Windows decoder (internal/telemetry, written
// concurrently): it turns evtx_dump JSON into an event.Event the way the
// engine expects — Format windows; Fields holding every value under its
// dotted path and, as the Sigma specification asks, System values and
// attributes under their bare or underscore-joined names (EventID, Channel,
// Provider_Name, Execution_ProcessID) and EventData / UserData values under
// their bare names (Image, CommandLine); Kind from the Sysmon event id, or
// from the channel for other logs.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/event"
)

// decodeEvtxJSON reads one or more concatenated JSON objects.
func decodeEvtxJSON(t testing.TB, b []byte) []*event.Event {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out []*event.Event
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		out = append(out, evtxEvent(obj))
	}
}

func evtxEvent(obj map[string]any) *event.Event {
	ev := &event.Event{Format: event.FormatWindows, Fields: map[string]string{}}
	flattenInto(ev.Fields, "", obj)
	root, _ := obj["Event"].(map[string]any)
	sys, _ := root["System"].(map[string]any)
	for k, v := range sys {
		switch v := v.(type) {
		case map[string]any:
			if text, ok := v["#text"]; ok {
				ev.Fields[k] = scalarText(text)
			}
			attrs, _ := v["#attributes"].(map[string]any)
			for a, av := range attrs {
				ev.Fields[k+"_"+a] = scalarText(av)
			}
		default:
			ev.Fields[k] = scalarText(v)
		}
	}
	bare(ev.Fields, root["EventData"])
	if ud, ok := root["UserData"].(map[string]any); ok {
		for _, inner := range ud {
			bare(ev.Fields, inner)
		}
	}
	ev.Kind = evtxKind(ev.Fields)
	if ts, err := time.Parse(time.RFC3339Nano, ev.Fields["TimeCreated_SystemTime"]); err == nil {
		ev.Time = ts.UTC()
	}
	return ev
}

// bare copies the scalar children of a map under their own names.
func bare(fields map[string]string, v any) {
	m, _ := v.(map[string]any)
	for k, v := range m {
		if _, nested := v.(map[string]any); !nested && !strings.HasPrefix(k, "#") {
			if _, list := v.([]any); !list {
				fields[k] = scalarText(v)
			}
		}
	}
}

func flattenInto(fields map[string]string, prefix string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			flattenInto(fields, joinKey(prefix, k), c)
		}
	case []any:
		for i, c := range v {
			flattenInto(fields, joinKey(prefix, strconv.Itoa(i)), c)
		}
	default:
		fields[prefix] = scalarText(v)
	}
}

func joinKey(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

func scalarText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return ""
}

// sysmonKinds maps Sysmon event ids to Sigma categories.
var sysmonKinds = map[string]string{
	"1": "process_creation", "2": "file_change", "3": "network_connection", "4": "sysmon_status",
	"5": "process_termination", "6": "driver_load", "7": "image_load", "8": "create_remote_thread",
	"9": "raw_access_thread", "10": "process_access", "11": "file_event", "13": "registry_set",
	"14": "registry_rename", "15": "create_stream_hash", "16": "sysmon_status", "17": "pipe_created",
	"18": "pipe_created", "19": "wmi_event", "20": "wmi_event", "21": "wmi_event", "22": "dns_query",
	"23": "file_delete", "24": "clipboard_capture", "25": "process_tampering", "26": "file_delete",
	"27": "file_block_executable", "28": "file_block_shredding", "29": "file_executable_detected",
	"255": "sysmon_error",
}

func evtxKind(f map[string]string) string {
	if f["Channel"] != "Microsoft-Windows-Sysmon/Operational" {
		return strings.ToLower(f["Channel"])
	}
	if f["EventID"] == "12" {
		if strings.HasPrefix(f["EventType"], "Delete") {
			return "registry_delete"
		}
		return "registry_add"
	}
	return sysmonKinds[f["EventID"]]
}
