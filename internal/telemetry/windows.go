package telemetry

import (
	"slices"
	"strings"

	"github.com/khien-cert/khien/internal/event"
)

// mapWindows fills an Event from a Windows event as JSON: evtx_dump output
// ({"Event":{"System":…,"EventData":…}}), Winlogbeat ({"winlog":{…}}) or a
// flat object that already uses the bare names (NXLog and similar).
//
// Sigma rules for Windows name fields by their bare names (Image,
// CommandLine, TargetFilename, EventID, Channel, Provider_Name, Computer),
// so besides the full flattened paths Fields also gets every EventData and
// UserData field under its bare name and every System field as
// "Provider_Name", "Execution_ProcessID", … (".#attributes." becomes "_";
// an "EventID" object's "#text" becomes plain "EventID").
func mapWindows(ev *event.Event, f fields) error {
	addWindowsAliases(f)
	ts := f.first("TimeCreated_SystemTime", "TimeCreated", "SystemTime", "@timestamp", "EventTime", "timestamp", "UtcTime")
	t, ok := parseTimestamp(ts)
	if !ok {
		return errTimestamp(event.FormatWindows, "System.TimeCreated.SystemTime", ts)
	}
	ev.Time = t
	ev.Kind = windowsKind(f)
	ev.Device = f.first("Computer", "Hostname", "host.name")
	ev.Process = f.first("Image", "NewProcessName", "ProcessName")
	ev.CommandLine = f.get("CommandLine")
	ev.User = f.first("User", "SubjectUserName", "TargetUserName")
	ev.SrcIP = parseAddr(f.first("SourceIp", "IpAddress"))
	ev.SrcPort = parsePort(f.first("SourcePort", "IpPort"))
	ev.DstIP, ev.DstPort = parseAddr(f.get("DestinationIp")), parsePort(f.get("DestinationPort"))
	ev.Proto = lower(f.get("Protocol"))
	addHosts(ev, f.get("QueryName"), f.get("DestinationHostname"))
	for _, k := range []string{"Hashes", "Hash"} {
		addSysmonHashes(ev, f.get(k))
	}
	return nil
}

// windowsPrefixes are the paths whose leaves also get bare names, longest
// first; "UserData" leaves sit one level deeper, under an element named
// after the event's template.
var windowsPrefixes = []struct {
	prefix   string
	system   bool
	userData bool
}{
	{"Event.EventData.", false, false},
	{"Event.UserData.", false, true},
	{"Event.System.", true, false},
	{"winlog.event_data.", false, false},
	{"winlog.user_data.", false, false},
}

// winlogbeatNames maps Winlogbeat's names to the System names.
var winlogbeatNames = map[string]string{
	"winlog.event_id": "EventID", "winlog.channel": "Channel", "winlog.provider_name": "Provider_Name",
	"winlog.computer_name": "Computer", "winlog.record_id": "EventRecordID", "winlog.task": "Task",
	"winlog.opcode": "Opcode", "winlog.provider_guid": "Provider_Guid",
}

// addWindowsAliases adds the bare names described at mapWindows. Event data
// wins over System when both have a name, except for the identifying System
// fields; the order is sorted so the outcome does not depend on map order.
func addWindowsAliases(f fields) {
	type alias struct{ name, value string }
	var data, system []alias
	for k, v := range f.all() {
		if n, ok := winlogbeatNames[k]; ok {
			system = append(system, alias{n, v})
			continue
		}
		for _, p := range windowsPrefixes {
			rest, ok := strings.CutPrefix(k, p.prefix)
			if !ok {
				continue
			}
			if name := bareName(rest, p.system, p.userData); name != "" {
				if p.system {
					system = append(system, alias{name, v})
				} else {
					data = append(data, alias{name, v})
				}
			}
			break
		}
	}
	byName := func(a, b alias) int { return strings.Compare(a.name, b.name) }
	slices.SortFunc(data, byName)
	slices.SortFunc(system, byName)
	for _, a := range dataNamedByAttribute(f) {
		data = append(data, alias{a[0], a[1]})
	}
	for _, a := range data {
		f.set(a.name, a.value)
	}
	for _, a := range system {
		if _, taken := f.lookup(a.name); !taken || a.name == "EventID" || a.name == "Channel" || a.name == "Provider_Name" {
			f.set(a.name, a.value)
		}
	}
}

