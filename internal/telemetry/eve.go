package telemetry

import (
	"strconv"
	"strings"

	"github.com/khien-cert/khien/internal/event"
)

// mapEVE fills an Event from a Suricata EVE record.
//
// Kind is event_type. Hosts come from tls.sni, http.hostname, DNS query and
// answer names (the old one-record-per-answer form, the grouped v2 form and
// the v3 queries/answers arrays); URLs from http.hostname + http.url (the
// scheme from app_proto, else port 443 means https); hashes from fileinfo; e-mails from smtp and email.
func mapEVE(ev *event.Event, f fields) error {
	ts := f.get("timestamp")
	t, ok := parseTimestamp(ts)
	if !ok {
		return errTimestamp(event.FormatEVE, "timestamp", ts)
	}
	ev.Time = t
	ev.Kind = f.get("event_type")
	ev.Device = f.get("host")
	ev.SrcIP, ev.SrcPort = parseAddr(f.get("src_ip")), parsePort(f.get("src_port"))
	ev.DstIP, ev.DstPort = parseAddr(f.get("dest_ip")), parsePort(f.get("dest_port"))
	ev.Proto = lower(f.get("proto"))
	if sig := f.get("alert.signature"); sig != "" {
		ev.Signature = sig
		ev.Severity = parseInt(f.get("alert.severity"))
	}
	addHosts(ev, f.get("tls.sni"), f.get("http.hostname"))
	if ev.Kind == "dns" || f.get("dns.rrname") != "" || f.get("dns.queries.0.rrname") != "" {
		eveDNS(ev, f)
	}
	if host := f.get("http.hostname"); host != "" {
		if u := webURL(host, f.get("http.url"), serverPort(ev.SrcPort, ev.DstPort), eveScheme(f.get("app_proto"))); u != "" {
			ev.AddURL(u)
		}
	}
	addHashes(ev, f.get("fileinfo.md5"), f.get("fileinfo.sha1"), f.get("fileinfo.sha256"))
	if f.get("smtp.helo") != "" || f.get("smtp.mail_from") != "" || f.get("email.from") != "" {
		eveMail(ev, f)
	}
	return nil
}

// eveScheme is the scheme app_proto tells: Suricata logs HTTP fields only
// for cleartext HTTP, so "http" even on port 443; "" leaves it to the port.
func eveScheme(appProto string) string {
	switch lower(appProto) {
	case "http", "http1", "http2":
		return "http"
	case "tls", "https":
		return "https"
	}
	return ""
}

// dnsNameTypes are the record types whose rdata is a host name.
var dnsNameTypes = map[string]bool{"CNAME": true, "NS": true, "PTR": true, "MX": true, "DNAME": true}

func eveDNS(ev *event.Event, f fields) {
	addHosts(ev, f.get("dns.rrname"))
	if dnsNameTypes[f.get("dns.rrtype")] {
		addHosts(ev, f.get("dns.rdata"))
	}
	for _, arr := range []string{"dns.queries", "dns.query", "dns.answers", "dns.authorities"} {
		f.each(arr, ".rrname", func(_ int, v string) { addHosts(ev, v) })
	}
	for _, arr := range []string{"dns.answers", "dns.authorities"} {
		f.each(arr, ".rrtype", func(i int, t string) {
			if dnsNameTypes[t] {
				addHosts(ev, f.get(arr+"."+strconv.Itoa(i)+".rdata"))
			}
		})
	}
	for t := range dnsNameTypes {
		for _, v := range f.list("dns.grouped." + t) {
			addHosts(ev, v)
		}
	}
}

func eveMail(ev *event.Event, f fields) {
	addEmails(ev, f.get("smtp.mail_from"), f.get("email.from"))
	for _, k := range []string{"smtp.rcpt_to", "email.to", "email.cc"} {
		for _, v := range f.list(k) {
			for _, a := range strings.Split(v, ",") {
				addEmails(ev, a)
			}
		}
	}
}
