package web_test

// A tiny CSS selector engine over golang.org/x/net/html, enough for tests:
// type, #id, .class and [attr], [attr=value], [attr^=value], [attr$=value],
// [attr*=value]
// compounds, joined by descendant (space) or child (>) combinators.

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
)

type attrTest struct {
	name, op, value string
}

type compound struct {
	tag     string
	id      string
	classes []string
	attrs   []attrTest
	child   bool // joined to the previous compound by ">"
}

// parseSelector reads a selector; it panics on syntax it does not know,
// which is a bug in the test.
func parseSelector(sel string) []compound {
	var out []compound
	child := false
	for _, tok := range tokenize(sel) {
		if tok == ">" {
			child = true
			continue
		}
		c := parseCompound(tok)
		c.child = child
		child = false
		out = append(out, c)
	}
	return out
}

// tokenize splits on spaces and ">" outside brackets and quotes.
func tokenize(sel string) []string {
	var toks []string
	var cur strings.Builder
	depth, quote := 0, rune(0)
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range sel {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote = r
			cur.WriteRune(r)
		case r == '[':
			depth++
			cur.WriteRune(r)
		case r == ']':
			depth--
			cur.WriteRune(r)
		case depth == 0 && r == ' ':
			flush()
		case depth == 0 && r == '>':
			flush()
			toks = append(toks, ">")
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return toks
}

func parseCompound(s string) compound {
	var c compound
	for s != "" {
		switch s[0] {
		case '#', '.':
			end := strings.IndexAny(s[1:], "#.[")
			if end < 0 {
				end = len(s) - 1
			}
			name := s[1 : end+1]
			if s[0] == '#' {
				c.id = name
			} else {
				c.classes = append(c.classes, name)
			}
			s = s[end+1:]
		case '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				panic(fmt.Sprintf("selector %q: unclosed [", s))
			}
			c.attrs = append(c.attrs, parseAttr(s[1:end]))
			s = s[end+1:]
		default:
			end := strings.IndexAny(s, "#.[")
			if end < 0 {
				end = len(s)
			}
			c.tag, s = s[:end], s[end:]
		}
	}
	return c
}

func parseAttr(s string) attrTest {
	for _, op := range []string{"^=", "$=", "*=", "="} {
		if name, value, ok := strings.Cut(s, op); ok {
			return attrTest{name: name, op: op, value: strings.Trim(value, `"'`)}
		}
	}
	return attrTest{name: s}
}

func (c compound) matches(n *html.Node) bool {
	if n.Type != html.ElementNode || (c.tag != "" && c.tag != "*" && n.Data != c.tag) {
		return false
	}
	if c.id != "" && attr(n, "id") != c.id {
		return false
	}
	classes := strings.Fields(attr(n, "class"))
	for _, cl := range c.classes {
		if !contains(classes, cl) {
			return false
		}
	}
	for _, a := range c.attrs {
		v, ok := attrOK(n, a.name)
		switch {
		case !ok:
			return false
		case a.op == "=" && v != a.value,
			a.op == "^=" && !strings.HasPrefix(v, a.value),
			a.op == "$=" && !strings.HasSuffix(v, a.value),
			a.op == "*=" && !strings.Contains(v, a.value):
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// matchChain reports whether n matches the last compound of chain, with its
// ancestors matching the rest.
func matchChain(n *html.Node, chain []compound) bool {
	last := chain[len(chain)-1]
	if !last.matches(n) {
		return false
	}
	if len(chain) == 1 {
		return true
	}
	rest := chain[:len(chain)-1]
	if last.child {
		return n.Parent != nil && matchChain(n.Parent, rest)
	}
	for p := n.Parent; p != nil; p = p.Parent {
		if matchChain(p, rest) {
			return true
		}
	}
	return false
}

// queryAll returns the elements under root matching sel, in document order.
func queryAll(root *html.Node, sel string) []*html.Node {
	chain := parseSelector(sel)
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if matchChain(n, chain) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

func attrOK(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

func attr(n *html.Node, name string) string {
	v, _ := attrOK(n, name)
	return v
}

// text is the text content of n, with runs of space collapsed.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}
