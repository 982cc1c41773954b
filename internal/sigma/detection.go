package sigma

// This file compiles the search identifiers of a rule's detection section:
// maps of field matchers (AND), lists of maps (OR) and keyword lists.

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxMatchers bounds the value matchers of one rule, so that YAML aliases
// or windash expansions cannot make a rule that eats the server.
const maxMatchers = 50_000

// compiler carries what compiling one rule needs.
type compiler struct {
	fields   *fieldMapper
	matchers int
}

// compileDetection compiles every search identifier and the condition.
func compileDetection(det *yaml.Node, fields *fieldMapper) (node, error) {
	c := &compiler{fields: fields}
	sels := map[string]*selection{}
	var order []string
	var conds []string
	for i := 0; i+1 < len(det.Content); i += 2 {
		key, val := resolve(det.Content[i]), resolve(det.Content[i+1])
		if key.Kind != yaml.ScalarNode {
			return nil, invalidf("detection keys must be names")
		}
		switch name := key.Value; name {
		case "condition":
			cs, err := conditionStrings(val)
			if err != nil {
				return nil, err
			}
			conds = cs
		case "timeframe":
			// Only meaningful for aggregations, which the condition rejects.
		default:
			if _, dup := sels[name]; dup {
				return nil, invalidf("search identifier %q is defined twice", name)
			}
			s, err := c.selection(name, val)
			if err != nil {
				return nil, within(err, "search identifier %q", name)
			}
			sels[name] = s
			order = append(order, name)
		}
	}
	if len(conds) == 0 {
		return nil, invalidf("detection has no condition")
	}
	if len(sels) == 0 {
		return nil, invalidf("detection has no search identifiers")
	}
	return compileConditions(conds, sels, order)
}

// resolve follows YAML aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	return n
}

func conditionStrings(n *yaml.Node) ([]string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		var out []string
		for _, item := range n.Content {
			item = resolve(item)
			if item.Kind != yaml.ScalarNode {
				return nil, invalidf("condition list items must be strings")
			}
			out = append(out, item.Value)
		}
		return out, nil
	}
	return nil, invalidf("condition must be a string or a list of strings")
}

// selection compiles one search identifier.
func (c *compiler) selection(name string, n *yaml.Node) (*selection, error) {
	s := &selection{name: name}
	switch n.Kind {
	case yaml.MappingNode:
		alt, err := c.fieldMap(n)
		if err != nil {
			return nil, err
		}
		s.alts = append(s.alts, alt)
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return nil, invalidf("empty list")
		}
		if resolve(n.Content[0]).Kind == yaml.MappingNode {
			for _, item := range n.Content {
				item = resolve(item)
				if item.Kind != yaml.MappingNode {
					return nil, invalidf("a list mixes maps and values")
				}
				alt, err := c.fieldMap(item)
				if err != nil {
					return nil, err
				}
				s.alts = append(s.alts, alt)
			}
			break
		}
		fm, err := c.field("", nil, n)
		if err != nil {
			return nil, err
		}
		s.alts = append(s.alts, []*fieldMatcher{fm})
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, invalidf("empty search identifier")
		}
		fm, err := c.field("", nil, n)
		if err != nil {
			return nil, err
		}
		s.alts = append(s.alts, []*fieldMatcher{fm})
	default:
		return nil, invalidf("a search identifier must be a map or a list")
	}
	s.sortByCost()
	return s, nil
}

// fieldMap compiles one map of field conditions, joined by AND.
func (c *compiler) fieldMap(n *yaml.Node) ([]*fieldMatcher, error) {
	if len(n.Content) == 0 {
		return nil, invalidf("empty map")
	}
	var out []*fieldMatcher
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := resolve(n.Content[i])
		if key.Kind != yaml.ScalarNode {
			return nil, invalidf("field names must be strings")
		}
		parts := strings.Split(key.Value, "|")
		fm, err := c.field(parts[0], parts[1:], resolve(n.Content[i+1]))
		if err != nil {
			return nil, within(err, "field %q", key.Value)
		}
		out = append(out, fm)
	}
	return out, nil
}

