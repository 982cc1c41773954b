package telemetry

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/event"
)

func TestZeekCorpus(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		pos        int
		want       want
	}{
		{"JSON dns with ISO ts", "zed-sample-data__zeek-json__dns.head1500.json", 1, want{
			time: "2018-03-24T17:15:20.865716Z", kind: "dns", src: "10.47.1.100:41772", dst: "10.0.0.100:53", proto: "udp",
			hosts:  []string{"ise.wrccdc.org", "ise.wrccdc.cpp.edu"},
			fields: map[string]string{"answers.1": "134.71.3.16", "TTLs.0": "2230.0", "uid": "CqKst53mF3det3eDV9", "AA": "false"}}},
		{"JSON ssl server_name", "zed-sample-data__zeek-json__ssl.head1500.json", 9, want{
			kind: "ssl", dst: "134.71.3.16:443", hosts: []string{"ise.wrccdc.org"}}},
		{"JSON x509 SAN names", "zed-sample-data__zeek-json__x509.json", 3, want{
			kind: "x509", hosts: []string{"snozberry", "snozberry.factory.oompa.loompa"}}},
		{"JSON smtp mail from", "zed-sample-data__zeek-json__smtp.json", 1179, want{
			kind: "smtp", emails: []string{"nessus49048747@hotmail.com"}, fields: map[string]string{"path.1": "10.164.94.120"}}},
		{"JSON notice", "zed-sample-data__zeek-json__notice.json", 1, want{
			kind: "notice", signature: "SSL::Invalid_Server_Cert", src: "10.164.94.120:39611"}},
		{"TSV conn with epoch ts and unset fields", "brimdata-zed__conn.log", 9, want{
			time: "2018-03-24T17:15:21.255387Z", kind: "conn", src: "10.164.94.120:39681", dst: "10.47.3.155:3389",
			proto: "tcp", fields: map[string]string{"duration": "0.004266", "conn_state": "RSTR", "history": "ShADTdtr"},
			absent: []string{"service", "local_orig", "tunnel_parents"}}},
		{"TSV notice without a connection", "csirtg-smrt__bro-notice.log", 9, want{
			time: "2017-04-05T18:00:01.614778Z", kind: "notice", signature: "SSH::Bad_Client", src: "138.117.125.206",
			fields: map[string]string{"actions.0": "Notice::ACTION_LOG", "actions.1": "BHR::ACTION_BHR",
				"dropped": "false", "suppress_for": "3600.000000"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range decodeAll(t, telemetryFile(t, "zeek/"+tc.file), "") {
				if r.pos == tc.pos {
					if r.err != nil {
						t.Fatal(r.err)
					}
					tc.want.format = event.FormatZeek
					tc.want.check(t, r.ev)
					return
				}
			}
			t.Fatalf("no record %d", tc.pos)
		})
	}
}

// TestZeekTSVMatchesJSON decodes the same logs written by Zeek as TSV and as
// JSON (the WRCCDC capture in zed-sample-data) and checks each pair of
// records gives the same event and the same string fields (ts is an
// ISO string in one and epoch seconds in the other).
func TestZeekTSVMatchesJSON(t *testing.T) {
	for _, log := range []struct{ tsv, json string }{
		{"zed-sample-data__zeek-tsv__dns.head1000.log", "zed-sample-data__zeek-json__dns.head1500.json"},
		{"zed-sample-data__zeek-tsv__ssl.head1000.log", "zed-sample-data__zeek-json__ssl.head1500.json"},
		{"zed-sample-data__zeek-tsv__notice.log", "zed-sample-data__zeek-json__notice.json"},
		{"zed-sample-data__zeek-tsv__ssh.log", "zed-sample-data__zeek-json__ssh.json"},
	} {
		t.Run(log.tsv, func(t *testing.T) {
			a := decodeAll(t, telemetryFile(t, "zeek/"+log.tsv), "")
			b := decodeAll(t, telemetryFile(t, "zeek/"+log.json), "")
			for i := range min(len(a), len(b)) {
				x, y := a[i].ev, b[i].ev
				if !x.Time.Equal(y.Time) || x.SrcIP != y.SrcIP || x.DstIP != y.DstIP || x.SrcPort != y.SrcPort ||
					x.DstPort != y.DstPort || x.Proto != y.Proto || x.Kind != y.Kind || x.Signature != y.Signature ||
					!slices.Equal(x.Hosts, y.Hosts) || !slices.Equal(x.Emails, y.Emails) {
					t.Fatalf("record %d differs:\nTSV  %+v\nJSON %+v", i+1, x, y)
				}
				for k, v := range y.Fields {
					if tv, ok := x.Fields[k]; ok && tv != v && k != "ts" && !isJSONNumber(v) {
						t.Errorf("record %d: %s = %q in TSV, %q in JSON", i+1, k, tv, v)
					}
				}
			}
		})
	}
}

