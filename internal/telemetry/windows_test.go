package telemetry

import (
	"testing"

	"github.com/khien-cert/khien/internal/event"
)

func TestWindowsCorpusEvents(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		pos        int
		want       want
	}{
		{"Sysmon 1 with bare names and hashes", "proc_creation_win_cipher_overwrite_deleted_data__4b046706-5789-4673-b111-66f25fe99534.json", 1, want{
			time: "2025-10-25T17:32:06.432272Z", kind: "process_creation", device: "ar-win-dc.attackrange.local",
			user: `ATTACKRANGE\Administrator`, process: `C:\Windows\System32\cipher.exe`, cmd: "cipher.exe  /w:C:",
			hashes: []string{"5747f6e48c899aee54e4153ac8a8b61e741f45e2", "3d7d3eedd055eff0c7995491466a7eb7",
				"6e04ad8a79a7d794438e197606ab78b079929d941fe99dd5159702694f7ace77"},
			fields: map[string]string{
				"EventID": "1", "Channel": "Microsoft-Windows-Sysmon/Operational", "Provider_Name": "Microsoft-Windows-Sysmon",
				"Computer": "ar-win-dc.attackrange.local", "Image": `C:\Windows\System32\cipher.exe`,
				"ParentImage": `C:\Windows\System32\cmd.exe`, "OriginalFileName": "CIPHER.EXE", "UtcTime": "2025-10-25 17:32:06.421",
				"Event.EventData.CommandLine": "cipher.exe  /w:C:", "Execution_ProcessID": "3308", "Security_UserID": "S-1-5-18",
				"Hashes":                   "SHA1=5747F6E48C899AEE54E4153AC8A8B61E741F45E2,MD5=3D7D3EEDD055EFF0C7995491466A7EB7,SHA256=6E04AD8A79A7D794438E197606AB78B079929D941FE99DD5159702694F7ACE77,IMPHASH=E83B4C457AFD5EEA31874B00E8A3A956",
				"Event.System.Correlation": ""}}},
		{"WMI event: UserData under bare names", "win_wmi_activity_nteventlogfile_cleareventlog__d4f1a2b3-7c8e-4d5f-b6a9-1e0c2d3f4e5b.json", 1, want{
			time: "2026-07-02T02:05:27.438557Z", kind: "", user: `swachchhanda\xodih`,
			fields: map[string]string{"EventID": "5858", "ClientMachine": "SWACHCHHANDA", "ResultCode": "0x80041003",
				"Provider_Name": "Microsoft-Windows-WMI-Activity"},
			absent: []string{"xmlns", "#attributes.xmlns"}}},
		{"Security 4648: the subject is the user", "win_security_explicit_credential_local_logon__e3c6d245-7b8f-4e2a-c17f-a9d0e5b38f62.json", 1, want{
			user: "xodih", process: `C:\Users\xodih\OneDrive\Desktop\LegacyHive.exe`, noSrcIP: true,
			fields: map[string]string{"EventID": "4648", "Channel": "Security", "TargetUserName": "testuser", "IpAddress": "-"}}},
		{"Task Scheduler: EventData attributes are not bare names", "win_taskscheduler_susp_schtasks_delete_or_disable__9e3cb244-bdb8-4632-8c90-6079c8f4f16d.json", 1, want{
			fields: map[string]string{"EventID": "142", "TaskName": `\Microsoft\Windows\SystemRestore\SR`, "UserName": "System",
				"Event.EventData.#attributes.Name": "TaskDisabled"},
			absent: []string{"#attributes.Name", "Name"}}},
		{"third of seven concatenated objects", "file_event_win_hktl_netexec_file_indicators__efc21479-9e83-41da-8cf1-122e06ba8db3.json", 3, want{
			kind: "file_event"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := telemetryFile(t, "windows-evtx-json/sigma-regression/"+tc.file)
			for _, r := range decodeAll(t, b, "") {
				if r.pos == tc.pos {
					if r.err != nil {
						t.Fatal(r.err)
					}
					tc.want.format = event.FormatWindows
					tc.want.check(t, r.ev)
					return
				}
			}
			t.Fatalf("no record %d", tc.pos)
		})
	}
}

