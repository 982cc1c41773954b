package telemetry

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/event"
)

// corpusFiles lists every telemetry file of the corpus with what it must
// give: the number of records Split reports, the format Detect finds for
// each record, and the records that fail (position → error code). The
// counts were checked by hand against the files.
var corpusFiles = []struct {
	file    string
	format  event.Format // decode with this format; "" = detect
	detect  event.Format // what Detect must say for each good record ("" = don't check)
	records int
	errors  map[int]string
}{
	{"suricata-eve/selks__eve-alert.json", "", event.FormatEVE, 1, nil},
	{"suricata-eve/selks__eve-anomaly.json", "", event.FormatEVE, 1, nil},
	{"suricata-eve/selks__eve-fileinfo.json", "", event.FormatEVE, 1, nil},
	{"suricata-eve/selks__eve-krb5.json", "", event.FormatEVE, 1, nil},
	{"suricata-eve/selks__eve-smb.json", "", event.FormatEVE, 1, nil},
	{"suricata-eve/suricata-verify__alert-testmyids-not-established__eve.json", "", event.FormatEVE, 1, nil},
	{"suricata-eve/suricata-verify__alert-testmyids__eve.json", "", event.FormatEVE, 1, nil},
	{"suricata-eve/suricata-verify__detect-ldap-operation__eve.json", "", event.FormatEVE, 7, nil},
	{"suricata-eve/suricata-verify__dnp3-dnp3_data-alert__eve.json", "", event.FormatEVE, 4, nil},
	{"suricata-eve/suricata-verify__dnp3-dnp3_func-alert__eve.json", "", event.FormatEVE, 2, nil},
	{"suricata-eve/suricata-verify__dnp3__eve.json", "", event.FormatEVE, 55, nil},
	{"suricata-eve/suricata-verify__dns-json-log__dns.json", "", event.FormatEVE, 9, nil},
	{"suricata-eve/suricata-verify__dns-tcp-www-google-com__eve.json", "", event.FormatEVE, 14, nil},
	{"suricata-eve/suricata-verify__engine-state__detect-engine-state-03__eve.json", "", event.FormatEVE, 3, nil},
	{"suricata-eve/suricata-verify__output-eve-fileinfo__eve.json", "", event.FormatEVE, 1, nil},
	{"suricata-eve/suricata-verify__single-dns-request__eve.json", "", event.FormatEVE, 2, nil},
	{"suricata-eve/suricata-verify__test-bad-byte-extract-rule-3__eve.json", "", event.FormatEVE, 40, nil},
	{"suricata-eve/suricata-verify__tls-fingerprint-alert__eve.json", "", event.FormatEVE, 2, nil},
	{"suricata-eve/suricata-verify__tls-json-output-ids__eve.json", "", event.FormatEVE, 1, nil},
	{"suricata-eve/suricata-verify__tls-json-output-ips__eve.json", "", event.FormatEVE, 1, nil},
	{"zeek/brimdata-zed__conn.log", "", event.FormatZeek, 92, nil},
	{"zeek/csirtg-smrt__bro-notice.log", "", event.FormatZeek, 2, nil},
	{"zeek/zed-sample-data__zeek-json__dns.head1500.json", "", event.FormatZeek, 1500, nil},
	{"zeek/zed-sample-data__zeek-json__known_services.json", "", event.FormatZeek, 1579, nil},
	{"zeek/zed-sample-data__zeek-json__notice.json", "", event.FormatZeek, 207, nil},
	{"zeek/zed-sample-data__zeek-json__ntlm.json", "", event.FormatZeek, 422, nil},
	{"zeek/zed-sample-data__zeek-json__smb_mapping.json", "", event.FormatZeek, 393, nil},
	{"zeek/zed-sample-data__zeek-json__smtp.json", "", event.FormatZeek, 1188, nil},
	{"zeek/zed-sample-data__zeek-json__software.json", "", event.FormatZeek, 376, nil},
	{"zeek/zed-sample-data__zeek-json__ssh.json", "", event.FormatZeek, 22, nil},
	{"zeek/zed-sample-data__zeek-json__ssl.head1500.json", "", event.FormatZeek, 1500, nil},
	{"zeek/zed-sample-data__zeek-json__weird.head1500.json", "", event.FormatZeek, 1500, nil},
	{"zeek/zed-sample-data__zeek-json__x509.json", "", event.FormatZeek, 348, nil},
	{"zeek/zed-sample-data__zeek-tsv__dns.head1000.log", "", event.FormatZeek, 992, nil},
	{"zeek/zed-sample-data__zeek-tsv__notice.log", "", event.FormatZeek, 207, nil},
	{"zeek/zed-sample-data__zeek-tsv__ssh.log", "", event.FormatZeek, 22, nil},
	{"zeek/zed-sample-data__zeek-tsv__ssl.head1000.log", "", event.FormatZeek, 992, nil},
	{"cef-syslog/csirtg-smrt__ufw.log", "", event.FormatSyslog, 11, nil},
	{"cef-syslog/csirtg-smrt__ufw_ubuntu16.log", "", event.FormatSyslog, 5, nil},
	// jc fixtures: the deliberately bad lines fail with their own codes.
	{"cef-syslog/jc-fixtures__cef.out", event.FormatCEF, "", 14, map[int]string{21: "cef.bad_header"}},
	{"cef-syslog/jc-fixtures__syslog-3164.out", event.FormatSyslog, "", 32,
		map[int]string{2: "syslog.bad_pri", 35: "syslog.bad_header"}},
	{"cef-syslog/jc-fixtures__syslog-5424.out", event.FormatSyslog, "", 9,
		map[int]string{2: "event.bad_timestamp", 9: "syslog.bad_pri"}},
}

