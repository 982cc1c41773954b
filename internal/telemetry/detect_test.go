package telemetry

import (
	"testing"

	"github.com/khien-cert/khien/internal/event"
)

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		want      event.Format
	}{
		{"EVE", `{"timestamp":"2016-09-19T15:13:55.657295+0000","flow_id":1,"event_type":"tls","src_ip":"10.0.0.1"}`, event.FormatEVE},
		{"EVE engine event", `{"timestamp":"2020-06-07T21:15:31.170962+0000","log_level":"Notice","event_type":"engine","engine":{"message":"x"}}`, event.FormatEVE},
		{"EVE in an Elasticsearch hit", `{"_index":"logstash","_id":"1","_source":{"timestamp":"2021-10-08T12:43:12.368145+0300","event_type":"smb","src_ip":"10.0.0.1"},"fields":{}}`, event.FormatEVE},
		{"event_type alone is generic", `{"timestamp":"2020-01-01T00:00:00Z","event_type":"x"}`, event.FormatJSON},
		{"Zeek", `{"ts":1521911720.6,"uid":"C1","id.orig_h":"10.0.0.1"}`, event.FormatZeek},
		{"Zeek with _path only", `{"_path":"known_services","ts":"2018-03-24T17:15:20.609736Z","host":"10.47.3.200"}`, event.FormatZeek},
		{"evtx_dump", `{"Event":{"#attributes":{},"System":{"EventID":1}}}`, event.FormatWindows},
		{"Event without System", `{"Event":{"x":1}}`, event.FormatJSON},
		{"Winlogbeat", `{"@timestamp":"2025-01-01T00:00:00Z","event":{"code":"1"},"winlog":{"event_id":1}}`, event.FormatWindows},
		{"flat Windows", `{"EventID":4688,"Channel":"Security"}`, event.FormatWindows},
		{"ECS objects", `{"@timestamp":"2025-01-01T00:00:00Z","source":{"ip":"10.0.0.1"},"event":{"category":"network"}}`, event.FormatECS},
		{"ECS dotted keys", `{"@timestamp":"2025-01-01T00:00:00Z","destination.ip":"10.0.0.1"}`, event.FormatECS},
		{"other JSON", `{"hello":"world"}`, event.FormatJSON},
		{"JSON array", `[{"a":1}]`, event.FormatJSON},
		{"broken JSON", `{"a":`, event.FormatJSON},
		{"bare CEF", `CEF:0|V|P|1|s|n|1|src=10.0.0.1`, event.FormatCEF},
		{"CEF behind RFC 5424", `<189>1 2021-06-18T10:55:50.000003Z host app - - - CEF:0|Elastic|Vaporware|1.0.0-alpha|18|Web request|low|eventId=3457`, event.FormatCEF},
		{"CEF behind an ArcSight prefix", `Dec 03 2017 16:31:28.861 IST 10.17.4.208 CEF:0|Aruba Networks|ClearPass|6.5.0.69058|0-1-0|Insight Logs|0|src=1`, event.FormatCEF},
		{"CEF: in the middle of a word is not CEF", `<13>Jan  1 00:00:00 h a: XCEF:0|`, event.FormatSyslog},
		{"RFC 3164", `<34>Oct 11 22:14:15 mymachine su: x`, event.FormatSyslog},
		{"RFC 3164 without PRI", `Oct 11 22:14:15 mymachine su: x`, event.FormatSyslog},
		{"RFC 5424 without PRI", `1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - x`, event.FormatSyslog},
		{"RFC 3339 stamp", `2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 x`, event.FormatSyslog},
		{"bad PRI is still syslog", `<3444>Oct 11 22:14:15 mymachine su: x`, event.FormatSyslog},
		{"unknown", `unparsable line`, ""},
		{"blank", " \n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Detect([]byte(tc.raw)); got != tc.want {
				t.Errorf("Detect = %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("Decode without a format detects", func(t *testing.T) {
		if _, err := Decode("", []byte("unparsable line")); codeOf(err) != "event.unknown_format" {
			t.Errorf("error %v", err)
		}
		if _, err := Decode("nonsense", []byte("{}")); codeOf(err) != "event.unknown_format" {
			t.Errorf("error %v", err)
		}
	})
}
