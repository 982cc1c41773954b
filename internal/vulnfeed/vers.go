package vulnfeed

import (
	"strings"

	"github.com/khien-cert/khien/internal/advisory"
)

// ParseVers reads a version range specifier ("vers:npm/>=1.0.0|<2.0.1",
// the purl project's VERS) into ranges and exact versions in the scheme its
// versioning scheme maps to. Constraints are read in order: a lower bound
// opens a range, the next upper bound closes it; "=" (or a bare version)
// names one version; "*" is every version. "!=" exclusions cannot be
// expressed as ranges and are reported as an error.
func ParseVers(s string) (ranges []advisory.Range, versions []string, err error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, "vers:")
	if !ok {
		return nil, nil, invalid("version range %q: want vers:scheme/constraints", s)
	}
	typ, cons, ok := strings.Cut(rest, "/")
	if !ok || typ == "" || strings.TrimSpace(cons) == "" {
		return nil, nil, invalid("version range %q: want vers:scheme/constraints", s)
	}
	scheme := SchemeForVers(typ)
	if scheme == "" {
		return nil, nil, invalid("version range %q: versioning scheme %q cannot be compared", s, typ)
	}
	var open *advisory.Range
	for c := range strings.SplitSeq(cons, "|") {
		c = strings.TrimSpace(c)
		if c == "" {
			return nil, nil, invalid("version range %q: empty constraint", s)
		}
		if c == "*" {
			ranges = append(ranges, advisory.Range{Scheme: scheme})
			continue
		}
		op, v := splitOp(c)
		if v == "" {
			return nil, nil, invalid("version range %q: constraint %q has no version", s, c)
		}
		switch op {
		case ">=", ">":
			if open != nil {
				ranges = append(ranges, *open)
			}
			open = &advisory.Range{Scheme: scheme, Lower: v, LowerInclusive: op == ">="}
		case "<=", "<":
			r := advisory.Range{Scheme: scheme}
			if open != nil {
				r = *open
				open = nil
			}
			r.Upper, r.UpperInclusive = v, op == "<="
			ranges = append(ranges, r)
		case "=", "":
			versions = append(versions, v)
		case "!=":
			return nil, nil, invalid("version range %q: exclusion %q is not supported", s, c)
		default:
			return nil, nil, invalid("version range %q: unknown operator in %q", s, c)
		}
	}
	if open != nil {
		ranges = append(ranges, *open)
	}
	return ranges, versions, nil
}

// splitOp splits a comparator off a version: ">=1.2" → (">=", "1.2").
func splitOp(c string) (op, v string) {
	for _, o := range []string{">=", "<=", "!=", ">", "<", "="} {
		if rest, ok := strings.CutPrefix(c, o); ok {
			return o, strings.TrimSpace(rest)
		}
	}
	return "", strings.TrimSpace(c)
}

// ParseComparators reads GitHub-style comparator lists such as
// ">= 2.0.0, < 2.0.7" or "< 1.26.18" (seen in CVE records' version field)
// into one range. ok is false when s is not such a list.
func ParseComparators(s, scheme string) (r advisory.Range, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || !strings.ContainsAny(s[:1], "<>=") {
		return r, false
	}
	r.Scheme = scheme
	for part := range strings.SplitSeq(s, ",") {
		op, v := splitOp(strings.TrimSpace(part))
		if v == "" || strings.ContainsAny(v, " <>") {
			return advisory.Range{}, false
		}
		switch op {
		case ">=", ">":
			r.Lower, r.LowerInclusive = v, op == ">="
		case "<=", "<":
			r.Upper, r.UpperInclusive = v, op == "<="
		case "=":
			r.Lower, r.LowerInclusive, r.Upper, r.UpperInclusive = v, true, v, true
		default:
			return advisory.Range{}, false
		}
	}
	return r, true
}
