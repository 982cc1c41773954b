package detect

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/sigma"
	"github.com/khien-cert/khien/internal/tlp"
)

// Engine is everything one event is matched against: the indicator index,
// the Sigma rule set and the ownership index that routes each hit. All three
// are immutable values swapped atomically; Hits takes no locks.
type Engine struct {
	iocs   Live
	rules  atomic.Pointer[sigma.RuleSet]
	owners func() *org.Index
}

// NewEngine returns an engine that routes hits with the ownership index
// owners returns (the registry's live index).
func NewEngine(owners func() *org.Index) *Engine {
	if owners == nil {
		owners = func() *org.Index { return nil }
	}
	return &Engine{owners: owners}
}

// SetIndicators swaps in a new indicator index.
func (e *Engine) SetIndicators(ix *Index) { e.iocs.Store(ix) }

// Indicators is the live indicator index.
func (e *Engine) Indicators() *Index { return e.iocs.Load() }

// SetRules swaps in a new rule set.
func (e *Engine) SetRules(rs *sigma.RuleSet) { e.rules.Store(rs) }

// NeedsFields reports whether matching reads Event.Fields: only Sigma rules
// do (the indicator index, routing and excerpts read the model), so events
// without Fields match the same while no rule is loaded.
func (e *Engine) NeedsFields() bool {
	rs := e.rules.Load()
	return rs != nil && rs.Len() > 0
}

// Hits matches ev and returns one alert hit per matched indicator
// observable (its feeds folded into Sources) and per matched rule, each
// routed to the sensor's owner and the owners of the event's addresses and
// host names.
func (e *Engine) Hits(ev *event.Event) []alert.Hit {
	var out []alert.Hit
	byKey := map[string]int{}
	e.iocs.Load().Match(ev, func(h Hit) {
		k := h.Indicator.Key() + "\x00" + h.Field
		if i, ok := byKey[k]; ok {
			out[i] = foldSource(out[i], h.Indicator)
			return
		}
		byKey[k] = len(out)
		out = append(out, indicatorHit(ev, h))
	})
	if rs := e.rules.Load(); rs != nil {
		rs.Match(ev, func(r *sigma.Rule, field, value string) {
			out = append(out, alert.Hit{Kind: alert.KindRule, Severity: levelSeverity(r.Level), Title: r.Title,
				RuleID: r.ID, Field: field, Value: value, TLP: tlp.Clear, Sources: []string{"sigma"}})
		})
	}
	if len(out) == 0 {
		return nil
	}
	orgs := e.route(ev)
	excerpt := Excerpt(ev)
	// The event's strings may share a whole stream message's text
	// (ingest.Events); a hit keeps copies, not the message.
	id := strings.Clone(ev.ID)
	for i := range out {
		out[i].SensorID, out[i].EventID, out[i].EventTime = ev.SensorID, id, ev.Time
		out[i].Orgs, out[i].Excerpt, out[i].Value = orgs, excerpt, strings.Clone(out[i].Value)
	}
	return out
}

func indicatorHit(ev *event.Event, h Hit) alert.Hit {
	in := h.Indicator
	title := "Threat intel match: " + string(in.Type) + " " + in.Value
	if in.Description != "" {
		title = in.Description
	}
	return alert.Hit{Kind: alert.KindIndicator, Severity: confidenceSeverity(in.Confidence), Title: title,
		Indicator: in.Key(), Field: h.Field, Value: h.Value, TLP: in.TLP, Sources: []string{in.Source}}
}

// foldSource adds another feed's indicator for the same observable: the alert
// may be shared as widely as its least restricted source allows, and is as
// severe as its most confident one.
func foldSource(h alert.Hit, in intel.Indicator) alert.Hit {
	h.Sources = append(h.Sources, in.Source)
	h.TLP = min(h.TLP, in.TLP)
	h.Severity = max(h.Severity, confidenceSeverity(in.Confidence))
	return h
}

func confidenceSeverity(c int) alert.Severity {
	switch {
	case c >= 80:
		return 4
	case c >= 50:
		return 3
	default:
		return 2
	}
}

func levelSeverity(level string) alert.Severity {
	switch level {
	case "critical":
		return 5
	case "high":
		return 4
	case "medium":
		return 3
	case "low":
		return 2
	}
	return 1
}

// route lists the organisations an event concerns: the sensor's owner and
// the approved owners of its addresses and host names.
func (e *Engine) route(ev *event.Event) []alert.Involved {
	var out []alert.Involved
	add := func(orgID string, r alert.Reason) {
		for _, o := range out {
			if o.OrgID == orgID {
				return
			}
		}
		out = append(out, alert.Involved{OrgID: orgID, Reason: r})
	}
	if ev.OrgID != "" {
		add(ev.OrgID, alert.ReasonSensorOwner)
	}
	ix := e.owners()
	for _, a := range []netip.Addr{ev.SrcIP, ev.DstIP} {
		if o, ok := ix.LookupIP(a); ok && a.IsValid() {
			add(o.OrgID, alert.ReasonIPOwner)
		}
	}
	for _, h := range ev.Hosts {
		if o, ok := ix.LookupDomain(h); ok {
			add(o.OrgID, alert.ReasonDomainOwner)
		}
	}
	return out
}

// excerptOf is what an alert keeps of its first event: enough to triage,
// bounded in size.
type excerptOf struct {
	Time      string   `json:"time"`
	Kind      string   `json:"kind,omitempty"`
	Format    string   `json:"format"`
	SrcIP     string   `json:"src_ip,omitempty"`
	SrcPort   uint16   `json:"src_port,omitempty"`
	DstIP     string   `json:"dst_ip,omitempty"`
	DstPort   uint16   `json:"dst_port,omitempty"`
	Proto     string   `json:"proto,omitempty"`
	Hosts     []string `json:"hosts,omitempty"`
	URLs      []string `json:"urls,omitempty"`
	Hashes    []string `json:"hashes,omitempty"`
	User      string   `json:"user,omitempty"`
	Process   string   `json:"process,omitempty"`
	Command   string   `json:"command_line,omitempty"`
	Signature string   `json:"signature,omitempty"`
}

// Excerpt is the bounded JSON summary of ev kept with an alert.
func Excerpt(ev *event.Event) string {
	cut := func(s string, n int) string {
		if len(s) > n {
			return s[:n] + "…"
		}
		return s
	}
	first := func(ss []string) []string { return ss[:min(len(ss), 5)] }
	x := excerptOf{Time: ev.Time.UTC().Format("2006-01-02T15:04:05.000Z"), Kind: ev.Kind, Format: string(ev.Format),
		SrcPort: ev.SrcPort, DstPort: ev.DstPort, Proto: ev.Proto, Hosts: first(ev.Hosts), URLs: slices.Clone(first(ev.URLs)),
		Hashes: first(ev.Hashes), User: cut(ev.User, 200), Process: cut(ev.Process, 300),
		Command: cut(ev.CommandLine, 500), Signature: cut(ev.Signature, 300)}
	if ev.SrcIP.IsValid() {
		x.SrcIP = ev.SrcIP.String()
	}
	if ev.DstIP.IsValid() {
		x.DstIP = ev.DstIP.String()
	}
	for i, u := range x.URLs {
		x.URLs[i] = cut(u, 300)
	}
	b, _ := json.Marshal(x)
	return string(b)
}
