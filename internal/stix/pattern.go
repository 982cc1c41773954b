package stix

// This file parses the STIX patterning language (STIX 2.1 section 9, grammar
// STIXPattern.g4) into a tree. Precedence, loosest first: FOLLOWEDBY, OR,
// AND between observation expressions; qualifiers bind to the observation
// expression just before them; inside brackets OR is looser than AND.
// Chains of one operator become one n-ary node; parentheses leave no node of
// their own. Nesting is bounded by MaxDepth and the text by MaxPatternLen.

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Bounds of Parse.
const (
	MaxPatternLen = 1 << 20
	MaxDepth      = 64
)

// SyntaxError is why a pattern does not parse, and where.
type SyntaxError struct {
	Pos int // byte offset in the pattern
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("position %d: %s", e.Pos, e.Msg) }

// Pattern is a parsed STIX pattern.
type Pattern struct {
	Root Expr
}

// Expr is an observation expression: *Observation, *ObsOp or *Qualified.
type Expr interface {
	fmt.Stringer
	isExpr()
}

// Observation is one bracketed observation, [ Cond ].
type Observation struct{ Cond Cond }

// ObsOp joins two or more observation expressions with "AND", "OR" or
// "FOLLOWEDBY".
type ObsOp struct {
	Op       string
	Operands []Expr
}

// Qualified is an observation expression restricted by a qualifier.
type Qualified struct {
	Expr      Expr
	Qualifier Qualifier
}

// Qualifier is WITHIN n SECONDS, REPEATS n TIMES or START t STOP t.
type Qualifier struct {
	Kind        string // "WITHIN", "REPEATS", "START"
	Number      string // the n of WITHIN or REPEATS, as written
	Start, Stop time.Time
	startText   string
	stopText    string
}

// Cond is a comparison expression: *Comparison or *CondOp.
type Cond interface {
	fmt.Stringer
	isCond()
}

// CondOp joins two or more comparison expressions with "AND" or "OR".
type CondOp struct {
	Op       string
	Operands []Cond
}

// Comparison tests one property: Path Op Value, Path IN Set, or EXISTS Path.
type Comparison struct {
	Path  Path
	Not   bool   // the NOT modifier
	Op    string // = != < <= > >= IN LIKE MATCHES ISSUBSET ISSUPERSET EXISTS ("==" reads as "=", "<>" as "!=")
	Value Literal
	Set   []Literal // for IN
}

// Path is an object path: ObjectType:Steps[0].Steps[1]….
type Path struct {
	ObjectType string
	Steps      []Step
}

// Step is a property name or a list index ([n] or [*]).
type Step struct {
	Key     string
	IsIndex bool
	Index   int64
	Star    bool
}

// LiteralKind is the type of a constant.
type LiteralKind uint8

const (
	LitString LiteralKind = iota + 1
	LitInt
	LitFloat
	LitBool
	LitHex
	LitBinary
	LitTimestamp
)

// Literal is a constant; Str is the value of a string (or the content of a
// hex, binary or timestamp literal), Raw the text as written.
type Literal struct {
	Kind LiteralKind
	Str  string
	Raw  string
}

func (*Observation) isExpr() {}
func (*ObsOp) isExpr()       {}
func (*Qualified) isExpr()   {}
func (*CondOp) isCond()      {}
func (*Comparison) isCond()  {}

type parser struct {
	lx    lexer
	tok   token
	depth int
}

// Parse parses a STIX pattern. The error is a *SyntaxError.
func Parse(s string) (*Pattern, error) {
	if len(s) > MaxPatternLen {
		return nil, &SyntaxError{Msg: fmt.Sprintf("the pattern is longer than %d bytes", MaxPatternLen)}
	}
	p := &parser{lx: lexer{src: s}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	root, err := p.followedBy()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("the end of the pattern")
	}
	return &Pattern{Root: root}, nil
}

func (p *parser) advance() (err error) {
	p.tok, err = p.lx.next()
	return err
}

func (p *parser) unexpected(want string) error {
	got := p.tok.text
	switch {
	case p.tok.kind == tEOF:
		got = "the end of the pattern"
	case got == "":
		got = "a literal"
	default:
		got = strconv.Quote(got)
	}
	return &SyntaxError{Pos: p.tok.pos, Msg: fmt.Sprintf("want %s, found %s", want, got)}
}

func (p *parser) is(kind tokKind, text string) bool { return p.tok.kind == kind && p.tok.text == text }

func (p *parser) expect(kind tokKind, text string) error {
	if !p.is(kind, text) {
		return p.unexpected(strconv.Quote(text))
	}
	return p.advance()
}

