package telemetry

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leodido/go-syslog/v4/rfc3164"
	"github.com/leodido/go-syslog/v4/rfc5424"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/event"
)

// defaultPRI is the priority RFC 3164 §4.3.3 tells a relay to assume for a
// message that arrives without one (user.notice).
const defaultPRI = 13

// syslogMsg is a parsed RFC 5424 or RFC 3164 message.
type syslogMsg struct {
	rfc                           string // "5424" or "3164"
	pri                           int    // -1 when the message had none
	version                       int
	time                          time.Time // zero when the message had none
	host, app, procID, msgID, msg string
	sd                            map[string]map[string]string
}

// decodeSyslog decodes an RFC 5424 or RFC 3164 line. A CEF record carried
// as the message is decoded as CEF, with the syslog header's time and host
// as fallbacks. Netfilter (iptables, UFW) messages give addresses, ports
// and protocol from their KEY=VALUE pairs.
func (d Decoder) decodeSyslog(raw []byte) (event.Event, error) {
	sm, err := d.parseSyslog(raw)
	if err != nil {
		return event.Event{}, err
	}
	if msg := strings.TrimPrefix(sm.msg, "\uFEFF"); cefStart(msg) == 0 {
		return d.cef(msg, sm.origin())
	}
	ev := event.Event{Format: event.FormatSyslog, Time: sm.time, Device: sm.host, Process: sm.app, Fields: sm.fields()}
	netfilter(&ev, sm.msg)
	return ev, nil
}

// parseSyslog parses the header. A line without a PRI is parsed as if it
// had <13> (see defaultPRI) when the rest is a valid message; after the PRI
// comes either an RFC 5424 version or an RFC 3164 timestamp ("Mmm dd
// hh:mm:ss", or RFC 3339 as rsyslog writes to files).
func (d Decoder) parseSyslog(raw []byte) (syslogMsg, error) {
	pri, body, err := splitPRI(raw)
	if err != nil {
		return syslogMsg{}, err
	}
	p := pri
	if p < 0 {
		p = defaultPRI
	}
	input := append(append(append(make([]byte, 0, len(body)+5), '<'), strconv.Itoa(p)...), '>')
	input = append(input, body...)
	shift := len(input) - len(raw) // for error columns
	var sm syslogMsg
	switch {
	case startsWithVersion(body):
		sm, err = parse5424(input)
	case startsWithMonth(body) || startsWithDate(body):
		sm, err = d.parse3164(input, body)
	default:
		return syslogMsg{}, errs.Invalid("syslog.bad_header",
			"the line is not syslog: expected a timestamp (\"Mmm dd hh:mm:ss\") or an RFC 5424 version after the priority")
	}
	if err != nil {
		return syslogMsg{}, syslogError(err, shift)
	}
	sm.pri = pri
	return sm, nil
}

// splitPRI reads "<PRI>" at the start of raw; pri is -1 when there is none.
func splitPRI(raw []byte) (int, []byte, error) {
	if len(raw) == 0 || raw[0] != '<' {
		return -1, raw, nil
	}
	i := 1
	for i < len(raw) && i <= 4 && raw[i] >= '0' && raw[i] <= '9' {
		i++
	}
	if i == 1 || i > 4 || i >= len(raw) || raw[i] != '>' {
		if i > 4 || i > 1 && i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
			return 0, nil, errs.Invalid("syslog.bad_pri", "the syslog priority is out of range: it must be <0> to <191>")
		}
		return 0, nil, errs.Invalid("syslog.bad_pri", "the syslog priority must be a number from 0 to 191 in angle brackets, such as <34>")
	}
	pri, _ := strconv.Atoi(string(raw[1:i]))
	if pri > 191 {
		return 0, nil, errs.Invalid("syslog.bad_pri", fmt.Sprintf("the syslog priority %d is out of range: it must be <0> to <191>", pri))
	}
	return pri, raw[i+1:], nil
}

