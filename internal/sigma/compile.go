package sigma

// Compilation of a parsed condition into an evaluation tree over the
// compiled search identifiers. Operands of and/or are sorted by estimated
// cost, so cheap tests (a missing field, an equality) usually decide before
// expensive ones (regular expressions, keyword scans). The order changes
// which field a hit reports, never whether the rule matches.

import (
	"slices"
	"strings"
)

// node is one compiled piece of a condition.
type node interface {
	eval(c *evalCtx) (bool, hit)
	cost() int
}

type selNode struct{ s *selection }

func (n selNode) eval(c *evalCtx) (bool, hit) { return n.s.eval(c) }
func (n selNode) cost() int                   { return n.s.cost }

type notNode struct{ x node }

func (n notNode) eval(c *evalCtx) (bool, hit) {
	ok, _ := n.x.eval(c)
	return !ok, hit{}
}
func (n notNode) cost() int { return n.x.cost() }

type andNode struct{ xs []node }

func (n andNode) eval(c *evalCtx) (bool, hit) {
	var first hit
	for _, x := range n.xs {
		ok, h := x.eval(c)
		if !ok {
			return false, hit{}
		}
		if first.field == "" {
			first = h
		}
	}
	return true, first
}
func (n andNode) cost() int { return sumCost(n.xs) }

type orNode struct{ xs []node }

func (n orNode) eval(c *evalCtx) (bool, hit) {
	for _, x := range n.xs {
		if ok, h := x.eval(c); ok {
			return true, h
		}
	}
	return false, hit{}
}
func (n orNode) cost() int { return sumCost(n.xs) }

// atLeastNode is `N of pattern` for 1 < N < the number of identifiers.
type atLeastNode struct {
	n  int
	xs []node
}

func (n atLeastNode) eval(c *evalCtx) (bool, hit) {
	var first hit
	count := 0
	for i, x := range n.xs {
		if count+len(n.xs)-i < n.n {
			return false, hit{}
		}
		if ok, h := x.eval(c); ok {
			if count++; first.field == "" {
				first = h
			}
			if count >= n.n {
				return true, first
			}
		}
	}
	return false, hit{}
}
func (n atLeastNode) cost() int { return sumCost(n.xs) }

func sumCost(xs []node) int {
	c := 0
	for _, x := range xs {
		c += x.cost()
	}
	return c
}

func byCost(xs []node) []node {
	slices.SortStableFunc(xs, func(a, b node) int { return a.cost() - b.cost() })
	return xs
}

// compileConditions compiles a rule's conditions; several are joined by or.
func compileConditions(conds []string, sels map[string]*selection, order []string) (node, error) {
	var nodes []node
	for _, c := range conds {
		e, err := parseCondition(c)
		if err != nil {
			return nil, err
		}
		n, err := compileExpr(e, sels, order)
		if err != nil {
			return nil, within(err, "condition %q", c)
		}
		nodes = append(nodes, n)
	}
	if len(nodes) == 1 {
		return nodes[0], nil
	}
	return orNode{byCost(nodes)}, nil
}

func compileExpr(e expr, sels map[string]*selection, order []string) (node, error) {
	switch e := e.(type) {
	case identExpr:
		s, ok := sels[e.name]
		if !ok {
			return nil, invalidf("unknown search identifier %q", e.name)
		}
		return selNode{s}, nil
	case notExpr:
		x, err := compileExpr(e.x, sels, order)
		return notNode{x}, err
	case andExpr:
		xs, err := compileAll(e.xs, sels, order)
		return andNode{byCost(xs)}, err
	case orExpr:
		xs, err := compileAll(e.xs, sels, order)
		return orNode{byCost(xs)}, err
	case ofExpr:
		return compileOf(e, sels, order)
	}
	return nil, invalidf("unknown condition element %v", e)
}

func compileAll(es []expr, sels map[string]*selection, order []string) ([]node, error) {
	xs := make([]node, 0, len(es))
	for _, e := range es {
		x, err := compileExpr(e, sels, order)
		if err != nil {
			return nil, err
		}
		xs = append(xs, x)
	}
	return xs, nil
}

// compileOf resolves `N of pattern` to the identifiers it names, in rule
// order: `them` is every identifier not starting with an underscore, any
// other pattern matches names with `*` standing for any run of characters.
func compileOf(e ofExpr, sels map[string]*selection, order []string) (node, error) {
	var m matcher
	if e.pattern != "them" {
		m = compileGlob(parseGlob(e.pattern), true)
	}
	var xs []node
	for _, name := range order {
		if m == nil && !strings.HasPrefix(name, "_") || m != nil && m.match(name) {
			xs = append(xs, selNode{sels[name]})
		}
	}
	switch {
	case len(xs) == 0:
		return nil, invalidf("%q matches no search identifier", e.pattern)
	case e.n > len(xs):
		return nil, invalidf("%q names %d search identifiers, fewer than %d", e.pattern, len(xs), e.n)
	case e.n == 0 || e.n == len(xs):
		return andNode{byCost(xs)}, nil
	case e.n == 1:
		return orNode{byCost(xs)}, nil
	}
	return atLeastNode{n: e.n, xs: xs}, nil
}
