package telemetry

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/event"
)

// want is what a test expects of an event; zero members are not checked,
// except that the lists are compared when non-nil (use []string{} for "none").
type want struct {
	time            string
	kind, device    string
	src, dst        string // "ip:port" or "ip"
	proto           string
	hosts, urls     []string
	hashes, emails  []string
	user, process   string
	cmd, signature  string
	severity        int
	fields          map[string]string
	absent          []string // Fields keys that must not be present
	format          event.Format
	zeroTime        bool
	noSrcIP, noDstP bool
}

func (w want) check(t *testing.T, ev event.Event) {
	t.Helper()
	if err := checkEvent(ev); err != nil {
		t.Error(err)
	}
	if w.time != "" {
		wt, err := time.Parse(time.RFC3339Nano, w.time)
		if err != nil {
			t.Fatal(err)
		}
		if !ev.Time.Equal(wt) {
			t.Errorf("time %v, want %v", ev.Time, wt)
		}
	}
	if w.zeroTime && !ev.Time.IsZero() {
		t.Errorf("time %v, want none", ev.Time)
	}
	str := func(name, got, want string) {
		if want != "" && got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	str("format", string(ev.Format), string(w.format))
	str("kind", ev.Kind, w.kind)
	str("device", ev.Device, w.device)
	str("proto", ev.Proto, w.proto)
	str("user", ev.User, w.user)
	str("process", ev.Process, w.process)
	str("command line", ev.CommandLine, w.cmd)
	str("signature", ev.Signature, w.signature)
	str("src", endpoint(ev.SrcIP, ev.SrcPort, w.src), w.src)
	str("dst", endpoint(ev.DstIP, ev.DstPort, w.dst), w.dst)
	if w.noSrcIP && ev.SrcIP.IsValid() {
		t.Errorf("src %v, want none", ev.SrcIP)
	}
	if w.severity != 0 && ev.Severity != w.severity {
		t.Errorf("severity %d, want %d", ev.Severity, w.severity)
	}
	list := func(name string, got, want []string) {
		if want != nil && !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	list("hosts", ev.Hosts, w.hosts)
	list("urls", ev.URLs, w.urls)
	list("hashes", ev.Hashes, w.hashes)
	list("emails", ev.Emails, w.emails)
	for k, v := range w.fields {
		if got, ok := ev.Fields[k]; !ok || got != v {
			t.Errorf("field %s = %q (%v), want %q", k, got, ok, v)
		}
	}
	for _, k := range w.absent {
		if v, ok := ev.Fields[k]; ok {
			t.Errorf("field %s = %q, want it absent", k, v)
		}
	}
}

// endpoint renders an address as the want spelling does: "ip:port" (or
// "[ip6]:port") when it has a port, else "ip".
func endpoint(a netip.Addr, port uint16, spelling string) string {
	if !a.IsValid() {
		return ""
	}
	if _, err := netip.ParseAddrPort(spelling); err == nil {
		return netip.AddrPortFrom(a, port).String()
	}
	return a.String()
}

func TestEVECorpus(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		pos        int
		want       want
	}{
		{"tls with +0000 offset and a flow_id beyond 2^53", "suricata-verify__tls-json-output-ids__eve.json", 1, want{
			time: "2016-09-19T15:13:55.657295Z", kind: "tls", src: "10.16.1.11:54684", dst: "24.244.4.23:443",
			proto: "tcp", hosts: []string{"www.google.com"}, fields: map[string]string{
				"flow_id": "1880489165303449", "tls.fingerprint": "90:86:a4:3b:f5:cf:1b:2e:4e:f7:97:96:f9:de:ba:b9:66:35:86:3f",
				"tls.subject": "C=US, ST=California, L=Mountain View, O=Google Inc, CN=www.google.com"}}},
		{"alert with \\/ escapes", "suricata-verify__alert-testmyids__eve.json", 1, want{
			kind: "alert", signature: "GPL ATTACK_RESPONSE id check returned root", severity: 2,
			src: "82.165.177.154:80", dst: "10.16.1.11:54186", hosts: []string{"www.testmyids.com"},
			urls: []string{"http://www.testmyids.com/"}, fields: map[string]string{"alert.signature_id": "2100498",
				"http.url": "/", "http.http_user_agent": "curl/7.43.0", "http.protocol": "HTTP/1.1"}}},
		{"SELKS fileinfo: +0300, hashes, IP host", "selks__eve-fileinfo.json", 1, want{
			time: "2021-10-08T09:40:00.965786Z", kind: "fileinfo", device: "SELKS", src: "82.118.21.221:80",
			dst: "172.16.1.101:49900", hosts: []string{}, urls: []string{"http://82.118.21.221/177v2.dll"},
			hashes: []string{"41c9aa93d70b7a5238a262f6e3971415", "173e0de913fa275e3ef31f394b9479a0a1eabaee",
				"2bfe11c06ffe157399432080f6de6190e1062c99b4a55ec31974b5a37ee8dd3c"},
			fields: map[string]string{"geoip.location.lon": "18.664", "metadata.flowbits.1": "ET.http.binary",
				"@timestamp": "2021-10-08T09:40:00.965Z", "fileinfo.stored": "false"}, absent: []string{"fileinfo.sid"}}},
		{"SELKS alert: cleartext HTTP on port 443", "selks__eve-alert.json", 1, want{
			kind: "alert", signature: "ET MALWARE Win32/Trickbot Data Exfiltration", severity: 1,
			urls:   []string{"http://71.78.79.138:443/zev1/DEKSTOP-D9UMVWL_W10019043.C2DB2AF1C52D37EAE7C1F82BA35CD047/90/"},
			fields: map[string]string{"alert.metadata.signature_severity.0": "Major"}}},
		{"Elasticsearch hit: _source unwrapped", "selks__eve-anomaly.json", 1, want{
			time: "2021-10-08T09:43:12.368145Z", kind: "anomaly", src: "88.80.148.177:443", dst: "172.16.1.101:49935",
			fields: map[string]string{"anomaly.event": "APPLAYER_WRONG_DIRECTION_FIRST_DATA", "geoip.country_code2": "BG"},
			absent: []string{"_index", "_id", "_source.event_type", "fields.anomaly.event.0"}}},
		{"old DNS answer with CNAME", "suricata-verify__dns-json-log__dns.json", 5, want{
			kind: "dns", hosts: []string{"block.dropbox.com", "block.g1.dropbox.com"}, proto: "udp"}},
		{"HTTP on port 8080", "suricata-verify__engine-state__detect-engine-state-03__eve.json", 1, want{
			kind: "http", urls: []string{"http://www.server.lan:8080/upload.cgi"}}},
		{"fileinfo logged towards the client", "suricata-verify__output-eve-fileinfo__eve.json", 1, want{
			urls: []string{"http://www.eicar.org/download/eicar.com"}, hashes: []string{}}},
		{"engine event has no addresses", "suricata-verify__test-bad-byte-extract-rule-3__eve.json", 3, want{
			kind: "engine", noSrcIP: true, fields: map[string]string{"engine.error_code": "307"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := decodeAll(t, telemetryFile(t, "suricata-eve/"+tc.file), "")
			for _, r := range rs {
				if r.pos == tc.pos {
					if r.err != nil {
						t.Fatal(r.err)
					}
					tc.want.format = event.FormatEVE
					tc.want.check(t, r.ev)
					return
				}
			}
			t.Fatalf("no record %d", tc.pos)
		})
	}
}

func TestEVECases(t *testing.T) {
	const head = `{"timestamp":"2024-01-02T03:04:05.123456+0700","flow_id":1,"src_ip":"10.0.0.1","src_port":5353,"dest_ip":"10.0.0.2","dest_port":53,"proto":"UDP",`
	for _, tc := range []struct {
		name, raw string
		want      want
	}{
		{"DNS v2 grouped answers", head + `"event_type":"dns","dns":{"version":2,"type":"answer","id":1,"rrname":"WWW.Example.COM.","rrtype":"A","rcode":"NOERROR","answers":[{"rrname":"www.example.com","rrtype":"CNAME","ttl":5,"rdata":"edge.example.net"},{"rrname":"edge.example.net","rrtype":"A","ttl":5,"rdata":"192.0.2.1"}],"grouped":{"A":["192.0.2.1"],"CNAME":["edge.example.net"]}}}`,
			want{time: "2024-01-01T20:04:05.123456Z", hosts: []string{"www.example.com", "edge.example.net"},
				fields: map[string]string{"dns.answers.1.rdata": "192.0.2.1", "dns.grouped.A.0": "192.0.2.1"}}},
		{"DNS v3 queries array", head + `"event_type":"dns","dns":{"version":3,"type":"request","id":7,"queries":[{"rrname":"bücher.example","rrtype":"A"},{"rrname":"_ldap._tcp.corp.example","rrtype":"SRV"}]}}`,
			want{hosts: []string{"xn--bcher-kva.example", "_ldap._tcp.corp.example"}}},
		{"IPv4-mapped addresses are unmapped", `{"timestamp":"2024-01-02T03:04:05Z","event_type":"flow","src_ip":"::ffff:192.0.2.7","dest_ip":"2001:db8::1","src_port":1,"dest_port":2,"proto":"TCP"}`,
			want{src: "192.0.2.7:1", dst: "[2001:db8::1]:2"}},
		{"TLS SNI and HTTPS by app_proto", head + `"event_type":"http","app_proto":"tls","tls":{"sni":"Login.Example.ORG"},"http":{"hostname":"login.example.org","url":"/a?b=1"}}`,
			want{hosts: []string{"login.example.org"}, urls: []string{"https://login.example.org:53/a?b=1"}}},
		{"absolute URL in a proxy request", head + `"event_type":"http","http":{"hostname":"proxy.example","url":"http://target.example/x"}}`,
			want{hosts: []string{"proxy.example", "target.example"}, urls: []string{"http://target.example/x"}}},
		{"SMTP and e-mail addresses", head + `"event_type":"smtp","smtp":{"helo":"mx","mail_from":"<Alice@Example.com>","rcpt_to":["<bob@example.org>","carol@example.net"]},"email":{"from":"\"Alice\" <alice@example.com>","to":["bob@example.org, dave@example.org"]}}`,
			want{emails: []string{"alice@example.com", "bob@example.org", "carol@example.net", "dave@example.org"}}},
		{"bad hashes and placeholders are dropped", head + `"event_type":"fileinfo","fileinfo":{"md5":"xyz","sha1":"","sha256":"2BFE11C06FFE157399432080F6DE6190E1062C99B4A55EC31974B5A37EE8DD3C"},"http":{"hostname":"-"}}`,
			want{hashes: []string{"2bfe11c06ffe157399432080f6de6190e1062c99b4a55ec31974b5a37ee8dd3c"}, hosts: []string{}}},
		{"malformed addresses are left out", `{"timestamp":"2024-01-02T03:04:05Z","event_type":"alert","src_ip":"not-an-ip","dest_ip":"10.0.0.2","src_port":"x","dest_port":70000}`,
			want{noSrcIP: true, dst: "10.0.0.2", fields: map[string]string{"src_ip": "not-an-ip", "dest_port": "70000"}}},
		{"byte order mark", "\uFEFF" + `{"timestamp":"2024-01-02T03:04:05Z","event_type":"flow","src_ip":"10.0.0.1"}`,
			want{src: "10.0.0.1"}},
		{"large numbers keep every digit", `{"timestamp":"2024-01-02T03:04:05Z","event_type":"flow","flow_id":18446744073709551615,"x":1.5e300,"y":-0.0}`,
			want{fields: map[string]string{"flow_id": "18446744073709551615", "x": "1.5e300", "y": "-0.0"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := testDecoder.Decode(event.FormatEVE, []byte(tc.raw))
			if err != nil {
				t.Fatal(err)
			}
			tc.want.check(t, ev)
		})
	}
}

func TestEVEErrors(t *testing.T) {
	for _, tc := range []struct{ name, raw, code string }{
		{"no timestamp", `{"event_type":"alert","src_ip":"10.0.0.1"}`, "event.bad_timestamp"},
		{"RFC 3339 month 13", `{"timestamp":"2016-13-19T15:13:55.657295+0000","event_type":"alert"}`, "event.bad_timestamp"},
		{"offset out of range", `{"timestamp":"2016-09-19T15:13:55+2500","event_type":"alert"}`, "event.bad_timestamp"},
		{"not JSON", `timestamp=2016`, "event.not_object"},
		{"truncated", `{"timestamp":"2016-09-19T15:13:55Z","event_type":"al`, "event.bad_json"},
		{"an array", `[{"timestamp":"2016-09-19T15:13:55Z"}]`, "event.not_object"},
		{"invalid UTF-8", "{\"timestamp\":\"2016-09-19T15:13:55Z\",\"x\":\"\xff\"}", "event.bad_utf8"},
		{"empty", "  \n", "event.empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(event.FormatEVE, []byte(tc.raw))
			if codeOf(err) != tc.code {
				t.Errorf("error %v, want code %s", err, tc.code)
			}
			if err != nil {
				if e := checkError(err); e != nil {
					t.Error(e)
				}
			}
		})
	}
}