// field compiles one field with its modifiers and values. An empty name is
// a keyword search over every field of the event.
func (c *compiler) field(name string, mods []string, n *yaml.Node) (*fieldMatcher, error) {
	m, err := parseModifiers(mods)
	if err != nil {
		return nil, err
	}
	vals, err := scalars(n)
	if err != nil {
		return nil, err
	}
	fm := &fieldMatcher{name: name, keyword: name == "", neq: m.neq}
	if !fm.keyword {
		fm.ref = c.fields.ref(name)
	} else if !m.before && !m.after && m.typ == typePlain {
		m.before, m.after = true, true // keywords match anywhere in a value
	}
	switch {
	case len(vals) == 1 && vals[0].null:
		if fm.keyword {
			return nil, invalidf("a keyword cannot be null")
		}
		fm.kind = fmNull
	case m.typ == typeExists:
		err = c.exists(fm, vals)
	case m.typ == typeFieldref:
		err = c.fieldref(fm, m, vals)
	default:
		fm.kind = fmValues
		err = c.values(fm, m, vals)
	}
	if err != nil {
		return nil, err
	}
	fm.setCost()
	return fm, nil
}

// scalarValue is one value as written in the rule.
type scalarValue struct {
	text string
	null bool
	str  bool // a YAML string, as opposed to a number or boolean
}

func scalars(n *yaml.Node) ([]scalarValue, error) {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
		if len(items) == 0 {
			return nil, invalidf("empty list of values")
		}
	}
	out := make([]scalarValue, 0, len(items))
	for _, it := range items {
		it = resolve(it)
		if it.Kind != yaml.ScalarNode {
			return nil, invalidf("values must be strings, numbers, booleans or null")
		}
		out = append(out, scalarValue{text: it.Value, null: it.Tag == "!!null", str: it.Tag == "!!str"})
	}
	return out, nil
}

func (c *compiler) exists(fm *fieldMatcher, vals []scalarValue) error {
	if fm.keyword || len(vals) != 1 {
		return invalidf("exists needs a field and one boolean")
	}
	b, err := strconv.ParseBool(vals[0].text)
	if err != nil {
		return invalidf("exists needs true or false, not %q", vals[0].text)
	}
	fm.kind, fm.exists = fmExists, b
	return nil
}

func (c *compiler) fieldref(fm *fieldMatcher, m modifiers, vals []scalarValue) error {
	if fm.keyword || len(vals) != 1 || vals[0].null {
		return invalidf("fieldref needs a field and one field name")
	}
	fm.kind, fm.other, fm.fold = fmFieldref, c.fields.ref(vals[0].text), !m.cased
	switch {
	case m.before && m.after:
		fm.op = opContains
	case m.before:
		fm.op = opSuffix
	case m.after:
		fm.op = opPrefix
	}
	return nil
}

// values compiles the value matchers: one group per value as written, each
// group holding the alternatives its transformations produced. Without all,
// the groups are merged into one, so any alternative of any value matches.
func (c *compiler) values(fm *fieldMatcher, m modifiers, vals []scalarValue) error {
	for _, v := range vals {
		if v.null {
			return invalidf("null cannot be part of a list of values")
		}
		group, err := c.valueGroup(m, v)
		if err != nil {
			return err
		}
		c.matchers += len(group)
		if c.matchers > maxMatchers {
			return invalidf("more than %d values in one rule", maxMatchers)
		}
		if m.all || len(fm.groups) == 0 {
			fm.groups = append(fm.groups, group)
		} else {
			fm.groups[0] = append(fm.groups[0], group...)
		}
	}
	for _, g := range fm.groups {
		slices.SortStableFunc(g, func(a, b matcher) int { return a.cost() - b.cost() })
	}
	return nil
}

// valueGroup compiles one value as written into its matchers.
func (c *compiler) valueGroup(m modifiers, v scalarValue) ([]matcher, error) {
	switch m.typ {
	case typeRe:
		flags := ""
		if m.reFlags != "" {
			flags = "(?" + m.reFlags + ")"
		}
		re, err := regexp.Compile(flags + v.text)
		if err != nil {
			return nil, unsupportedf("regular expression %q: %v", v.text, err)
		}
		return []matcher{&regexMatcher{re: re}}, nil
	case typeCIDR:
		p, err := netip.ParsePrefix(strings.TrimSpace(v.text))
		if err != nil {
			return nil, invalidf("cidr %q: %v", v.text, err)
		}
		return []matcher{&cidrMatcher{p: p.Masked()}}, nil
	case typeNum:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.text), 64)
		if err != nil {
			return nil, invalidf("%q is not a number", v.text)
		}
		return []matcher{&numMatcher{op: m.num, n: f}}, nil
	}
	g := literal(v.text)
	if v.str {
		g = parseGlob(v.text)
	}
	globs := []glob{g}
	for _, t := range m.transforms {
		var next []glob
		for _, g := range globs {
			out, err := transform(t, g)
			if err != nil {
				return nil, err
			}
			next = append(next, out...)
		}
		globs = next
	}
	out := make([]matcher, 0, len(globs))
	for _, g := range globs {
		out = append(out, compileGlob(g.wrap(m.before, m.after), m.cased))
	}
	return out, nil
}
