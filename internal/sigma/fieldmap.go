package sigma

// Field mapping. A rule's field name is looked up in Event.Fields exactly as
// written; then as an array, whose elements the decoders flatten to name.0,
// name.1 … (the first 16 count, and any of them may match); when the event
// has neither, the alternatives below are tried in order: other source field names that carry the same thing in Suricata
// EVE, Zeek or ECS-style JSON, then the normalised fields of the event model.
// The table is chosen by the rule's logsource (product/service first, then
// category, then product), with a generic table last:
//
//	scope                          rule field                       tried next
//	windows                        Image                            NewProcessName (Security 4688)
//	                               ParentImage                      ParentProcessName (Security 4688)
//	any                            Image                            process.executable, Event.Process
//	                               CommandLine                      process.command_line, Event.CommandLine
//	                               ParentImage, ParentCommandLine   process.parent.executable, process.parent.command_line
//	                               User                             user.name, Event.User
//	                               OriginalFileName                 process.pe.original_file_name
//	                               md5, sha1, sha256, Imphash       Event.Hashes
//	proxy, webserver, zeek/http    c-uri, cs-uri, c-uri-query,      url, http.url, url.original, uri, Event.URLs
//	                               cs-uri-query, c-uri-stem, cs-uri-stem
//	                               cs-host, r-dns                   http.hostname, host, url.domain, Event.Hosts
//	                               c-useragent, cs-user-agent       http.http_user_agent, user_agent, user_agent.original
//	                               cs-method                        http.http_method, method, http.request.method
//	                               sc-status                        http.status, status_code, http.response.status_code
//	                               cs-referrer, cs-referer          http.http_refer, referrer, http.request.referrer
//	                               src_ip, c-ip / dst_ip, s-ip      src_ip … Event.SrcIP / dest_ip … Event.DstIP
//	dns, zeek/dns                  query                            dns.rrname, dns.question.name, Event.Hosts
//	                               record_type                      dns.rrtype, qtype_name, dns.question.type
//	                               answer                           answers, dns.answers.data
//	firewall, network_connection,  src_ip, SourceIp                 src_ip, id.orig_h, source.ip, Event.SrcIP
//	network, zeek (any service)    dst_ip, DestinationIp            dest_ip, id.resp_h, destination.ip, Event.DstIP
//	                               src_port, SourcePort             src_port, id.orig_p, source.port, Event.SrcPort
//	                               dst_port, DestinationPort        dest_port, id.resp_p, destination.port, Event.DstPort
//	                               DestinationHostname              Event.Hosts
//	                               Protocol                         Event.Proto
//
// A multi-valued model field (Hosts, URLs, Hashes) matches when any of its
// values does.

import (
	"strconv"
	"strings"

	"github.com/khien-cert/khien/internal/event"
)

type modelField uint8

const (
	mfNone modelField = iota
	mfHosts
	mfURLs
	mfHashes
	mfSrcIP
	mfDstIP
	mfSrcPort
	mfDstPort
	mfProto
	mfUser
	mfProcess
	mfCommandLine
)

// target is one alternative: a source field name, or a model field.
type target struct {
	key   string
	model modelField
}

// fieldRef finds one rule field in an event.
type fieldRef struct {
	name  string
	elems []string // name.0, name.1 …: where the decoder puts an array's elements
	alts  []target
	slot  int // index in the rule's field table, for the per-event cache
}

// maxElems bounds the array elements a field matches against.
const maxElems = 16

// key identifies what a fieldRef looks up: two rules that name the same
// field under the same mapping share one cache slot in a RuleSet.
func (r *fieldRef) key() string {
	var b strings.Builder
	b.WriteString(r.name)
	for _, t := range r.alts {
		b.WriteByte(0)
		b.WriteString(t.key)
		b.WriteByte(byte(t.model))
	}
	return b.String()
}

// lookup returns the field's values and whether the event has it. A single
// value is returned in e.one and array elements in e.many, both reused from
// event to event, so lookups do not allocate.
func (r *fieldRef) lookup(ev *event.Event, e *cacheEntry) ([]string, bool) {
	if v, ok := ev.Fields[r.name]; ok {
		e.one[0] = v
		return e.one[:], true
	}
	if len(r.elems) > 0 {
		if _, ok := ev.Fields[r.elems[0]]; ok {
			e.many = e.many[:0]
			for _, k := range r.elems {
				v, ok := ev.Fields[k]
				if !ok {
					break
				}
				e.many = append(e.many, v)
			}
			return e.many, true
		}
	}
	for _, t := range r.alts {
		if t.key != "" {
			if v, ok := ev.Fields[t.key]; ok {
				e.one[0] = v
				return e.one[:], true
			}
			continue
		}
		if vals := modelValues(ev, t.model, &e.one); len(vals) > 0 {
			return vals, true
		}
	}
	return nil, false
}

// modelValues reads a field of the event model; empty means absent.
func modelValues(ev *event.Event, f modelField, buf *[1]string) []string {
	one := func(s string) []string {
		if s == "" {
			return nil
		}
		buf[0] = s
		return buf[:]
	}
	switch f {
	case mfHosts:
		return ev.Hosts
	case mfURLs:
		return ev.URLs
	case mfHashes:
		return ev.Hashes
	case mfSrcIP:
		if ev.SrcIP.IsValid() {
			return one(ev.SrcIP.String())
		}
	case mfDstIP:
		if ev.DstIP.IsValid() {
			return one(ev.DstIP.String())
		}
	case mfSrcPort:
		if ev.SrcPort != 0 {
			return one(strconv.Itoa(int(ev.SrcPort)))
		}
	case mfDstPort:
		if ev.DstPort != 0 {
			return one(strconv.Itoa(int(ev.DstPort)))
		}
	case mfProto:
		return one(ev.Proto)
	case mfUser:
		return one(ev.User)
	case mfProcess:
		return one(ev.Process)
	case mfCommandLine:
		return one(ev.CommandLine)
	}
	return nil
}