func startsWithVersion(b []byte) bool {
	i := 0
	for i < len(b) && i < 3 && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i > 0 && b[0] != '0' && i < len(b) && b[i] == ' '
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func startsWithMonth(b []byte) bool {
	if len(b) < 4 || b[3] != ' ' {
		return false
	}
	for _, m := range months {
		if string(b[:3]) == m {
			return true
		}
	}
	return false
}

// startsWithDate reports whether b starts with "dddd-dd-ddT".
func startsWithDate(b []byte) bool {
	if len(b) < 11 || b[4] != '-' || b[7] != '-' || b[10] != 'T' {
		return false
	}
	_, ok1 := atoiN(string(b[0:4]))
	_, ok2 := atoiN(string(b[5:7]))
	_, ok3 := atoiN(string(b[8:10]))
	return ok1 && ok2 && ok3
}

func parse5424(input []byte) (syslogMsg, error) {
	m, err := rfc5424.NewMachine().Parse(input)
	if err != nil {
		return syslogMsg{}, err
	}
	x, ok := m.(*rfc5424.SyslogMessage)
	if !ok || x == nil {
		return syslogMsg{}, errors.New("not an RFC 5424 message")
	}
	sm := syslogMsg{rfc: "5424", version: int(x.Version), host: deref(x.Hostname), app: deref(x.Appname),
		procID: deref(x.ProcID), msgID: deref(x.MsgID), msg: deref(x.Message)}
	if x.Timestamp != nil {
		sm.time = x.Timestamp.UTC()
	}
	if x.StructuredData != nil {
		sm.sd = *x.StructuredData
	}
	return sm, nil
}

func (d Decoder) parse3164(input, body []byte) (syslogMsg, error) {
	var stamp time.Time
	if startsWithDate(body) {
		// go-syslog's RFC 3339 form has no fraction of a second, which
		// rsyslog writes: parse the stamp here and give it a plain one.
		text, rest, _ := strings.Cut(string(body), " ")
		t, ok := parseTimestamp(text)
		if !ok {
			return syslogMsg{}, errs.Invalid("event.bad_timestamp", fmt.Sprintf("invalid syslog message: the timestamp %q is not a valid RFC 3339 time", clip(text)))
		}
		stamp = t
		pri := input[:len(input)-len(body)]
		input = []byte(string(pri) + t.Format("2006-01-02T15:04:05Z") + " " + rest)
	}
	now := d.now().In(d.loc())
	m, err := rfc3164.NewMachine(rfc3164.WithYear(rfc3164.Year{YYYY: now.Year()}), rfc3164.WithLocaleTimezone(d.loc()),
		rfc3164.WithRFC3339(), rfc3164.WithLenientDay()).Parse(input)
	if err != nil {
		return syslogMsg{}, err
	}
	x, ok := m.(*rfc3164.SyslogMessage)
	if !ok || x == nil {
		return syslogMsg{}, errors.New("not an RFC 3164 message")
	}
	sm := syslogMsg{rfc: "3164", host: deref(x.Hostname), app: deref(x.Appname), procID: deref(x.ProcID), msg: deref(x.Message)}
	switch {
	case !stamp.IsZero():
		sm.time = stamp
	case x.Timestamp != nil:
		sm.time = d.withYear(*x.Timestamp)
	}
	if sm.host == "" && startsWithMonth(body) {
		sm = d.reparseIPv6Host(input, body, sm)
	}
	return sm, nil
}

// reparseIPv6Host handles a host name that is an IPv6 address
// ("Mar  8 15:18:40 ::1 sshd: …"), which the RFC 3164 grammar cannot hold
// (a host name has no ':'): the address is taken out and the rest parsed.
func (d Decoder) reparseIPv6Host(input, body []byte, sm syslogMsg) syslogMsg {
	const stampLen = len("Mmm dd hh:mm:ss")
	if len(body) <= stampLen {
		return sm
	}
	host, after, ok := strings.Cut(strings.TrimLeft(string(body[stampLen:]), " "), " ")
	if !ok || !parseAddr(host).Is6() {
		return sm
	}
	pri := string(input[:len(input)-len(body)])
	nb := string(body[:stampLen]) + " " + after
	again, err := d.parse3164([]byte(pri+nb), []byte(nb))
	if err != nil {
		return sm
	}
	again.host = host
	return again
}

// withYear completes a timestamp that had no year: one parsed as year 0
// gets the current year (in its own zone), and one then more than a week
// ahead of now is taken to be from last year.
func (d Decoder) withYear(t time.Time) time.Time {
	now := d.now()
	if t.Year() == 0 {
		t = time.Date(now.In(t.Location()).Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	}
	if t.After(now.Add(7 * 24 * time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	return t.UTC()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// syslogError turns a go-syslog error into a KindInvalid one; shift
// corrects its column for the PRI added in front.
func syslogError(err error, shift int) error {
	if e, ok := errors.AsType[*errs.Error](err); ok {
		return e
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, " [col "); i >= 0 && strings.HasSuffix(msg, "]") {
		if col, e := strconv.Atoi(msg[i+6 : len(msg)-1]); e == nil {
			msg = fmt.Sprintf("%s at byte %d", msg[:i], max(col-shift, 0))
		}
	}
	code := "syslog.bad_header"
	switch {
	case strings.Contains(msg, "timestamp") || strings.Contains(msg, "parsing time"):
		code = "event.bad_timestamp"
	case strings.Contains(msg, "priority"):
		code = "syslog.bad_pri"
	}
	return &errs.Error{Kind: errs.KindInvalid, Code: code, Public: "invalid syslog message: " + msg, Err: err}
}

// fields returns the header as Fields: syslog.rfc ("5424" or "3164"),
// syslog.priority, syslog.facility, syslog.severity, syslog.version,
// syslog.timestamp, syslog.hostname, syslog.appname, syslog.procid,
// syslog.msgid, syslog.message and syslog.sd.<SD-ID>.<name> for structured
// data. A message without a PRI has no priority, facility or severity.
func (sm syslogMsg) fields() map[string]string {
	f := make(map[string]string, 12)
	set := func(k, v string) {
		if v != "" {
			f[k] = v
		}
	}
	if sm.pri >= 0 {
		f["syslog.priority"] = strconv.Itoa(sm.pri)
		f["syslog.facility"] = strconv.Itoa(sm.pri / 8)
		f["syslog.severity"] = strconv.Itoa(sm.pri % 8)
	}
	set("syslog.rfc", sm.rfc)
	if sm.version > 0 {
		f["syslog.version"] = strconv.Itoa(sm.version)
	}
	if !sm.time.IsZero() {
		f["syslog.timestamp"] = sm.time.Format(time.RFC3339Nano)
	}
	set("syslog.hostname", sm.host)
	set("syslog.appname", sm.app)
	set("syslog.procid", sm.procID)
	set("syslog.msgid", sm.msgID)
	set("syslog.message", sm.msg)
	for id, params := range sm.sd {
		for k, v := range params {
			f["syslog.sd."+id+"."+k] = v
		}
	}
	return f
}

// origin is what the header gives a CEF record it carries.
func (sm syslogMsg) origin() cefOrigin {
	f := sm.fields()
	delete(f, "syslog.message")
	return cefOrigin{time: sm.time, device: sm.host, fields: f}
}

// netfilter reads the KEY=VALUE pairs of a Linux netfilter log message
// (iptables LOG, UFW): "[UFW BLOCK] IN=eth0 OUT= … SRC=… DST=… PROTO=TCP
// SPT=… DPT=…". Each pair goes into Fields under its key; the text before
// IN= (the log prefix, without a kernel uptime stamp) becomes Signature.
func netfilter(ev *event.Event, msg string) {
	in := strings.Index(msg, "IN=")
	if in < 0 || !strings.Contains(msg, " SRC=") || !strings.Contains(msg, " DST=") {
		return
	}
	for tok := range strings.FieldsSeq(msg[in:]) {
		k, v, ok := strings.Cut(tok, "=")
		if ok && isUpperKey(k) {
			ev.Fields[k] = v
		}
	}
	ev.Kind = "firewall"
	ev.SrcIP, ev.SrcPort = parseAddr(ev.Fields["SRC"]), parsePort(ev.Fields["SPT"])
	ev.DstIP, ev.DstPort = parseAddr(ev.Fields["DST"]), parsePort(ev.Fields["DPT"])
	ev.Proto = lower(ev.Fields["PROTO"])
	prefix := strings.TrimSpace(msg[:in])
	if strings.HasPrefix(prefix, "[") { // kernel uptime "[  842.134908]"
		if end := strings.IndexByte(prefix, ']'); end > 0 && isUptime(prefix[1:end]) {
			prefix = strings.TrimSpace(prefix[end+1:])
		}
	}
	ev.Signature = strings.TrimSpace(strings.Trim(strings.TrimSuffix(prefix, ":"), "[]"))
}

func isUpperKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return k != ""
}

func isUptime(s string) bool {
	s = strings.TrimSpace(s)
	sec, frac, _ := strings.Cut(s, ".")
	_, ok1 := atoiN(sec)
	_, ok2 := atoiN(frac)
	return ok1 && (ok2 || frac == "")
}

// SplitSyslog splits a syslog TCP stream (RFC 6587; RFC 5425 over TLS) into
// messages and calls fn for each, with pos = 1, 2, … Each frame is either
// octet-counted ("MSG-LEN SP MSG", when it starts with a digit) or ends at
// a newline (non-transparent framing); a stream may mix the two. A frame
// longer than maxRecord (DefaultMaxRecord when <= 0) is skipped without
// being held in memory and reported with event.too_long; one that is not
// valid UTF-8 with event.bad_utf8; a MSG-LEN the stream ends before with
// syslog.bad_frame. raw is only valid until fn returns. SplitSyslog stops
// when fn returns an error and returns it; it returns the reader's error,
// if any, unchanged, and nil at the end of the stream.
//
// go-syslog's octetcounting parser is not used for the framing because it
// stops at the first bad frame, does not hand back the raw message (ingest
// keeps it and derives the event ID from it) and cannot mix framings.
func SplitSyslog(r io.Reader, maxRecord int, fn func(pos int, raw []byte, err error) error) error {
	if maxRecord <= 0 {
		maxRecord = DefaultMaxRecord
	}
	lr := &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: maxRecord}
	for pos := 1; ; pos++ {
		c, err := skipFrameSpace(lr.br)
		if err != nil {
			return eofIsNil(err)
		}
		if c >= '1' && c <= '9' {
			if n, ok := readMsgLen(lr.br); ok {
				if err := octetFrame(lr, n, pos, fn); err != nil {
					return err
				}
				continue
			}
		}
		line, tooLong, err := lr.next()
		if err != nil {
			return eofIsNil(err)
		}
		if tooLong {
			err = fn(pos, nil, errTooLong(maxRecord))
		} else {
			err = emitLine(pos, line, fn)
		}
		if err != nil {
			return err
		}
	}
}

// skipFrameSpace skips the whitespace and NULs senders put between frames
// and returns the next byte without consuming it.
func skipFrameSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n', 0:
			br.Discard(1)
		default:
			return b[0], nil
		}
	}
}

