package misp

// This file holds the MISP event model the readers decode into and turns
// attributes into indicators.

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/tlp"
)

// Event is the part of a MISP event the importer reads.
type Event struct {
	UUID          string          `json:"uuid"`
	Info          string          `json:"info"`
	Date          string          `json:"date"`
	Timestamp     flexString      `json:"timestamp"`
	ThreatLevelID flexString      `json:"threat_level_id"`
	Tag           list[Tag]       `json:"Tag"`
	EventTag      []eventTag      `json:"EventTag"` // tags as the event index lists them
	Attribute     list[Attribute] `json:"Attribute"`
	Object        list[Object]    `json:"Object"`
}

type eventTag struct {
	Tag Tag `json:"Tag"`
}

// Tag is a MISP tag.
type Tag struct {
	Name string `json:"name"`
}

// Attribute is the part of a MISP attribute the importer reads.
type Attribute struct {
	UUID      string     `json:"uuid"`
	Type      string     `json:"type"`
	Category  string     `json:"category"`
	Value     flexString `json:"value"`
	ToIDs     flexBool   `json:"to_ids"`
	Deleted   flexBool   `json:"deleted"`
	Comment   string     `json:"comment"`
	FirstSeen string     `json:"first_seen"`
	Tag       list[Tag]  `json:"Tag"`
}

// Object is a MISP object: a group of attributes.
type Object struct {
	UUID      string          `json:"uuid"`
	Name      string          `json:"name"`
	Deleted   flexBool        `json:"deleted"`
	Attribute list[Attribute] `json:"Attribute"`
}

// list is a JSON array that search results also give as a single object.
type list[T any] []T

func (l *list[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) > 0 && b[0] == '{' {
		var one T
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*l = list[T]{one}
		return nil
	}
	return json.Unmarshal(b, (*[]T)(l))
}

// isEvent reports whether a bare object has the fields of an event or of
// an attribute or object search result.
func (e *Event) isEvent() bool {
	return e.UUID != "" || e.Info != "" || len(e.Attribute) > 0 || len(e.Object) > 0
}

// tags returns the event's tags from either place MISP puts them.
func (e *Event) tags() []Tag {
	out := slices.Clone(e.Tag)
	for _, et := range e.EventTag {
		out = append(out, et.Tag)
	}
	return out
}

// tagLevel returns the most restrictive tlp: tag among tags, or 0.
func tagLevel(tags []Tag) tlp.Level {
	var best tlp.Level
	for _, t := range tags {
		name := strings.ToLower(strings.TrimSpace(t.Name))
		if !strings.HasPrefix(name, "tlp:") {
			continue
		}
		if l, err := tlp.Parse(name); err == nil {
			best = max(best, l)
		}
	}
	return best
}

// labels returns the names of tags that are not TLP, at most 32.
func labels(lists ...[]Tag) []string {
	var out []string
	for _, tags := range lists {
		for _, t := range tags {
			n := strings.TrimSpace(t.Name)
			if n != "" && !strings.HasPrefix(strings.ToLower(n), "tlp:") && !slices.Contains(out, n) && len(out) < 32 {
				out = append(out, n)
			}
		}
	}
	return out
}

// typeMap maps MISP attribute types to indicator types. Composite types
// ("a|b") name the part they take in partOf.
var typeMap = map[string]intel.Type{
	"ip-src": intel.TypeIPv4, "ip-dst": intel.TypeIPv4, // the family follows the value (intel.Normalize)
	"ip-src|port": intel.TypeIPv4, "ip-dst|port": intel.TypeIPv4,
	"domain": intel.TypeDomain, "hostname": intel.TypeDomain, "hostname|port": intel.TypeDomain,
	"url": intel.TypeURL,
	"md5": intel.TypeMD5, "sha1": intel.TypeSHA1, "sha256": intel.TypeSHA256,
	"filename|md5": intel.TypeMD5, "filename|sha1": intel.TypeSHA1, "filename|sha256": intel.TypeSHA256,
	"malware-sample": intel.TypeMD5, // "filename|md5"
	"email":          intel.TypeEmail, "email-src": intel.TypeEmail, "email-dst": intel.TypeEmail,
}

// values returns the typed values an attribute names: one, or for
// domain|ip two; nil when its type has no indicator type.
func values(a *Attribute) [][2]string {
	v := strings.TrimSpace(string(a.Value))
	switch a.Type {
	case "domain|ip":
		d, ip, _ := strings.Cut(v, "|")
		return [][2]string{{string(intel.TypeDomain), d}, {string(intel.TypeIPv4), ip}}
	case "ip-src|port", "ip-dst|port", "hostname|port":
		v, _, _ = strings.Cut(v, "|")
	case "filename|md5", "filename|sha1", "filename|sha256", "malware-sample":
		if i := strings.LastIndexByte(v, '|'); i >= 0 {
			v = v[i+1:]
		}
	}
	t, ok := typeMap[a.Type]
	if !ok {
		return nil
	}
	return [][2]string{{string(t), v}}
}

// converter holds the state of one conversion.
type converter struct {
	opt  Options
	base intel.Indicator
	res  intel.ImportResult
}

// convert turns the attributes of events into indicators.
func convert(events []Event, opt Options) intel.ImportResult {
	c := converter{opt: opt, base: intel.WithDefaults(opt.Defaults)}
	for i := range events {
		e := &events[i]
		etags := e.tags()
		base := c.base
		if l := tagLevel(etags); l.Valid() {
			base.TLP = l
		}
		for j := range e.Attribute {
			c.attribute(e, base, etags, &e.Attribute[j], false)
		}
		for _, o := range e.Object {
			for j := range o.Attribute {
				c.attribute(e, base, etags, &o.Attribute[j], o.Deleted.Value)
			}
		}
	}
	c.res.Dedupe()
	return c.res
}

// attribute converts one attribute of event e.
func (c *converter) attribute(e *Event, base intel.Indicator, etags []Tag, a *Attribute, objectDeleted bool) {
	where := "attribute " + a.UUID
	if a.Deleted.Value || objectDeleted {
		c.res.Skip(ReasonDeleted, where, "")
		return
	}
	vals := values(a)
	if vals == nil {
		c.res.Skip(ReasonType+":"+clipN(a.Type, 40), where, "")
		return
	}
	if !a.ToIDs.Value && !c.opt.IncludeNotToIDs {
		c.res.Skip(ReasonNotToIDs, where, a.Type)
		return
	}
	if l := tagLevel(a.Tag); l.Valid() {
		base.TLP = l
	}
	base.ExternalID = a.UUID
	base.Description = a.Comment
	if base.Description == "" {
		base.Description = e.Info
	}
	base.Labels = labels(a.Tag, etags)
	if t, err := time.Parse(time.RFC3339, a.FirstSeen); err == nil {
		base.ValidFrom = t.UTC()
	}
	for _, tv := range vals {
		t, v, err := intel.Normalize(intel.Type(tv[0]), tv[1])
		if err != nil {
			c.res.Skip(ReasonBadValue, where, clipN(err.Error(), 200))
			continue
		}
		ind := base
		ind.Type, ind.Value = t, v
		c.res.Indicators = append(c.res.Indicators, ind)
	}
}

// clipN shortens s to at most n bytes and an ellipsis, on a rune boundary.
func clipN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
