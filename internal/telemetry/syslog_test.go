package telemetry

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/event"
)

func TestSyslogCorpus(t *testing.T) {
	ufw := decodeAll(t, telemetryFile(t, "cef-syslog/csirtg-smrt__ufw.log"), "")
	want{format: event.FormatSyslog, time: "2017-11-23T19:37:32Z", kind: "firewall", device: "ip-172-30-0-64",
		process: "kernel", signature: "UFW BLOCK", src: "114.33.197.193:43861", dst: "172.30.0.64:23", proto: "tcp",
		fields: map[string]string{"IN": "eth0", "OUT": "", "TTL": "41", "syslog.appname": "kernel",
			"syslog.message": "[199974.947035] [UFW BLOCK] IN=eth0 OUT= MAC=0a:0d:14:95:e5:27:0a:b3:35:19:7e:54:08:00 SRC=114.33.197.193 DST=172.30.0.64 LEN=40 TOS=0x00 PREC=0x00 TTL=41 ID=6624 PROTO=TCP SPT=43861 DPT=23 WINDOW=24253 RES=0x00 SYN URGP=0"},
		absent: []string{"syslog.priority"}}.check(t, ufw[0].ev)
	// No kernel uptime stamp in front of the prefix.
	want{signature: "UFW BLOCK", src: "114.255.72.85:36592", dst: "172.30.222.161:3389"}.check(t, ufw[8].ev)

	lines := nonBlankLines(telemetryFile(t, "cef-syslog/jc-fixtures__syslog-3164.out"))
	ev, err := testDecoder.Decode(event.FormatSyslog, lines[27])
	if err != nil {
		t.Fatal(err)
	}
	want{device: "127:0:ab::1", process: "sshd", fields: map[string]string{"syslog.message": "unauthorized request"}}.check(t, ev)
}

func TestSyslogCases(t *testing.T) {
	newYear := Decoder{Now: func() time.Time { return time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC) }}
	hanoi := Decoder{Now: testDecoder.Now, Location: time.FixedZone("ICT", 7*3600)}
	for _, tc := range []struct {
		name string
		d    Decoder
		raw  string
		want want
	}{
		{"RFC 5424 with structured data", testDecoder, `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 42 ID47 [exampleSDID@32473 iut="3" eventSource="App\"x\""][meta a="b"] An application event`,
			want{time: "2003-10-11T22:14:15.003Z", device: "mymachine.example.com", process: "evntslog",
				fields: map[string]string{"syslog.priority": "165", "syslog.facility": "20", "syslog.severity": "5",
					"syslog.version": "1", "syslog.procid": "42", "syslog.msgid": "ID47",
					"syslog.sd.exampleSDID@32473.eventSource": `App"x"`, "syslog.sd.meta.a": "b",
					"syslog.message": "An application event"}}},
		{"RFC 5424 without PRI", testDecoder, `1 2003-10-11T22:14:15.003+07:00 h app - - - msg`,
			want{time: "2003-10-11T15:14:15.003Z", device: "h", absent: []string{"syslog.priority"}}},
		{"RFC 5424 nil timestamp", testDecoder, `<1>1 - h - - - - text`, want{zeroTime: true, device: "h"}},
		{"RFC 3164 year from the clock", testDecoder, `<34>Oct 11 22:14:15 mymachine su: 'su root' failed`,
			want{time: "2017-10-11T22:14:15Z", process: "su", fields: map[string]string{"syslog.message": "'su root' failed"}}},
		{"RFC 3164 December seen in January", newYear, `<34>Dec 31 23:59:59 h app: x`, want{time: "2025-12-31T23:59:59Z"}},
		{"RFC 3164 in the sensor's zone", hanoi, `<34>Dec 31 23:59:59 h app: x`, want{time: "2017-12-31T16:59:59Z"}},
		{"RFC 3164 with an RFC 3339 stamp", testDecoder, `2024-05-06T07:08:09.123456+02:00 host1 sshd[42]: Accepted password`,
			want{time: "2024-05-06T05:08:09.123456Z", device: "host1", process: "sshd", fields: map[string]string{"syslog.procid": "42"}}},
		{"iptables prefix", testDecoder, `<4>Jan  5 10:00:00 gw kernel: IPTABLES-DROP: IN=eth0 OUT= SRC=2001:db8::1 DST=2001:db8::2 PROTO=UDP SPT=53 DPT=5353`,
			want{kind: "firewall", signature: "IPTABLES-DROP", src: "[2001:db8::1]:53", dst: "[2001:db8::2]:5353", proto: "udp"}},
		{"a message that merely mentions SRC=", testDecoder, `<4>Jan  5 10:00:00 gw app: set SRC=1`, want{kind: ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if f := Detect([]byte(tc.raw)); f != event.FormatSyslog {
				t.Errorf("detected %q", f)
			}
			ev, err := tc.d.Decode(event.FormatSyslog, []byte(tc.raw))
			if err != nil {
				t.Fatal(err)
			}
			tc.want.format = event.FormatSyslog
			tc.want.check(t, ev)
		})
	}
}