// enter bounds nesting of brackets and parentheses.
func (p *parser) enter() error {
	if p.depth++; p.depth > MaxDepth {
		return &SyntaxError{Pos: p.tok.pos, Msg: fmt.Sprintf("nested deeper than %d", MaxDepth)}
	}
	return nil
}

// chain parses operands joined by keyword op into one node.
func chain[T any](p *parser, op string, operand func() (T, error), join func([]T) T) (T, error) {
	first, err := operand()
	if err != nil || !p.is(tKeyword, op) {
		return first, err
	}
	items := []T{first}
	for p.is(tKeyword, op) {
		if err := p.advance(); err != nil {
			return first, err
		}
		next, err := operand()
		if err != nil {
			return first, err
		}
		items = append(items, next)
	}
	return join(items), nil
}

func (p *parser) followedBy() (Expr, error) {
	return chain(p, "FOLLOWEDBY", p.obsOr, func(e []Expr) Expr { return &ObsOp{Op: "FOLLOWEDBY", Operands: e} })
}

func (p *parser) obsOr() (Expr, error) {
	return chain(p, "OR", p.obsAnd, func(e []Expr) Expr { return &ObsOp{Op: "OR", Operands: e} })
}

func (p *parser) obsAnd() (Expr, error) {
	return chain(p, "AND", p.qualified, func(e []Expr) Expr { return &ObsOp{Op: "AND", Operands: e} })
}

// qualified parses an observation expression and its qualifiers.
func (p *parser) qualified() (Expr, error) {
	e, err := p.obsPrimary()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for p.tok.kind == tKeyword && (p.tok.text == "WITHIN" || p.tok.text == "REPEATS" || p.tok.text == "START") {
		pos := p.tok.pos
		q, err := p.qualifier()
		if err != nil {
			return nil, err
		}
		if seen[q.Kind] {
			return nil, &SyntaxError{Pos: pos, Msg: "a second " + q.Kind + " qualifier on one observation expression"}
		}
		seen[q.Kind] = true
		e = &Qualified{Expr: e, Qualifier: q}
	}
	return e, nil
}

func (p *parser) obsPrimary() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	switch {
	case p.is(tPunct, "["):
		if err := p.advance(); err != nil {
			return nil, err
		}
		c, err := p.condOr()
		if err != nil {
			return nil, err
		}
		return &Observation{Cond: c}, p.expect(tPunct, "]")
	case p.is(tPunct, "("):
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.followedBy()
		if err != nil {
			return nil, err
		}
		return e, p.expect(tPunct, ")")
	}
	return nil, p.unexpected(`"[" or "("`)
}

// qualifier parses one qualifier at a WITHIN, REPEATS or START keyword.
func (p *parser) qualifier() (Qualifier, error) {
	q := Qualifier{Kind: p.tok.text}
	if err := p.advance(); err != nil {
		return q, err
	}
	switch q.Kind {
	case "WITHIN", "REPEATS":
		n := p.tok
		ok := n.kind == tInt || q.Kind == "WITHIN" && n.kind == tFloat
		if v, err := strconv.ParseFloat(n.text, 64); !ok || err != nil || v <= 0 {
			return q, p.unexpected("a positive number")
		}
		q.Number = strings.TrimPrefix(n.text, "+")
		if err := p.advance(); err != nil {
			return q, err
		}
		unit := map[string]string{"WITHIN": "SECONDS", "REPEATS": "TIMES"}[q.Kind]
		return q, p.expect(tKeyword, unit)
	}
	start, err := p.timestamp()
	if err != nil {
		return q, err
	}
	if err := p.expect(tKeyword, "STOP"); err != nil {
		return q, err
	}
	stop, err := p.timestamp()
	if err != nil {
		return q, err
	}
	q.startText, q.Start, q.stopText, q.Stop = start.str, mustTime(start.str), stop.str, mustTime(stop.str)
	if !q.Start.Before(q.Stop) {
		return q, &SyntaxError{Pos: stop.pos, Msg: "STOP is not after START"}
	}
	return q, nil
}

func mustTime(s string) time.Time { t, _ := parseTimestamp(s); return t }

func (p *parser) timestamp() (token, error) {
	t := p.tok
	if t.kind != tTimestamp {
		return t, p.unexpected("a timestamp t'…'")
	}
	return t, p.advance()
}

func (p *parser) condOr() (Cond, error) {
	return chain(p, "OR", p.condAnd, func(c []Cond) Cond { return &CondOp{Op: "OR", Operands: c} })
}

func (p *parser) condAnd() (Cond, error) {
	return chain(p, "AND", p.propTest, func(c []Cond) Cond { return &CondOp{Op: "AND", Operands: c} })
}

