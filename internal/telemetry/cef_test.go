package telemetry

import (
	"testing"

	"github.com/khien-cert/khien/internal/event"
)

func TestCEFCorpus(t *testing.T) {
	lines := nonBlankLines(telemetryFile(t, "cef-syslog/jc-fixtures__cef.out"))
	for _, tc := range []struct {
		name string
		line int // among the non-blank lines
		want want
	}{
		{"Trend Micro: word severity, vendor hash keys, unescaped path", 4, want{
			severity: 6, device: "hostname", signature: "Eicar_test_file",
			hashes: []string{"3395856ce81f2b7382dee72602f798b642f14140", "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"},
			fields: map[string]string{"filePath": `C:\Users\trend\Desktop\eicar.exe`, "cef.severity": "Medium",
				"cs6": "ContainerImageName | ContainerName | ContainerID", "cn2Label": "Quarantine File Size",
				// The sender lost " A TrendMicroDsFileMD5" here; the unescaped '=' stays in the value.
				"TrendMicroDsMalwareTargetType": "N/TrendMicroDsFileMD5=44D88612FEA8A8F36DE82E1278ABB02F"}}},
		{"escapes in the extension", 5, want{
			fields: map[string]string{"string": "hello \"world\" this is a backslash: \\ and this is a bracket ] this is equal =, this is pipe |, this is newline \n and another newline \n the end!", "another": "field"}}},
		{"MMM dd yyyy start time", 6, want{time: "2020-11-08T12:30:00.111Z"}},
		{"Incapsula: request without scheme, end in epoch ms", 7, want{
			src: "12.12.12.12", severity: 3, signature: "Illegal Resource Access", time: "2019-08-20T11:31:10.892Z",
			urls: []string{"http://site123.abcd.info/"}, hosts: []string{"site123.abcd.info"},
			fields: map[string]string{"qstr": "p=%2fetc%2fpasswd", "ver": "TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256",
				"additionalResHeaders": `[{"Content-Type":"text/html; charset=UTF-8"}]`, "cef.signature_id": "1"}}},
		{"template placeholders", 10, want{noSrcIP: true, hashes: []string{}, urls: []string{},
			fields: map[string]string{"src": "%CLIENT_IP%", "cef.severity": "%SEVERITY%"}}},
		{"behind an RFC 5424 header", 11, want{
			time: "2021-06-18T10:55:50.000003Z", device: "host", severity: 3, signature: "Web request",
			fields: map[string]string{"syslog.appname": "app", "syslog.priority": "189", "eventId": "3457", "msg": "hello"}}},
		{"behind an Aruba prefix with an ambiguous zone", 12, want{
			device: "10.17.4.208", src: "10.17.4.208", zeroTime: true,
			fields: map[string]string{"cef.prefix": "Dec 03 2017 16:31:28.861 IST 10.17.4.208",
				"Auth.Username": "host/Asif-Test-PC2", "Auth.Enforcement-Profiles": "[Allow Access Profile]"}}},
		{"category and a source that is not an address", 14, want{
			kind: "Role", severity: 5, device: "10.17.4.221", noSrcIP: true, fields: map[string]string{"src": "Test Role 10"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := testDecoder.Decode(event.FormatCEF, lines[tc.line-1])
			if err != nil {
				t.Fatal(err)
			}
			tc.want.format = event.FormatCEF
			tc.want.check(t, ev)
		})
	}
}

func TestCEFCases(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		want      want
	}{
		{"escaped pipe and backslash in the header", `CEF:0|Ven\|dor|Pro\\duct|1.0|100|Name with \| pipe|Very-High|src=10.0.0.1 dst=2001:db8::2 spt=1234 dpt=443 proto=TCP`,
			want{signature: "Name with | pipe", severity: 10, src: "10.0.0.1:1234", dst: "[2001:db8::2]:443", proto: "tcp",
				fields: map[string]string{"cef.device_vendor": "Ven|dor", "cef.device_product": `Pro\duct`}}},
		{"full key names and users", `CEF:1|V|P|1|sig|Login|High|sourceAddress=192.0.2.1 destinationHostName=Srv.Example.COM suser=Alice@Example.com sproc=sshd requestURL=https://Srv.Example.com:443/login?x=1 act=blocked msg=too many tries`,
			want{severity: 8, src: "192.0.2.1", user: "Alice@Example.com", process: "sshd",
				hosts: []string{"srv.example.com"}, urls: []string{"https://srv.example.com/login?x=1"},
				emails: []string{"alice@example.com"}, fields: map[string]string{"act": "blocked", "msg": "too many tries"}}},
		{"no extension and no final pipe", `CEF:0|V|P|1|sig|Name|2`, want{signature: "Name", severity: 2}},
		{"empty values and repeated spaces", `CEF:0|V|P|1|sig|N|0|a= b=x   c=y`, want{fields: map[string]string{"a": "", "b": "x", "c": "y"}}},
		{"rt in epoch milliseconds wins over the header time", `<13>Jan  2 03:04:05 fw CEF:0|V|P|1|s|n|1|rt=1577836800000 dvchost=fw2`,
			want{time: "2020-01-01T00:00:00Z", device: "fw2", fields: map[string]string{"syslog.hostname": "fw"}}},
		{"RFC 3164 header gives the time", `<13>Jan  2 03:04:05 fw CEF:0|V|P|1|s|n|1|cs1=x`,
			want{time: "2018-01-02T03:04:05Z", device: "fw"}},
		{"IPv6 in c6a2", `CEF:0|V|P|1|s|n|1|c6a2=2001:db8::7 c6a3=2001:db8::8`, want{src: "2001:db8::7", dst: "2001:db8::8"}},
		{"file hashes", `CEF:0|V|P|1|s|n|1|fileHash=44D88612FEA8A8F36DE82E1278ABB02F oldFileHash=zz`,
			want{hashes: []string{"44d88612fea8a8f36de82e1278abb02f"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if f := Detect([]byte(tc.raw)); f != event.FormatCEF {
				t.Errorf("detected %q", f)
			}
			ev, err := testDecoder.Decode(event.FormatCEF, []byte(tc.raw))
			if err != nil {
				t.Fatal(err)
			}
			tc.want.format = event.FormatCEF
			tc.want.check(t, ev)
		})
	}
}

func TestCEFErrors(t *testing.T) {
	for _, tc := range []struct{ name, raw, code string }{
		{"no CEF header", "unparsable line", "cef.bad_header"},
		{"too few header fields", "CEF:0|Vendor|Product|1.0", "cef.bad_header"},
		{"version not a number", "CEF:x|V|P|1|s|n|1|", "cef.bad_header"},
		{"bad syslog header is ignored, prefix kept", "<999>x CEF:0|V|P|1|s|n|1|", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(event.FormatCEF, []byte(tc.raw))
			if codeOf(err) != tc.code {
				t.Errorf("error %v, want %q", err, tc.code)
			}
		})
	}
}
