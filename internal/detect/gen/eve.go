package gen

import (
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/event"
)

// raw writes d as one Suricata EVE JSON line. Every generated string is
// plain ASCII without quotes or backslashes, so no escaping is needed.
func raw(d *draft) []byte {
	b := make([]byte, 0, 640)
	b = append(b, `{"timestamp":"`...)
	b = d.ts.In(ict).AppendFormat(b, "2006-01-02T15:04:05.000000-0700")
	b = append(b, `","flow_id":`...)
	b = strconv.AppendUint(b, d.flowID, 10)
	b = str(b, "in_iface", "ens192")
	b = str(b, "event_type", d.kind)
	b = str(b, "src_ip", d.src.String())
	b = num(b, "src_port", int(d.sport))
	b = str(b, "dest_ip", d.dst.String())
	b = num(b, "dest_port", int(d.dport))
	b = str(b, "proto", d.proto)
	if d.app != "" {
		b = str(b, "app_proto", d.app)
	}
	b = str(b, "host", d.sensor)
	b = append(b, ',')
	b = body(b, d)
	b = append(b, `,"flow":{"pkts_toserver":`...)
	b = strconv.AppendInt(b, int64(d.pkt%97+1), 10)
	b = num(b, "pkts_toclient", d.pkt%89)
	b = num(b, "bytes_toserver", d.pkt%9973+60)
	b = num(b, "bytes_toclient", d.pkt%7919)
	b = append(b, `,"start":"`...)
	b = d.ts.Add(-2*time.Second).In(ict).AppendFormat(b, "2006-01-02T15:04:05.000000-0700")
	b = append(b, `"}}`...)
	return b
}

// ict is Indochina Time, the zone Vietnamese sensors log in; EVE writes the
// offset without a colon.
var ict = time.FixedZone("ICT", 7*3600)

// body writes the event-type object.
func body(b []byte, d *draft) []byte {
	switch d.kind {
	case "dns":
		b = append(b, `"dns":{"type":"query","id":`...)
		b = strconv.AppendInt(b, int64(d.pkt&0xffff), 10)
		b = str(b, "rrname", d.host)
		b = append(b, `,"rrtype":"A","tx_id":0,"opcode":0}`...)
	case "http", "fileinfo":
		b = append(b, `"http":{"hostname":"`...)
		b = append(append(b, d.host...), '"')
		u := d.path
		if strings.HasPrefix(strings.ToLower(d.url), "https:") {
			u = d.url // a proxy logs the absolute URL
		}
		b = str(b, "url", u)
		b = append(b, `,"http_user_agent":"Mozilla/5.0","http_method":"GET","protocol":"HTTP/1.1","status":200,"length":`...)
		b = strconv.AppendInt(b, int64(d.pkt%50_000), 10)
		b = append(b, '}')
		if d.kind == "fileinfo" {
			b = append(b, `,"fileinfo":{"filename":"`...)
			b = append(append(b, d.path...), '"')
			b = str(b, "md5", d.md5)
			b = str(b, "sha256", d.sha256)
			b = append(b, `,"stored":false,"state":"CLOSED","gaps":false}`...)
		}
	case "tls":
		b = append(b, `"tls":{"sni":"`...)
		b = append(b, d.host...)
		b = append(b, `","version":"TLS 1.3","ja3":{"hash":"`...)
		b = append(b, d.md5...)
		b = append(b, `"}}`...)
	case "smtp":
		b = append(b, `"smtp":{"helo":"`...)
		b = append(append(b, d.host...), '"')
		b = str(b, "mail_from", "<"+d.mailFrom+">")
		b = append(b, `,"rcpt_to":["<`...)
		b = append(b, d.mailTo...)
		b = append(b, `>"]}`...)
	case "alert":
		b = append(b, `"alert":{"action":"allowed","gid":1,"signature_id":`...)
		b = strconv.AppendInt(b, int64(d.sigID), 10)
		b = str(b, "signature", d.signature)
		b = append(b, `,"category":"Potentially Bad Traffic","severity":`...)
		b = strconv.AppendInt(b, int64(d.severity), 10)
		b = append(b, '}')
	default:
		b = append(b, `"tcp":{"tcp_flags":"1b","syn":true,"fin":true,"psh":true,"ack":true,"state":"closed"}`...)
	}
	return b
}

func str(b []byte, k, v string) []byte {
	b = append(b, `,"`...)
	b = append(b, k...)
	b = append(b, `":"`...)
	b = append(b, v...)
	return append(b, '"')
}

func num(b []byte, k string, v int) []byte {
	b = append(b, `,"`...)
	b = append(b, k...)
	b = append(b, `":`...)
	return strconv.AppendInt(b, int64(v), 10)
}

// decoded is the event a decoder makes of raw(d). Host names, hashes and
// e-mail addresses are kept as the sensor wrote them, so the edge cases
// reach the matcher.
func decoded(d *draft) event.Event {
	ev := event.Event{
		Time:     d.ts.UTC(),
		Received: d.ts.Add(150 * time.Millisecond).UTC(),
		SensorID: d.sensor,
		OrgID:    d.org,
		Format:   event.FormatEVE,
		Kind:     d.kind,
		SrcIP:    d.src,
		SrcPort:  d.sport,
		DstIP:    d.dst,
		DstPort:  d.dport,
		Proto:    strings.ToLower(d.proto),
		Fields: map[string]string{
			"event_type": d.kind, "flow_id": strconv.FormatUint(d.flowID, 10), "in_iface": "ens192",
			"host": d.sensor,
		},
	}
	switch d.kind {
	case "dns", "tls":
		ev.Hosts = []string{d.host}
	case "http":
		ev.Hosts, ev.URLs = []string{d.host}, []string{d.url}
	case "fileinfo":
		ev.Hosts, ev.URLs, ev.Hashes = []string{d.host}, []string{d.url}, []string{d.md5, d.sha256}
		ev.Fields["fileinfo.filename"] = d.path
	case "smtp":
		ev.Emails = []string{d.mailFrom, d.mailTo} // the HELO name is not a host the decoder reports
	case "alert":
		ev.Signature, ev.Severity = d.signature, d.severity
		ev.Fields["alert.signature_id"] = strconv.Itoa(d.sigID)
	}
	ev.ID = event.NewID(d.sensor, raw(d))
	return ev
}