func TestSyslogErrors(t *testing.T) {
	for _, tc := range []struct{ name, raw, code, public string }{
		{"PRI out of range", "<3444>Oct 11 22:14:15 mymachine su: x", "syslog.bad_pri", "out of range"},
		{"PRI 192", "<192>Oct 11 22:14:15 mymachine su: x", "syslog.bad_pri", "192"},
		{"PRI not closed", "<190)1 2003-10-11T22:14:15.003Z h a - - - x", "syslog.bad_pri", "angle brackets"},
		{"PRI empty", "<>Oct 11 22:14:15 h a: x", "syslog.bad_pri", "angle brackets"},
		{"year 203", "<34>1 203-10-11T22:14:15.003Z h su - ID47 - x", "event.bad_timestamp", "at byte 9"},
		{"nothing after the PRI", "<7>unparsable line", "syslog.bad_header", "expected a timestamp"},
		{"no PRI and no header", "unparsable line", "syslog.bad_header", "expected a timestamp"},
		{"bad RFC 3339 stamp", "2024-13-06T07:08:09Z host1 sshd: x", "event.bad_timestamp", "2024-13-06"},
		{"bad 3164 stamp", "<1>Feb 30 07:08:09 h a: x", "event.bad_timestamp", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(event.FormatSyslog, []byte(tc.raw))
			if codeOf(err) != tc.code {
				t.Fatalf("error %v, want %s", err, tc.code)
			}
			if e := checkError(err); e != nil {
				t.Error(e)
			}
			if !strings.Contains(err.Error(), tc.public) {
				t.Errorf("message %q does not say %q", err, tc.public)
			}
		})
	}
}

func TestSplitSyslog(t *testing.T) {
	long := "<13>Jan  1 00:00:00 h a: " + strings.Repeat("x", 200)
	for _, tc := range []struct {
		name, in string
		max      int
		want     []string // raw, or "!code" for an error
	}{
		{"newline framing", "<13>Jan  1 00:00:00 h a: one\n<13>Jan  1 00:00:00 h a: two\r\n", 0,
			[]string{"<13>Jan  1 00:00:00 h a: one", "<13>Jan  1 00:00:00 h a: two"}},
		{"octet counting, a trailing newline dropped", "12 <13>1 - - a\n\n13 <13>1 - - - b", 0,
			[]string{"<13>1 - - a", "<13>1 - - - b"}},
		{"octet counting with an embedded newline", "9 <1>a\nb c\n", 0, []string{"<1>a\nb c"}},
		{"mixed framings and NUL separators", "5 <1>ab\x00<2>x\n3 <3>", 0, []string{"<1>ab", "<2>x", "<3>"}},
		{"too long octet frame skipped", "300 " + strings.Repeat("y", 300) + "6 <1>abc", 100, []string{"!event.too_long", "<1>abc"}},
		{"too long line skipped", long + "\n<1>ok\n", 100, []string{"!event.too_long", "<1>ok"}},
		{"frame cut short", "50 <13>abc", 0, []string{"!syslog.bad_frame"}},
		{"not UTF-8", "<1>\xff\xfe\n", 0, []string{"!event.bad_utf8"}},
		{"digits without a space are a line", "2003-10-11T22:14:15Z h a: x\n", 0, []string{"2003-10-11T22:14:15Z h a: x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var positions []int
			err := SplitSyslog(strings.NewReader(tc.in), tc.max, func(pos int, raw []byte, err error) error {
				positions = append(positions, pos)
				if err != nil {
					got = append(got, "!"+codeOf(err))
				} else {
					got = append(got, string(raw))
				}
				if tc.max > 0 && len(raw) > tc.max {
					t.Errorf("record of %d bytes passed with a limit of %d", len(raw), tc.max)
				}
				return nil
			})
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("got %q (%v), want %q", got, err, tc.want)
			}
			for i, p := range positions {
				if p != i+1 {
					t.Errorf("positions %v", positions)
					break
				}
			}
		})
	}
	t.Run("fn's error stops it", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := SplitSyslog(bytes.NewReader([]byte("<1>a\n<1>b\n")), 0, func(int, []byte, error) error { n++; return stop })
		if err != stop || n != 1 {
			t.Errorf("err %v after %d calls", err, n)
		}
	})
}