func TestWindowsCases(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		want      want
	}{
		{"EventID as an object with #text", `{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":{"#attributes":{"Qualifiers":0},"#text":22},"TimeCreated":{"#attributes":{"SystemTime":"2025-12-25T14:30:27.3521Z"}},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"pc1"},"EventData":{"QueryName":"Evil.Example.","Image":"C:\\x.exe"}}}`,
			want{kind: "dns_query", hosts: []string{"evil.example"}, device: "pc1",
				fields: map[string]string{"EventID": "22", "EventID_Qualifiers": "0", "QueryName": "Evil.Example."}}},
		{"Sysmon 3 network connection", `{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":3,"TimeCreated":{"#attributes":{"SystemTime":"2025-12-25T14:30:27Z"}}},"EventData":{"Protocol":"tcp","SourceIp":"10.0.0.5","SourcePort":"49152","DestinationIp":"203.0.113.9","DestinationPort":"443","DestinationHostname":"c2.example"}}}`,
			want{kind: "network_connection", src: "10.0.0.5:49152", dst: "203.0.113.9:443", proto: "tcp", hosts: []string{"c2.example"}}},
		{"Sysmon 12 delete and UtcTime fallback", `{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":12},"EventData":{"EventType":"DeleteKey","UtcTime":"2025-12-25 14:30:27.352","TargetObject":"HKLM\\x"}}}`,
			want{kind: "registry_delete", time: "2025-12-25T14:30:27.352Z"}},
		{"EventData as Data elements with Name attributes", `{"Event":{"System":{"EventID":4688,"Channel":"Security","TimeCreated":{"#attributes":{"SystemTime":"2025-01-01T00:00:00Z"}}},"EventData":{"Data":[{"#attributes":{"Name":"NewProcessName"},"#text":"C:\\w.exe"},{"#attributes":{"Name":"CommandLine"},"#text":"w.exe /c"}]}}}`,
			want{kind: "process_creation", process: `C:\w.exe`, cmd: "w.exe /c"}},
		{"Winlogbeat", `{"@timestamp":"2025-01-01T00:00:00.000Z","event":{"code":"1"},"host":{"name":"pc2"},"winlog":{"event_id":1,"channel":"Microsoft-Windows-Sysmon/Operational","provider_name":"Microsoft-Windows-Sysmon","computer_name":"pc2.corp","event_data":{"Image":"C:\\a.exe","CommandLine":"a.exe -x","Hashes":"MD5=0123456789ABCDEF0123456789ABCDEF"}}}`,
			want{kind: "process_creation", device: "pc2.corp", process: `C:\a.exe`, cmd: "a.exe -x",
				hashes: []string{"0123456789abcdef0123456789abcdef"}, fields: map[string]string{"EventID": "1", "Provider_Name": "Microsoft-Windows-Sysmon"}}},
		{"flat export", `{"EventID":4104,"Channel":"Microsoft-Windows-PowerShell/Operational","Hostname":"pc3","EventTime":"2025-01-01 10:00:00","ScriptBlockText":"iex x"}`,
			want{kind: "ps_script", device: "pc3", time: "2025-01-01T10:00:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if f := Detect([]byte(tc.raw)); f != event.FormatWindows {
				t.Errorf("detected %q", f)
			}
			ev, err := testDecoder.Decode(event.FormatWindows, []byte(tc.raw))
			if err != nil {
				t.Fatal(err)
			}
			tc.want.check(t, ev)
		})
	}
	t.Run("no time", func(t *testing.T) {
		_, err := Decode(event.FormatWindows, []byte(`{"Event":{"System":{"EventID":1}}}`))
		if codeOf(err) != "event.bad_timestamp" {
			t.Errorf("error %v", err)
		}
	})
}