// fieldMapper resolves a rule's field names through the tables that apply
// to its logsource, most specific first, and numbers the distinct fields of
// the rule.
type fieldMapper struct {
	tables []map[string][]target
	refs   []fieldRef     // the rule's field table, by slot
	slots  map[string]int // name → slot
}

func newFieldMapper(ls Logsource) *fieldMapper {
	fm := &fieldMapper{slots: map[string]int{}}
	add := func(scope string) {
		if t, ok := mappingTables[scope]; ok {
			fm.tables = append(fm.tables, t)
		}
	}
	if ls.Product != "" && ls.Service != "" {
		add(ls.Product + "/" + ls.Service)
	}
	if ls.Category != "" {
		add(ls.Category)
	}
	if ls.Product != "" {
		add(ls.Product)
	}
	add("")
	return fm
}

func (m *fieldMapper) ref(name string) fieldRef {
	if slot, ok := m.slots[name]; ok {
		return m.refs[slot]
	}
	r := fieldRef{name: name, slot: len(m.refs)}
	if name != "" {
		for i := range maxElems {
			r.elems = append(r.elems, name+"."+strconv.Itoa(i))
		}
	}
	for _, t := range m.tables {
		r.alts = append(r.alts, t[name]...)
	}
	m.slots[name] = r.slot
	m.refs = append(m.refs, r)
	return r
}

func keys(ks ...string) []target {
	out := make([]target, len(ks))
	for i, k := range ks {
		out[i] = target{key: k}
	}
	return out
}

func model(f modelField) target { return target{model: f} }

// table builds a scope's table, giving each name in names the same targets.
func table(entries ...tableEntry) map[string][]target {
	t := map[string][]target{}
	for _, e := range entries {
		for _, n := range e.names {
			t[n] = e.targets
		}
	}
	return t
}

type tableEntry struct {
	names   []string
	targets []target
}

func names(ns ...string) []string { return ns }

var (
	webTable = table(
		tableEntry{names("c-uri", "cs-uri", "c-uri-query", "cs-uri-query", "c-uri-stem", "cs-uri-stem"),
			append(keys("url", "http.url", "url.original", "uri"), model(mfURLs))},
		tableEntry{names("cs-host", "r-dns"), append(keys("http.hostname", "host", "url.domain"), model(mfHosts))},
		tableEntry{names("c-useragent", "cs-user-agent"), keys("http.http_user_agent", "user_agent", "user_agent.original")},
		tableEntry{names("cs-method"), keys("http.http_method", "method", "http.request.method")},
		tableEntry{names("sc-status"), keys("http.status", "status_code", "http.response.status_code")},
		tableEntry{names("cs-referrer", "cs-referer"), keys("http.http_refer", "referrer", "http.request.referrer")},
		tableEntry{names("src_ip", "c-ip"), append(keys("src_ip", "id.orig_h", "source.ip"), model(mfSrcIP))},
		tableEntry{names("dst_ip", "s-ip"), append(keys("dest_ip", "id.resp_h", "destination.ip"), model(mfDstIP))},
	)
	dnsTable = table(
		tableEntry{names("query"), append(keys("dns.rrname", "dns.question.name"), model(mfHosts))},
		tableEntry{names("record_type"), keys("dns.rrtype", "qtype_name", "dns.question.type")},
		tableEntry{names("answer"), keys("answers", "dns.answers.data")},
	)
	netTable = table(
		tableEntry{names("src_ip", "SourceIp"), append(keys("src_ip", "id.orig_h", "source.ip"), model(mfSrcIP))},
		tableEntry{names("dst_ip", "DestinationIp"), append(keys("dest_ip", "id.resp_h", "destination.ip"), model(mfDstIP))},
		tableEntry{names("src_port", "SourcePort"), append(keys("src_port", "id.orig_p", "source.port"), model(mfSrcPort))},
		tableEntry{names("dst_port", "DestinationPort"), append(keys("dest_port", "id.resp_p", "destination.port"), model(mfDstPort))},
		tableEntry{names("DestinationHostname"), []target{model(mfHosts)}},
		tableEntry{names("Protocol"), []target{model(mfProto)}},
	)
	windowsTable = table(
		tableEntry{names("Image"), keys("NewProcessName")},
		tableEntry{names("ParentImage"), keys("ParentProcessName")},
	)
	anyTable = table(
		tableEntry{names("Image"), append(keys("process.executable"), model(mfProcess))},
		tableEntry{names("CommandLine"), append(keys("process.command_line"), model(mfCommandLine))},
		tableEntry{names("ParentImage"), keys("process.parent.executable")},
		tableEntry{names("ParentCommandLine"), keys("process.parent.command_line")},
		tableEntry{names("User"), append(keys("user.name"), model(mfUser))},
		tableEntry{names("OriginalFileName"), keys("process.pe.original_file_name")},
		tableEntry{names("md5", "sha1", "sha256", "Imphash"), []target{model(mfHashes)}},
	)

	// mappingTables is keyed by "product/service", category, product, or
	// "" for the generic table. It is never modified.
	mappingTables = map[string]map[string][]target{
		"proxy":              webTable,
		"webserver":          webTable,
		"zeek/http":          webTable,
		"dns":                dnsTable,
		"zeek/dns":           dnsTable,
		"firewall":           netTable,
		"network_connection": netTable,
		"network":            netTable,
		"zeek":               netTable,
		"windows":            windowsTable,
		"":                   anyTable,
	}
)
