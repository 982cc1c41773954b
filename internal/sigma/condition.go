package sigma

// The condition language: or, and, not (in rising precedence), parentheses,
// and `1 of pattern`, `all of pattern`, `N of pattern` with `them` for every
// identifier not starting with an underscore. Aggregations (`| count() …`)
// and `near` are valid Sigma that this engine reports as unsupported.

import (
	"strconv"
	"strings"
)

// maxConditionDepth bounds nesting, so hostile input cannot exhaust the stack.
const maxConditionDepth = 64

// expr is a parsed condition.
type expr interface{ String() string }

type (
	identExpr struct{ name string }
	ofExpr    struct {
		n       int    // 0 means all
		pattern string // "them" for every identifier
	}
	notExpr struct{ x expr }
	andExpr struct{ xs []expr }
	orExpr  struct{ xs []expr }
)

func (e identExpr) String() string { return e.name }
func (e ofExpr) String() string {
	if e.n == 0 {
		return "all of " + e.pattern
	}
	return strconv.Itoa(e.n) + " of " + e.pattern
}
func (e notExpr) String() string { return "not " + join([]expr{e.x}, "") }
func (e andExpr) String() string { return join(e.xs, " and ") }
func (e orExpr) String() string  { return join(e.xs, " or ") }

// join writes xs with sep, every operand in parentheses unless it is an
// identifier, a quantifier or a negation, so the text parses back the same.
func join(xs []expr, sep string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		switch x.(type) {
		case andExpr, orExpr:
			parts[i] = "(" + x.String() + ")"
		default:
			parts[i] = x.String()
		}
	}
	return strings.Join(parts, sep)
}

// parseCondition parses one condition string.
func parseCondition(s string) (expr, error) {
	if strings.Contains(s, "|") {
		return nil, unsupportedf("aggregation in condition %q", s)
	}
	p := &condParser{toks: lexCondition(s)}
	if len(p.toks) == 0 {
		return nil, invalidf("empty condition")
	}
	for _, t := range p.toks {
		if strings.EqualFold(t, "near") {
			return nil, unsupportedf("near in condition %q", s)
		}
	}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, invalidf("condition %q: unexpected %q", s, p.toks[p.pos])
	}
	return e, nil
}

// lexCondition splits on white space and parentheses.
func lexCondition(s string) []string {
	var toks []string
	start := -1
	for i := 0; i <= len(s); i++ {
		var c byte = ' '
		if i < len(s) {
			c = s[i]
		}
		sep := c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')'
		if !sep {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			toks = append(toks, s[start:i])
			start = -1
		}
		if c == '(' || c == ')' {
			toks = append(toks, s[i:i+1])
		}
	}
	return toks
}

type condParser struct {
	toks []string
	pos  int
}

func (p *condParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *condParser) keyword(kw string) bool {
	if strings.EqualFold(p.peek(), kw) {
		p.pos++
		return true
	}
	return false
}

func (p *condParser) or(depth int) (expr, error) {
	return p.chain(depth, "or", p.and, func(xs []expr) expr { return orExpr{xs} })
}

func (p *condParser) and(depth int) (expr, error) {
	return p.chain(depth, "and", p.not, func(xs []expr) expr { return andExpr{xs} })
}

// chain parses operands joined by one operator keyword.
func (p *condParser) chain(depth int, kw string, operand func(int) (expr, error), mk func([]expr) expr) (expr, error) {
	x, err := operand(depth)
	if err != nil {
		return nil, err
	}
	xs := []expr{x}
	for p.keyword(kw) {
		y, err := operand(depth)
		if err != nil {
			return nil, err
		}
		xs = append(xs, y)
	}
	if len(xs) == 1 {
		return x, nil
	}
	return mk(xs), nil
}

func (p *condParser) not(depth int) (expr, error) {
	if depth > maxConditionDepth {
		return nil, invalidf("condition nested deeper than %d", maxConditionDepth)
	}
	if p.keyword("not") {
		x, err := p.not(depth + 1)
		if err != nil {
			return nil, err
		}
		return notExpr{x}, nil
	}
	return p.primary(depth)
}

func (p *condParser) primary(depth int) (expr, error) {
	t := p.peek()
	switch {
	case t == "":
		return nil, invalidf("condition ends too early")
	case t == "(":
		p.pos++
		x, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.keyword(")") {
			return nil, invalidf("condition: missing )")
		}
		return x, nil
	case t == ")":
		return nil, invalidf("condition: unexpected )")
	}
	if n, ok := quantity(t); ok && p.pos+1 < len(p.toks) && strings.EqualFold(p.toks[p.pos+1], "of") {
		p.pos += 2
		target := p.peek()
		if target == "" || target == "(" || target == ")" || isConditionKeyword(target) && !strings.EqualFold(target, "them") {
			return nil, invalidf("condition: %q of what?", t)
		}
		p.pos++
		if strings.EqualFold(target, "them") {
			target = "them"
		}
		return ofExpr{n: n, pattern: target}, nil
	}
	if isConditionKeyword(t) {
		return nil, invalidf("condition: unexpected %q", t)
	}
	if strings.Contains(t, "*") {
		return nil, invalidf("condition: wildcard %q outside of \"1 of\"/\"all of\"", t)
	}
	p.pos++
	return identExpr{t}, nil
}

// quantity reads the N of `N of`, 0 standing for all.
func quantity(t string) (int, bool) {
	if strings.EqualFold(t, "all") {
		return 0, true
	}
	n, err := strconv.Atoi(t)
	return n, err == nil && n > 0 && n < 1<<20 && t[0] != '+'
}

func isConditionKeyword(t string) bool {
	switch strings.ToLower(t) {
	case "and", "or", "not", "of", "them", "near":
		return true
	}
	return false
}
