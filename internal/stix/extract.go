package stix

// This file turns a parsed pattern into the observables Khiên can match:
// each top-level OR branch (of observation expressions, and of comparisons
// inside one observation) that is a single equality, an IN over a set, or
// an ISSUBSET of an address or prefix, on a supported object path, gives
// indicators; every other branch is skipped with a reason.

import (
	"strings"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/intel"
)

// Reasons a pattern branch or a whole object gives no indicator; they are
// the keys of intel.ImportResult.Skipped.
const (
	ReasonBadPattern   = "bad_pattern"          // the pattern does not parse (the note has the error)
	ReasonPatternType  = "pattern_type"         // not a STIX pattern (":sigma", ":snort" … is appended)
	ReasonAnd          = "compound_and"         // AND of comparisons or of observations
	ReasonFollowedBy   = "followedby"           // FOLLOWEDBY between observations
	ReasonQualifier    = "qualifier"            // WITHIN, REPEATS or START/STOP
	ReasonOperator     = "unsupported_operator" // LIKE, MATCHES, !=, <, >, ISSUPERSET, EXISTS, NOT …
	ReasonObject       = "unsupported_object"   // an object type or property with no indicator type
	ReasonBadValue     = "bad_value"            // the constant is not a valid value of its type
	ReasonRevoked      = "revoked"              // a revoked indicator
	ReasonNotIndicator = "not_indicator"        // an SDO, SRO or meta object other than an indicator
	ReasonObservable   = "observable"           // an SCO or observed-data, read only with Options.Observables
	ReasonBadObject    = "bad_object"           // an object that does not decode
)

// Observable is a value a pattern names, in canonical form.
type Observable struct {
	Type  intel.Type
	Value string
}

// Skip is a pattern branch that gives no indicator.
type Skip struct {
	Reason string
	Detail string // the branch as text, or the error
}

// Extract returns the observables of p's usable branches and a Skip for
// each other branch.
func Extract(p *Pattern) ([]Observable, []Skip) {
	var obs []Observable
	var skips []Skip
	for _, b := range orBranches(p.Root, nil) {
		switch e := b.(type) {
		case *Qualified:
			skips = append(skips, Skip{ReasonQualifier, clip(e.String())})
		case *ObsOp:
			reason := ReasonAnd
			if e.Op == "FOLLOWEDBY" {
				reason = ReasonFollowedBy
			}
			skips = append(skips, Skip{reason, clip(e.String())})
		case *Observation:
			for _, c := range condBranches(e.Cond, nil) {
				o, s := comparison(c)
				obs, skips = append(obs, o...), append(skips, s...)
			}
		}
	}
	return obs, skips
}

// orBranches flattens OR between observation expressions.
func orBranches(e Expr, out []Expr) []Expr {
	if op, ok := e.(*ObsOp); ok && op.Op == "OR" {
		for _, x := range op.Operands {
			out = orBranches(x, out)
		}
		return out
	}
	return append(out, e)
}

// condBranches flattens OR between comparison expressions.
func condBranches(c Cond, out []Cond) []Cond {
	if op, ok := c.(*CondOp); ok && op.Op == "OR" {
		for _, x := range op.Operands {
			out = condBranches(x, out)
		}
		return out
	}
	return append(out, c)
}

// comparison converts one OR branch inside an observation.
func comparison(c Cond) ([]Observable, []Skip) {
	cmp, ok := c.(*Comparison)
	if !ok {
		return nil, []Skip{{ReasonAnd, clip(c.String())}}
	}
	t := pathType(cmp.Path)
	if t == "" {
		return nil, []Skip{{ReasonObject, clip(cmp.Path.String())}}
	}
	var values []Literal
	switch {
	case cmp.Not:
	case cmp.Op == "=":
		values = []Literal{cmp.Value}
	case cmp.Op == "IN":
		values = cmp.Set
	case cmp.Op == "ISSUBSET" && (t == intel.TypeIPv4 || t == intel.TypeIPv6):
		values = []Literal{cmp.Value}
	}
	if values == nil {
		return nil, []Skip{{ReasonOperator, clip(cmp.String())}}
	}
	var obs []Observable
	var skips []Skip
	for _, v := range values {
		if v.Kind != LitString {
			skips = append(skips, Skip{ReasonBadValue, clip(cmp.Path.String() + " compared with " + v.String())})
			continue
		}
		nt, cv, err := intel.Normalize(t, v.Str)
		if err != nil {
			skips = append(skips, Skip{ReasonBadValue, clip(err.Error())})
			continue
		}
		obs = append(obs, Observable{Type: nt, Value: cv})
	}
	return obs, skips
}

// valueTypes are the SCO types whose value property is an indicator.
var valueTypes = map[string]intel.Type{
	"ipv4-addr": intel.TypeIPv4, "ipv6-addr": intel.TypeIPv6, "domain-name": intel.TypeDomain,
	"url": intel.TypeURL, "email-addr": intel.TypeEmail,
}

// pathType returns the indicator type of an object path, or "".
func pathType(p Path) intel.Type {
	s := p.Steps
	switch {
	case len(s) == 1 && !s[0].IsIndex && s[0].Key == "value":
		return valueTypes[p.ObjectType]
	case p.ObjectType == "file" && len(s) == 2 && s[0].Key == "hashes" && !s[0].IsIndex && !s[1].IsIndex:
		return hashType(s[1].Key)
	}
	return ""
}

// hashType maps a hashes key ("MD5", "SHA-1", "SHA-256", any case) to a type.
func hashType(key string) intel.Type {
	k := strings.NewReplacer("-", "", "_", "").Replace(strings.ToUpper(key))
	return map[string]intel.Type{"MD5": intel.TypeMD5, "SHA1": intel.TypeSHA1, "SHA256": intel.TypeSHA256}[k]
}

// clip shortens text quoted in a note.
func clip(s string) string { return clipN(s, 200) }

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
