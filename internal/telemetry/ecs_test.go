package telemetry

import (
	"testing"

	"github.com/khien-cert/khien/internal/event"
)

// The corpus has no ECS documents (the SELKS Elasticsearch hits are EVE
// enriched by Logstash), so these cases follow the ECS reference fields.
func TestECSCases(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		want      want
	}{
		{"network flow, nested objects", `{"@timestamp":"2025-03-01T10:00:00.123Z","event":{"kind":"event","category":["network"],"severity":3},"source":{"ip":"192.0.2.10","port":51000,"domain":"Client.Example"},"destination":{"ip":"203.0.113.5","port":443,"domain":"Shop.Example"},"network":{"transport":"TCP"},"host":{"name":"sensor-1"},"tls":{"client":{"server_name":"shop.example"}}}`,
			want{time: "2025-03-01T10:00:00.123Z", kind: "network_connection", device: "sensor-1", src: "192.0.2.10:51000",
				dst: "203.0.113.5:443", proto: "tcp", severity: 3, hosts: []string{"shop.example", "client.example"},
				fields: map[string]string{"event.category.0": "network"}}},
		{"web request with url.full and dns", `{"@timestamp":"2025-03-01T10:00:00Z","event.category":"web","url.full":"HTTPS://Evil.Example/a/../b","dns.question.name":"evil.example.","rule":{"name":"Bad site"}}`,
			want{kind: "web", urls: []string{"https://evil.example/b"}, hosts: []string{"evil.example"}, signature: "Bad site"}},
		{"URL built from its parts", `{"@timestamp":"2025-03-01T10:00:00Z","event":{"category":"web"},"url":{"original":"/login?u=1","domain":"portal.example","scheme":"https","port":8443}}`,
			want{urls: []string{"https://portal.example:8443/login?u=1"}}},
		{"process with hashes and user", `{"@timestamp":"2025-03-01T10:00:00Z","event":{"category":["process"],"type":["start"]},"user":{"name":"alice","email":"Alice@Corp.Example"},"process":{"executable":"C:\\w.exe","command_line":"w.exe -q","hash":{"sha256":"6E04AD8A79A7D794438E197606AB78B079929D941FE99DD5159702694F7ACE77"},"parent":{"hash":{"md5":"3d7d3eedd055eff0c7995491466a7eb7"}}},"file":{"hash":{"sha1":"5747f6e48c899aee54e4153ac8a8b61e741f45e2"}}}`,
			want{kind: "process_creation", user: "alice", process: `C:\w.exe`, cmd: "w.exe -q", emails: []string{"alice@corp.example"},
				hashes: []string{"5747f6e48c899aee54e4153ac8a8b61e741f45e2", "6e04ad8a79a7d794438e197606ab78b079929d941fe99dd5159702694f7ace77", "3d7d3eedd055eff0c7995491466a7eb7"}}},
		{"e-mail", `{"@timestamp":"2025-03-01T10:00:00Z","event":{"category":"email"},"email":{"from":{"address":["Boss@Corp.Example"]},"to":{"address":["a@x.example","b@x.example"]},"attachments":[{"file":{"hash":{"sha256":"2bfe11c06ffe157399432080f6de6190e1062c99b4a55ec31974b5a37ee8dd3c"}}}]}}`,
			want{emails: []string{"boss@corp.example", "a@x.example", "b@x.example"},
				hashes: []string{"2bfe11c06ffe157399432080f6de6190e1062c99b4a55ec31974b5a37ee8dd3c"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if f := Detect([]byte(tc.raw)); f != event.FormatECS {
				t.Errorf("detected %q", f)
			}
			ev, err := testDecoder.Decode(event.FormatECS, []byte(tc.raw))
			if err != nil {
				t.Fatal(err)
			}
			tc.want.format = event.FormatECS
			tc.want.check(t, ev)
		})
	}
	t.Run("no @timestamp", func(t *testing.T) {
		if _, err := Decode(event.FormatECS, []byte(`{"event":{}}`)); codeOf(err) != "event.bad_timestamp" {
			t.Errorf("error %v", err)
		}
	})
}

func TestGenericJSON(t *testing.T) {
	ev, err := Decode("", []byte(`{"time":1700000000.5,"src_ip":"10.0.0.1","dst_port":22,"domain":"X.Example","url":"http://x.example/p","user":"root","nested":{"k":[1]}}`))
	if err != nil {
		t.Fatal(err)
	}
	want{format: event.FormatJSON, time: "2023-11-14T22:13:20.5Z", src: "10.0.0.1", user: "root",
		hosts: []string{"x.example"}, urls: []string{"http://x.example/p"}, fields: map[string]string{"nested.k.0": "1"}}.check(t, ev)
	ev, err = Decode(event.FormatJSON, []byte(`{"a":1}`))
	if err != nil || !ev.Time.IsZero() {
		t.Errorf("%v %v", ev.Time, err)
	}
}
