package sigma

import (
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/event"
)

// ruleFor compiles a rule around a detection section, for a Windows
// process_creation logsource unless the text sets its own.
func ruleFor(t testing.TB, detection string) *Rule {
	t.Helper()
	r, err := ParseRule([]byte(ruleText(detection)))
	if err != nil {
		t.Fatalf("ParseRule: %v\n%s", err, detection)
	}
	return r
}

func ruleText(detection string) string {
	var b strings.Builder
	b.WriteString("title: test\nid: 00000000-0000-0000-0000-000000000001\n")
	b.WriteString("logsource:\n    product: windows\n    category: process_creation\ndetection:\n")
	for _, line := range strings.Split(strings.Trim(detection, "\n"), "\n") {
		b.WriteString("    " + line + "\n")
	}
	return b.String()
}

// winEvent is a Sysmon process creation with the given fields.
func winEvent(kv ...string) *event.Event {
	ev := &event.Event{Format: event.FormatWindows, Kind: "process_creation", Fields: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		ev.Fields[kv[i]] = kv[i+1]
	}
	return ev
}

func TestMatchTable(t *testing.T) {
	cmd := func(s string) *event.Event { return winEvent("CommandLine", s, "Image", `C:\Windows\System32\cmd.exe`) }
	cases := []struct {
		name      string
		detection string
		ev        *event.Event
		want      bool
		field     string // when set, the hit's field and value
		value     string
	}{
		{"equals is case-insensitive", "sel:\n    Image: 'c:\\windows\\system32\\CMD.EXE'\ncondition: sel", cmd(""), true, "Image", `C:\Windows\System32\cmd.exe`},
		{"equals needs the whole value", "sel:\n    Image: 'cmd.exe'\ncondition: sel", cmd(""), false, "", ""},
		{"contains", "sel:\n    CommandLine|contains: 'WHOAMI'\ncondition: sel", cmd("cmd /c whoami /all"), true, "CommandLine", "cmd /c whoami /all"},
		{"contains misses", "sel:\n    CommandLine|contains: 'ipconfig'\ncondition: sel", cmd("cmd /c whoami"), false, "", ""},
		{"startswith", "sel:\n    Image|startswith: 'C:\\Windows\\'\ncondition: sel", cmd(""), true, "", ""},
		{"endswith", "sel:\n    Image|endswith: '\\cmd.exe'\ncondition: sel", cmd(""), true, "", ""},
		{"endswith misses", "sel:\n    Image|endswith: '\\powershell.exe'\ncondition: sel", cmd(""), false, "", ""},
		{"list is OR", "sel:\n    Image|endswith:\n        - '\\pwsh.exe'\n        - '\\cmd.exe'\ncondition: sel", cmd(""), true, "", ""},
		{"contains|all needs every value", "sel:\n    CommandLine|contains|all: ['-enc', 'hidden']\ncondition: sel", cmd("ps -w hidden -enc AAA"), true, "", ""},
		{"contains|all misses one", "sel:\n    CommandLine|contains|all: ['-enc', 'bypass']\ncondition: sel", cmd("ps -w hidden -enc AAA"), false, "", ""},
		{"map is AND", "sel:\n    Image|endswith: '\\cmd.exe'\n    CommandLine|contains: 'x'\ncondition: sel", cmd("abc"), false, "", ""},
		{"list of maps is OR", "sel:\n    - Image|endswith: '\\nope.exe'\n    - CommandLine|contains: 'abc'\ncondition: sel", cmd("abc"), true, "CommandLine", "abc"},
		{"wildcard star in the middle", "sel:\n    CommandLine: 'cmd*whoami'\ncondition: sel", cmd("cmd /c whoami"), true, "", ""},
		{"wildcard question mark", "sel:\n    CommandLine: 'who?mi'\ncondition: sel", cmd("whoami"), true, "", ""},
		{"question mark is one character", "sel:\n    CommandLine: 'who?mi'\ncondition: sel", cmd("whomi"), false, "", ""},
		{"question mark matches a multi-byte character", "sel:\n    CommandLine: 'xin ch?o'\ncondition: sel", cmd("xin chào"), true, "", ""},
		{"escaped star is literal", "sel:\n    CommandLine: 'a\\*b'\ncondition: sel", cmd("a*b"), true, "", ""},
		{"escaped star does not wildcard", "sel:\n    CommandLine: 'a\\*b'\ncondition: sel", cmd("axxb"), false, "", ""},
		{"escaped backslash then wildcard", "sel:\n    CommandLine: 'dir\\\\*'\ncondition: sel", cmd(`dir\anything`), true, "", ""},
		{"three backslashes: backslash and literal star", "sel:\n    CommandLine: 'a\\\\\\*'\ncondition: sel", cmd(`a\*`), true, "", ""},
		{"lone backslash is literal", "sel:\n    Image: 'C:\\Windows\\System32\\cmd.exe'\ncondition: sel", cmd(""), true, "", ""},
		{"non-ASCII is case-insensitive", "sel:\n    CommandLine|contains: 'ĐÀ NẴNG'\ncondition: sel", cmd("echo đà nẵng"), true, "", ""},
		{"cased is case-sensitive", "sel:\n    CommandLine|contains|cased: 'WhoAmI'\ncondition: sel", cmd("whoami"), false, "", ""},
		{"cased matches same case", "sel:\n    CommandLine|cased: 'WhoAmI'\ncondition: sel", cmd("WhoAmI"), true, "", ""},
		{"re searches unanchored", "sel:\n    CommandLine|re: '\\s-[eE]nc\\s'\ncondition: sel", cmd("ps -enc AAA"), true, "", ""},
		{"re is case-sensitive", "sel:\n    CommandLine|re: 'WHOAMI'\ncondition: sel", cmd("whoami"), false, "", ""},
		{"re|i", "sel:\n    CommandLine|re|i: 'WHOAMI'\ncondition: sel", cmd("whoami"), true, "", ""},
		{"re|m anchors lines", "sel:\n    CommandLine|re|m: '^two$'\ncondition: sel", cmd("one\ntwo\nthree"), true, "", ""},
		{"re without m", "sel:\n    CommandLine|re: '^two$'\ncondition: sel", cmd("one\ntwo\nthree"), false, "", ""},
		{"re|s dot matches newline", "sel:\n    CommandLine|re|s: 'one.two'\ncondition: sel", cmd("one\ntwo"), true, "", ""},
		{"cidr IPv4", "sel:\n    DestinationIp|cidr: '10.0.0.0/8'\ncondition: sel", winEvent("DestinationIp", "10.1.2.3"), true, "", ""},
		{"cidr IPv4 outside", "sel:\n    DestinationIp|cidr: ['10.0.0.0/8', '192.168.0.0/16']\ncondition: sel", winEvent("DestinationIp", "8.8.8.8"), false, "", ""},
		{"cidr IPv6", "sel:\n    DestinationIp|cidr: 'fe80::/10'\ncondition: sel", winEvent("DestinationIp", "fe80::1"), true, "", ""},
		{"cidr not an address", "sel:\n    DestinationIp|cidr: '10.0.0.0/8'\ncondition: sel", winEvent("DestinationIp", "ten"), false, "", ""},
		{"windash hyphen", "sel:\n    CommandLine|windash|contains: ' -s '\ncondition: sel", cmd("schtasks -s host"), true, "", ""},
		{"windash slash", "sel:\n    CommandLine|windash|contains: ' -s '\ncondition: sel", cmd("schtasks /s host"), true, "", ""},
		{"windash en dash", "sel:\n    CommandLine|contains|windash: ' -s '\ncondition: sel", cmd("schtasks \u2013s host"), true, "", ""},
		{"windash em dash and horizontal bar", "sel:\n    CommandLine|windash|contains|all: [' -a ', ' -b ']\ncondition: sel", cmd("x \u2014a \u2015b "), true, "", ""},
		{"windash leaves in-word dashes", "sel:\n    CommandLine|windash|contains: 'Set-Mp'\ncondition: sel", cmd("Set/Mp"), false, "", ""},
		{"base64", "sel:\n    CommandLine|base64|contains: 'whoami'\ncondition: sel", cmd("echo d2hvYW1p | decode"), true, "", ""},
		{"base64offset offset 0", "sel:\n    CommandLine|base64offset|contains: 'http://'\ncondition: sel", cmd("aHR0cDovL2V4"), true, "", ""},
		{"base64offset offset 1", "sel:\n    CommandLine|base64offset|contains: 'http://'\ncondition: sel", cmd("IGh0dHA6Ly9leA=="), true, "", ""},
		{"base64offset offset 2", "sel:\n    CommandLine|base64offset|contains: 'http://'\ncondition: sel", cmd("ICBodHRwOi8vZXg="), true, "", ""},
		{"utf16le base64offset (PowerShell -enc)", "sel:\n    CommandLine|utf16le|base64offset|contains: 'Invoke'\ncondition: sel", cmd("powershell -enc SQBuAHYAbwBrAGUALQBFAHgAcAByAGUAcwBzAGkAbwBuAA=="), true, "", ""},
		{"wide is utf16le", "sel:\n    CommandLine|wide|base64offset|contains: 'Invoke'\ncondition: sel", cmd("SQBuAHYAbwBrAGUA"), true, "", ""},
		{"utf16be", "sel:\n    Data|utf16be: 'ab'\ncondition: sel", winEvent("Data", "\x00a\x00b"), true, "", ""},
		{"utf16 with byte order mark", "sel:\n    Data|utf16|base64: 'ab'\ncondition: sel", winEvent("Data", "//5hAGIA"), true, "", ""},
		{"exists true", "sel:\n    ParentUser|exists: true\ncondition: sel", winEvent("ParentUser", ""), true, "", ""},
		{"exists false", "sel:\n    ParentUser|exists: false\ncondition: sel", winEvent(), true, "", ""},
		{"exists true on a missing field", "sel:\n    ParentUser|exists: true\ncondition: sel", winEvent(), false, "", ""},
		{"gt", "sel:\n    Size|gt: 100\ncondition: sel", winEvent("Size", "101"), true, "", ""},
		{"gte equal", "sel:\n    Size|gte: 100\ncondition: sel", winEvent("Size", "100"), true, "", ""},
		{"lt", "sel:\n    Size|lt: 100\ncondition: sel", winEvent("Size", "100"), false, "", ""},
		{"lte on a non-number", "sel:\n    Size|lte: 100\ncondition: sel", winEvent("Size", "big"), false, "", ""},
		{"fieldref equal ignoring case", "sel:\n    User|fieldref: ParentUser\ncondition: sel", winEvent("User", `CORP\alice`, "ParentUser", `corp\ALICE`), true, "User", `CORP\alice`},
		{"fieldref different", "sel:\n    User|fieldref: ParentUser\ncondition: sel", winEvent("User", "a", "ParentUser", "b"), false, "", ""},
		{"fieldref endswith", "sel:\n    Image|fieldref|endswith: Name\ncondition: sel", winEvent("Image", `C:\x\evil.exe`, "Name", "EVIL.exe"), true, "", ""},
		{"fieldref with a missing field", "sel:\n    User|fieldref: ParentUser\ncondition: sel", winEvent("User", "a"), false, "", ""},
		{"neq", "sel:\n    IntegrityLevel|neq: System\ncondition: sel", winEvent("IntegrityLevel", "High"), true, "", ""},
		{"neq equal", "sel:\n    IntegrityLevel|neq: System\ncondition: sel", winEvent("IntegrityLevel", "system"), false, "", ""},
		{"null matches a missing field", "sel:\n    ParentUser: null\ncondition: sel", winEvent(), true, "ParentUser", ""},
		{"null matches an empty field", "sel:\n    ParentUser: null\ncondition: sel", winEvent("ParentUser", ""), true, "", ""},
		{"null misses a value", "sel:\n    ParentUser: null\ncondition: sel", winEvent("ParentUser", "x"), false, "", ""},
		{"empty string matches empty", "sel:\n    ParentUser: ''\ncondition: sel", winEvent("ParentUser", ""), true, "", ""},
		{"empty string misses a missing field", "sel:\n    ParentUser: ''\ncondition: sel", winEvent(), false, "", ""},
		{"missing field never matches a value", "sel:\n    Nothing|contains: ''\ncondition: sel", winEvent(), false, "", ""},
		{"number value", "sel:\n    EventID: 4688\ncondition: sel", winEvent("EventID", "4688"), true, "", ""},
		{"boolean value", "sel:\n    Signed: true\ncondition: sel", winEvent("Signed", "True"), true, "", ""},
		{"star matches an empty present field", "sel:\n    Description: '*'\ncondition: sel", winEvent("Description", ""), true, "", ""},
		{"keywords match any field", "keywords:\n    - 'mimikatz'\n    - 'sekurlsa'\ncondition: keywords", winEvent("Description", "run SEKURLSA::logonpasswords"), true, "Description", "run SEKURLSA::logonpasswords"},
		{"keywords miss", "keywords:\n    - 'mimikatz'\ncondition: keywords", cmd("whoami"), false, "", ""},
		{"keywords all", "keywords:\n    '|all':\n        - 'grep'\n        - 'password'\ncondition: keywords", winEvent("a0", "grep", "a1", "password"), true, "", ""},
		{"keywords all misses one", "keywords:\n    '|all':\n        - 'grep'\n        - 'password'\ncondition: keywords", winEvent("a0", "grep"), false, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ruleFor(t, c.detection)
			field, value, ok := r.Match(c.ev)
			if ok != c.want {
				t.Fatalf("match = %v, want %v (event %v)", ok, c.want, c.ev.Fields)
			}
			if c.field != "" && (field != c.field || value != c.value) {
				t.Errorf("hit %s=%q, want %s=%q", field, value, c.field, c.value)
			}
		})
	}
}