// readMsgLen consumes "MSG-LEN SP" when the stream holds one (up to ten
// digits then a space), else consumes nothing.
func readMsgLen(br *bufio.Reader) (int, bool) {
	b, _ := br.Peek(12)
	n, i := 0, 0
	for i < len(b) && i < 10 && b[i] >= '0' && b[i] <= '9' {
		n = n*10 + int(b[i]-'0')
		i++
	}
	if i == 0 || i >= len(b) || b[i] != ' ' || n == 0 {
		return 0, false
	}
	br.Discard(i + 1)
	return n, true
}

func octetFrame(lr *lineReader, n, pos int, fn func(int, []byte, error) error) error {
	var err error
	if n > lr.max {
		_, err = io.CopyN(io.Discard, lr.br, int64(n))
	} else {
		lr.buf = slices.Grow(lr.buf[:0], n)[:n]
		_, err = io.ReadFull(lr.br, lr.buf)
	}
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fn(pos, nil, errs.Invalid("syslog.bad_frame",
			fmt.Sprintf("the stream ended inside a frame announced as %d bytes long", n)))
	case err != nil:
		return err
	case n > lr.max:
		return fn(pos, nil, errTooLong(lr.max))
	}
	return emitLine(pos, bytes.TrimRight(lr.buf, "\r\n"), fn)
}