// propTest parses one comparison or a parenthesised comparison expression.
func (p *parser) propTest() (Cond, error) {
	if p.is(tPunct, "(") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		if err := p.advance(); err != nil {
			return nil, err
		}
		c, err := p.condOr()
		if err != nil {
			return nil, err
		}
		return c, p.expect(tPunct, ")")
	}
	c := &Comparison{}
	if p.is(tKeyword, "NOT") || p.is(tKeyword, "EXISTS") {
		c.Not = p.is(tKeyword, "NOT")
		if c.Not {
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if err := p.expect(tKeyword, "EXISTS"); err != nil {
			return nil, err
		}
		c.Op = "EXISTS"
		var err error
		c.Path, err = p.path()
		return c, err
	}
	var err error
	if c.Path, err = p.path(); err != nil {
		return nil, err
	}
	if p.is(tKeyword, "NOT") {
		c.Not = true
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	return c, p.operation(c)
}

// operation parses the operator and operand of a comparison.
func (p *parser) operation(c *Comparison) error {
	op := p.tok
	if op.kind != tOp && !(op.kind == tKeyword && strings.Contains(" IN LIKE MATCHES ISSUBSET ISSUPERSET ", " "+op.text+" ")) {
		return p.unexpected("a comparison operator")
	}
	c.Op = map[string]string{"==": "=", "<>": "!="}[op.text]
	if c.Op == "" {
		c.Op = op.text
	}
	if err := p.advance(); err != nil {
		return err
	}
	switch c.Op {
	case "IN":
		return p.set(c)
	case "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET":
		if p.tok.kind != tString {
			return p.unexpected("a string")
		}
	case "<", "<=", ">", ">=":
		if p.tok.kind == tBool {
			return p.unexpected("an orderable constant")
		}
	}
	var err error
	c.Value, err = p.literal()
	return err
}

// set parses ( literal, … ) after IN.
func (p *parser) set(c *Comparison) error {
	if err := p.expect(tPunct, "("); err != nil {
		return err
	}
	c.Set = []Literal{}
	for !p.is(tPunct, ")") {
		if len(c.Set) > 0 {
			if err := p.expect(tPunct, ","); err != nil {
				return err
			}
		}
		l, err := p.literal()
		if err != nil {
			return err
		}
		c.Set = append(c.Set, l)
	}
	return p.advance()
}

var literalKinds = map[tokKind]LiteralKind{
	tString: LitString, tInt: LitInt, tFloat: LitFloat, tBool: LitBool,
	tHex: LitHex, tBinary: LitBinary, tTimestamp: LitTimestamp,
}

func (p *parser) literal() (Literal, error) {
	k, ok := literalKinds[p.tok.kind]
	if !ok {
		return Literal{}, p.unexpected("a constant")
	}
	l := Literal{Kind: k, Str: p.tok.str, Raw: p.tok.text}
	return l, p.advance()
}

// path parses type:property followed by .key and [index] steps.
func (p *parser) path() (Path, error) {
	var path Path
	if p.tok.kind != tIdent && p.tok.kind != tIdentHyphen {
		return path, p.unexpected("an object type")
	}
	path.ObjectType = p.tok.text
	if err := p.advance(); err != nil {
		return path, err
	}
	if err := p.expect(tPunct, ":"); err != nil {
		return path, err
	}
	if err := p.key(&path); err != nil {
		return path, err
	}
	for {
		switch {
		case p.is(tPunct, "."):
			if err := p.advance(); err != nil {
				return path, err
			}
			if err := p.key(&path); err != nil {
				return path, err
			}
		case p.is(tPunct, "["):
			if err := p.index(&path); err != nil {
				return path, err
			}
		default:
			return path, nil
		}
	}
}

// key parses a property name: an identifier without hyphens or a string.
func (p *parser) key(path *Path) error {
	switch p.tok.kind {
	case tIdent:
		path.Steps = append(path.Steps, Step{Key: p.tok.text})
	case tString:
		path.Steps = append(path.Steps, Step{Key: p.tok.str})
	default:
		return p.unexpected("a property name")
	}
	return p.advance()
}

// index parses [n] or [*].
func (p *parser) index(path *Path) error {
	if err := p.advance(); err != nil {
		return err
	}
	s := Step{IsIndex: true}
	switch {
	case p.is(tPunct, "*"):
		s.Star = true
	case p.tok.kind == tInt:
		s.Index, _ = strconv.ParseInt(p.tok.text, 10, 64)
	default:
		return p.unexpected("a list index or *")
	}
	if err := p.advance(); err != nil {
		return err
	}
	path.Steps = append(path.Steps, s)
	return p.expect(tPunct, "]")
}
