package telemetry

import (
	"strings"

	"github.com/khien-cert/khien/internal/event"
)

// mapECS fills an Event from an Elastic Common Schema document (Filebeat,
// Elastic Agent, Logstash pipelines).
//
// Kind is the Sigma log category that event.category and event.type name
// (process + start → process_creation, network → network_connection …, see
// ecsKind), else the first category, else event.kind. Keys may be nested
// objects or already dotted; flattening makes both "source.ip".
func mapECS(ev *event.Event, f fields) error {
	ts := f.get("@timestamp")
	t, ok := parseTimestamp(ts)
	if !ok {
		return errTimestamp(event.FormatECS, "@timestamp", ts)
	}
	ev.Time = t
	ev.Kind = ecsKind(f.list("event.category"), f.list("event.type"), f.get("event.kind"))
	ev.Device = f.first("host.name", "observer.hostname", "agent.hostname", "host.hostname")
	ev.SrcIP = parseAddr(f.first("source.ip", "client.ip"))
	ev.SrcPort = parsePort(f.first("source.port", "client.port"))
	ev.DstIP = parseAddr(f.first("destination.ip", "server.ip"))
	ev.DstPort = parsePort(f.first("destination.port", "server.port"))
	ev.Proto = lower(f.first("network.transport", "network.protocol"))
	ev.User = f.first("user.name", "source.user.name", "user.id")
	ev.Process = f.first("process.executable", "process.name")
	ev.CommandLine = f.get("process.command_line")
	ev.Signature = f.first("rule.name", "threat.indicator.name")
	ev.Severity = parseInt(f.get("event.severity"))
	addHosts(ev, f.get("dns.question.name"), f.get("url.domain"), f.get("destination.domain"), f.get("source.domain"),
		f.get("tls.client.server_name"), f.get("server.domain"), f.get("client.domain"))
	if u := ecsURL(f); u != "" {
		ev.AddURL(u)
	}
	for _, p := range ecsHashPrefixes {
		addHashes(ev, f.get(p+"md5"), f.get(p+"sha1"), f.get(p+"sha256"))
	}
	f.each("email.attachments", ".file.hash.sha256", func(_ int, v string) { addHashes(ev, v) })
	for _, k := range []string{"email.from.address", "email.to.address", "email.cc.address", "email.bcc.address",
		"email.sender.address", "email.reply_to.address", "user.email", "source.user.email", "destination.user.email"} {
		for _, v := range f.list(k) {
			addEmails(ev, v)
		}
	}
	return nil
}

var ecsHashPrefixes = []string{"file.hash.", "process.hash.", "process.parent.hash.", "dll.hash.", "hash.",
	"threat.indicator.file.hash.", "threat.enrichments.indicator.file.hash."}

// ecsURL picks url.full, url.original when absolute, or builds one from
// url.scheme, url.domain, url.port, url.path and url.query.
func ecsURL(f fields) string {
	if u := f.get("url.full"); u != "" {
		return u
	}
	orig := f.get("url.original")
	if strings.Contains(orig, "://") {
		return orig
	}
	domain := f.get("url.domain")
	if domain == "" {
		return ""
	}
	target := orig
	if target == "" || target[0] != '/' {
		target = f.get("url.path")
		if q := f.get("url.query"); q != "" {
			target += "?" + q
		}
	}
	if target == "" {
		target = "/"
	}
	port := parsePort(f.get("url.port"))
	return webURL(domain, target, port, lower(f.get("url.scheme")))
}

// ecsKind maps ECS categorisation onto the Sigma log categories rules are
// written for, so the same rules run on ECS data as on Sysmon.
func ecsKind(cats, types []string, kind string) string {
	has := func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	switch {
	case has(cats, "process") && has(types, "start"):
		return "process_creation"
	case has(cats, "process") && has(types, "end"):
		return "process_termination"
	case has(cats, "dns"):
		return "dns_query"
	case has(cats, "network"):
		return "network_connection"
	case has(cats, "file") && has(types, "deletion"):
		return "file_delete"
	case has(cats, "file"):
		return "file_event"
	case has(cats, "registry"):
		return "registry_event"
	case has(cats, "driver"):
		return "driver_load"
	case has(cats, "library"):
		return "image_load"
	case len(cats) > 0:
		return cats[0]
	}
	return kind
}