func TestCorpusFiles(t *testing.T) {
	for _, tc := range corpusFiles {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			rs := decodeAll(t, telemetryFile(t, tc.file), tc.format)
			if len(rs) != tc.records {
				t.Errorf("%d records, want %d", len(rs), tc.records)
			}
			for _, r := range rs {
				want := tc.errors[r.pos]
				if got := codeOf(r.err); got != want {
					t.Errorf("record %d: error %q (%v), want %q", r.pos, got, r.err, want)
				}
				if r.err != nil {
					if err := checkError(r.err); err != nil {
						t.Errorf("record %d: %v", r.pos, err)
					}
					continue
				}
				if err := checkEvent(r.ev); err != nil {
					t.Errorf("record %d: %v", r.pos, err)
				}
				if tc.detect != "" && r.ev.Format != tc.detect {
					t.Errorf("record %d: format %q, want %q", r.pos, r.ev.Format, tc.detect)
				}
			}
		})
	}
}

// windowsMulti are the evtx_dump files that hold several events.
var windowsMulti = map[string]int{
	"file_event_win_anydesk_artefact__0b9ad457-2554-44c1-82c2-d56a99c42377.json":                               5,
	"file_event_win_cred_dump_tools_dropped_files__8fbf3271-1ef6-4e94-8210-03c2317947f6.json":                  6,
	"file_event_win_hktl_netexec_file_indicators__efc21479-9e83-41da-8cf1-122e06ba8db3.json":                   7,
	"proc_creation_win_dtrace_kernel_dump__7124aebe-4cd7-4ccb-8df0-6d6b93c96795.json":                          2,
	"proc_creation_win_exploit_cve_2026_33829__7c3a5b1d-9e2f-4a8c-b5d7-1e0f3c6a9b2d.json":                      2,
	"proc_creation_win_github_self_hosted_runner__5bac7a56-da88-4c27-922e-c81e113b20cb.json":                   2,
	"proc_creation_win_mal_shai_hulud_malicious_node_bun_execution__5299fadf-f228-4526-8274-251db1960be9.json": 6,
	"proc_creation_win_reg_system_restore_modification__7c06ab9b-b1d2-4ba9-b06e-09491ded20d9.json":             4,
	"registry_set_disable_administrative_share__c7dcacd0-cc59-4004-b0a4-1d6cdebe6f3e.json":                     2,
	"registry_set_disable_system_restore__5de03871-5d46-4539-a82d-3aa992a69a83.json":                           4,
}