func TestZeekTSVRows(t *testing.T) {
	const header = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\thttp\n" +
		"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\thost\turi\ttags\tok\tnote\n" +
		"#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tset[string]\tbool\tstring\n"
	for _, tc := range []struct {
		name, rows string
		json       []string // the records Split passes, in order
		codes      []string
	}{
		{"row to Zeek JSON", "1521911720.615923\tC1\t10.0.0.1\t80\t10.0.0.2\t8080\tWWW.Example.com\t/a\tx,y\tT\tfoo\\x09bar\\\\baz\n",
			[]string{`{"_path":"http","ts":1521911720.615923,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":80,"id.resp_h":"10.0.0.2","id.resp_p":8080,"host":"WWW.Example.com","uri":"/a","tags":["x","y"],"ok":true,"note":"foo\tbar\\baz"}`},
			[]string{""}},
		{"unset and empty", "1.5\t-\t-\t-\t-\t-\t(empty)\t-\t(empty)\tF\t(empty)\n",
			[]string{`{"_path":"http","ts":1.5,"host":"","tags":[],"ok":false,"note":""}`}, []string{""}},
		{"a number that is not one stays a string", "x\t-\t-\tabc\t-\t-\t-\t-\t-\t-\t-\n",
			[]string{`{"_path":"http","ts":"x","id.orig_p":"abc"}`}, []string{""}},
		{"wrong column count", "1.5\tC1\n", []string{""}, []string{"zeek.bad_row"}},
		{"quotes escaped", "1.5\t-\t-\t-\t-\t-\t-\t/\"q\"\t-\t-\t-\n", []string{`{"_path":"http","ts":1.5,"uri":"/\"q\""}`}, []string{""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got, codes []string
			err := Split(strings.NewReader(header+tc.rows), 0, func(pos int, raw []byte, err error) error {
				if err != nil {
					raw = nil
				}
				got, codes = append(got, string(raw)), append(codes, codeOf(err))
				return nil
			})
			if err != nil || !slices.Equal(got, tc.json) || !slices.Equal(codes, tc.codes) {
				t.Errorf("got %q %q (%v)\nwant %q %q", got, codes, err, tc.json, tc.codes)
			}
		})
	}
	t.Run("row before the header", func(t *testing.T) {
		var codes []string
		Split(strings.NewReader("#separator \\x09\n1\t2\n"), 0, func(pos int, raw []byte, err error) error {
			codes = append(codes, codeOf(err))
			return nil
		})
		if !slices.Equal(codes, []string{"zeek.no_header"}) {
			t.Errorf("codes %q", codes)
		}
	})
	t.Run("a URL from host and uri", func(t *testing.T) {
		var ev event.Event
		Split(bytes.NewReader([]byte(header+"1.5\tC\t10.0.0.1\t5\t10.0.0.2\t8080\tWWW.Example.com\t/a?b\t-\t-\t-\n")), 0,
			func(pos int, raw []byte, err error) error {
				ev, err = Decode("", raw)
				return err
			})
		want{format: event.FormatZeek, kind: "http", hosts: []string{"www.example.com"},
			urls: []string{"http://www.example.com:8080/a?b"}}.check(t, ev)
	})
}