// bareName turns the rest of a path after its prefix into a bare name, or
// "" for what has none (XML namespace attributes).
func bareName(rest string, system, userData bool) string {
	if userData {
		_, rest, _ = strings.Cut(rest, ".") // drop the template element
	}
	if rest == "" || strings.HasPrefix(rest, "#attributes") {
		return ""
	}
	if !system {
		return rest
	}
	rest = strings.TrimSuffix(rest, ".#text")
	rest = strings.ReplaceAll(rest, ".#attributes.", "_")
	return strings.ReplaceAll(rest, ".", "_")
}

// dataNamedByAttribute handles EventData written as a list of
// <Data Name="…">value</Data> elements: Event.EventData.Data.N.#attributes.Name
// and Event.EventData.Data.N.#text become Name = value.
func dataNamedByAttribute(f fields) [][2]string {
	var out [][2]string
	f.each("Event.EventData.Data", ".#attributes.Name", func(i int, name string) {
		if name != "" {
			out = append(out, [2]string{name, f.get("Event.EventData.Data." + itoa(i) + ".#text")})
		}
	})
	return out
}

// sysmonKinds maps Sysmon event IDs to Sigma's log source categories.
var sysmonKinds = map[string]string{
	"1": "process_creation", "2": "file_change", "3": "network_connection", "4": "sysmon_status",
	"5": "process_termination", "6": "driver_load", "7": "image_load", "8": "create_remote_thread",
	"9": "raw_access_thread", "10": "process_access", "11": "file_event", "13": "registry_set",
	"14": "registry_rename", "15": "create_stream_hash", "16": "sysmon_status", "17": "pipe_created",
	"18": "pipe_created", "19": "wmi_event", "20": "wmi_event", "21": "wmi_event", "22": "dns_query",
	"23": "file_delete", "24": "clipboard_capture", "25": "process_tampering", "26": "file_delete_detected",
	"27": "file_block_executable", "28": "file_block_shredding", "29": "file_executable_detected",
	"255": "sysmon_error",
}

// windowsKind names the event by Sigma's category for Sysmon events (and
// the few non-Sysmon events that have one); other events get "".
func windowsKind(f fields) string {
	id := f.get("EventID")
	if f.get("Provider_Name") == "Microsoft-Windows-Sysmon" || f.get("Channel") == "Microsoft-Windows-Sysmon/Operational" {
		if id == "12" {
			switch f.get("EventType") {
			case "CreateKey":
				return "registry_add"
			case "DeleteKey", "DeleteValue":
				return "registry_delete"
			}
			return "registry_event"
		}
		return sysmonKinds[id]
	}
	switch {
	case id == "4688" && f.get("Channel") == "Security":
		return "process_creation"
	case id == "4104" && strings.Contains(f.get("Channel"), "PowerShell"):
		return "ps_script"
	case id == "4103" && strings.Contains(f.get("Channel"), "PowerShell"):
		return "ps_module"
	}
	return ""
}

// addSysmonHashes reads Sysmon's "SHA1=…,MD5=…,SHA256=…,IMPHASH=…" (an
// import hash is not a file hash and is skipped).
func addSysmonHashes(ev *event.Event, s string) {
	for part := range strings.SplitSeq(s, ",") {
		algo, h, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		switch strings.ToUpper(strings.TrimSpace(algo)) {
		case "MD5", "SHA1", "SHA256":
			ev.AddHash(h)
		}
	}
}