// windowsProviders corrects _rule_event_pairs.json where it says Sysmon.
var windowsProviders = map[string]string{
	"win_taskscheduler_susp_schtasks_delete_or_disable__9e3cb244-bdb8-4632-8c90-6079c8f4f16d.json":  "Microsoft-Windows-TaskScheduler",
	"win_wmi_activity_nteventlogfile_cleareventlog__d4f1a2b3-7c8e-4d5f-b6a9-1e0c2d3f4e5b.json":      "Microsoft-Windows-WMI-Activity",
	"win_security_susp_scheduled_task_delete_or_disable__7595ba94-cf3b-4471-aa03-4f6baa9e5fad.json": "Microsoft-Windows-Security-Auditing",
	"win_security_explicit_credential_local_logon__e3c6d245-7b8f-4e2a-c17f-a9d0e5b38f62.json":       "Microsoft-Windows-Security-Auditing",
}

// TestWindowsCorpus decodes every evtx_dump file of the Sigma regression
// data: 152 files, 182 events, 10 files holding several concatenated
// objects; every event's provider is the one _rule_event_pairs.json names,
// except for four files where that generated index says Sysmon but the
// events (checked by hand) come from other providers.
func TestWindowsCorpus(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "telemetry", "windows-evtx-json", "sigma-regression")
	var pairs []struct {
		EventFile string `json:"event_file"`
		Provider  string `json:"provider"`
	}
	readJSON(t, filepath.Join(dir, "_rule_event_pairs.json"), &pairs)
	files, events := 0, 0
	for _, p := range pairs {
		if real, ok := windowsProviders[p.EventFile]; ok {
			p.Provider = real
		}
		b, err := os.ReadFile(filepath.Join(dir, p.EventFile))
		if err != nil {
			t.Fatal(err)
		}
		rs := decodeAll(t, b, "")
		want := max(windowsMulti[p.EventFile], 1)
		if len(rs) != want {
			t.Errorf("%s: %d events, want %d", p.EventFile, len(rs), want)
		}
		for _, r := range rs {
			if r.err != nil {
				t.Errorf("%s:%d: %v", p.EventFile, r.pos, r.err)
				continue
			}
			if err := checkEvent(r.ev); err != nil {
				t.Errorf("%s:%d: %v", p.EventFile, r.pos, err)
			}
			if r.ev.Format != event.FormatWindows || r.ev.Fields["Provider_Name"] != p.Provider {
				t.Errorf("%s:%d: format %q provider %q, want windows %q", p.EventFile, r.pos,
					r.ev.Format, r.ev.Fields["Provider_Name"], p.Provider)
			}
			// Sysmon events are named by their Sigma category, which is also
			// how the regression files are named.
			if p.Provider == "Microsoft-Windows-Sysmon" {
				category, _, _ := strings.Cut(p.EventFile, "__")
				category, _, _ = strings.Cut(category, "_win_")
				if !strings.HasPrefix(category, r.ev.Kind) && !sameCategory(category, r.ev.Kind) {
					t.Errorf("%s:%d: kind %q for a %s rule", p.EventFile, r.pos, r.ev.Kind, category)
				}
			}
			events++
		}
		files++
	}
	if files != 152 || events != 182 {
		t.Errorf("%d files, %d events; want 152, 182", files, events)
	}
}

// sameCategory accepts the Sigma categories that share Sysmon events.
func sameCategory(category, kind string) bool {
	switch category {
	case "registry_event":
		return strings.HasPrefix(kind, "registry_")
	case "proc_creation":
		return kind == "process_creation"
	case "proc_access":
		return kind == "process_access"
	case "sysmon_config_modification":
		return kind == "sysmon_status"
	}
	return false
}
