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
	ts := f["timestamp"]
	t, ok := parseTimestamp(ts)
	if !ok {
		return errTimestamp(event.FormatEVE, "timestamp", ts)
	}
	ev.Time = t
	ev.Kind = f["event_type"]
	ev.Device = f["host"]
	ev.SrcIP, ev.SrcPort = parseAddr(f["src_ip"]), parsePort(f["src_port"])
	ev.DstIP, ev.DstPort = parseAddr(f["dest_ip"]), parsePort(f["dest_port"])
	ev.Proto = lower(f["proto"])
	if sig := f["alert.signature"]; sig != "" {
		ev.Signature = sig
		ev.Severity = parseInt(f["alert.severity"])
	}
	addHosts(ev, f["tls.sni"], f["http.hostname"])
	if ev.Kind == "dns" || f["dns.rrname"] != "" || f["dns.queries.0.rrname"] != "" {
		eveDNS(ev, f)
	}
	if host := f["http.hostname"]; host != "" {
		if u := webURL(host, f["http.url"], serverPort(ev.SrcPort, ev.DstPort), eveScheme(f["app_proto"])); u != "" {
			ev.AddURL(u)
		}
	}
	addHashes(ev, f["fileinfo.md5"], f["fileinfo.sha1"], f["fileinfo.sha256"])
	if f["smtp.helo"] != "" || f["smtp.mail_from"] != "" || f["email.from"] != "" {
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
	addHosts(ev, f["dns.rrname"])
	if dnsNameTypes[f["dns.rrtype"]] {
		addHosts(ev, f["dns.rdata"])
	}
	for _, arr := range []string{"dns.queries", "dns.query", "dns.answers", "dns.authorities"} {
		f.each(arr, ".rrname", func(_ int, v string) { addHosts(ev, v) })
	}
	for _, arr := range []string{"dns.answers", "dns.authorities"} {
		f.each(arr, ".rrtype", func(i int, t string) {
			if dnsNameTypes[t] {
				addHosts(ev, f[arr+"."+strconv.Itoa(i)+".rdata"])
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
	addEmails(ev, f["smtp.mail_from"], f["email.from"])
	for _, k := range []string{"smtp.rcpt_to", "email.to", "email.cc"} {
		for _, v := range f.list(k) {
			for _, a := range strings.Split(v, ",") {
				addEmails(ev, a)
			}
		}
	}
}
