package stix

// This file writes a parsed pattern back as text: one space between tokens,
// strings re-escaped, property names quoted only when they must be, nested
// operators in parentheses. Parse(p.String()) gives a tree that prints the
// same text.

import (
	"strconv"
	"strings"
)

func (p *Pattern) String() string { return p.Root.String() }

func (o *Observation) String() string { return "[" + o.Cond.String() + "]" }

func (o *ObsOp) String() string {
	parts := make([]string, len(o.Operands))
	for i, e := range o.Operands {
		parts[i] = e.String()
		if _, ok := e.(*ObsOp); ok {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, " "+o.Op+" ")
}

func (q *Qualified) String() string {
	inner := q.Expr.String()
	if _, ok := q.Expr.(*ObsOp); ok {
		inner = "(" + inner + ")"
	}
	return inner + " " + q.Qualifier.String()
}

func (q Qualifier) String() string {
	switch q.Kind {
	case "WITHIN":
		return "WITHIN " + q.Number + " SECONDS"
	case "REPEATS":
		return "REPEATS " + q.Number + " TIMES"
	}
	return "START t'" + q.startText + "' STOP t'" + q.stopText + "'"
}

func (c *CondOp) String() string {
	parts := make([]string, len(c.Operands))
	for i, e := range c.Operands {
		parts[i] = e.String()
		if _, ok := e.(*CondOp); ok {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, " "+c.Op+" ")
}

func (c *Comparison) String() string {
	not := ""
	if c.Not {
		not = "NOT "
	}
	switch c.Op {
	case "EXISTS":
		return not + "EXISTS " + c.Path.String()
	case "IN":
		vals := make([]string, len(c.Set))
		for i, l := range c.Set {
			vals[i] = l.String()
		}
		return c.Path.String() + " " + not + "IN (" + strings.Join(vals, ", ") + ")"
	}
	return c.Path.String() + " " + not + c.Op + " " + c.Value.String()
}

func (p Path) String() string {
	var b strings.Builder
	b.WriteString(p.ObjectType)
	b.WriteByte(':')
	for i, s := range p.Steps {
		switch {
		case s.Star:
			b.WriteString("[*]")
		case s.IsIndex:
			b.WriteString("[" + strconv.FormatInt(s.Index, 10) + "]")
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			if plainKey(s.Key) {
				b.WriteString(s.Key)
			} else {
				b.WriteString(quote(s.Key))
			}
		}
	}
	return b.String()
}

// plainKey reports a property name that may be written without quotes:
// an identifier without hyphens that is not a keyword.
func plainKey(k string) bool {
	if k == "" || keywords[k] || k == "true" || k == "false" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func (l Literal) String() string {
	if l.Kind == LitString {
		return quote(l.Str)
	}
	return l.Raw
}

var escaper = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

func quote(s string) string { return "'" + escaper.Replace(s) + "'" }
