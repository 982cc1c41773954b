package telemetry

import "github.com/khien-cert/khien/internal/event"

// genericTimeKeys are tried in order for the time of a JSON record of no
// known format.
var genericTimeKeys = []string{"@timestamp", "timestamp", "time", "ts", "datetime", "date", "event_time", "eventTime"}

// mapGeneric fills what it can from a JSON object of no known format:
// Fields always; Time from a common time key (ISO 8601 or epoch seconds),
// else zero; addresses, ports and names from common key spellings.
func mapGeneric(ev *event.Event, f fields) error {
	for _, k := range genericTimeKeys {
		v := f.get(k)
		if v == "" {
			continue
		}
		if t, ok := parseTimestamp(v); ok {
			ev.Time = t
			break
		}
		if t, ok := parseEpoch(v); ok {
			ev.Time = t
			break
		}
	}
	ev.SrcIP = parseAddr(f.first("src_ip", "source_ip", "srcip", "src", "source.ip", "client_ip"))
	ev.SrcPort = parsePort(f.first("src_port", "source_port", "srcport", "spt", "source.port"))
	ev.DstIP = parseAddr(f.first("dst_ip", "dest_ip", "destination_ip", "dstip", "dst", "destination.ip", "server_ip"))
	ev.DstPort = parsePort(f.first("dst_port", "dest_port", "destination_port", "dstport", "dpt", "destination.port"))
	ev.Proto = lower(f.first("proto", "protocol", "transport"))
	ev.User = f.first("user", "username", "user_name", "user.name")
	ev.Device = f.first("hostname", "host.name", "device", "sensor")
	addHosts(ev, f.get("domain"), f.get("query"), f.get("fqdn"), f.get("sni"))
	for _, k := range []string{"url", "uri", "request_url"} {
		if u := f.get(k); u != "" {
			ev.AddURL(u)
		}
	}
	addHashes(ev, f.get("md5"), f.get("sha1"), f.get("sha256"))
	addEmails(ev, f.get("email"), f.get("from"), f.get("to"))
	return nil
}
