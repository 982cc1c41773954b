// Package stix reads STIX 2.1 (and 2.0) JSON — a bundle, a bare object or
// an array of objects — and parses the STIX patterning language, to turn
// indicators into intel indicators.
//
// An indicator's pattern is parsed in full (Parse, after STIXPattern.g4 and
// section 9 of the specification), then each top-level OR branch, across
// observation expressions and across the comparisons inside one, gives
// indicators when it is a single equality, an IN over a set, or an
// ISSUBSET of an address or prefix, on ipv4-addr:value, ipv6-addr:value,
// domain-name:value, url:value, email-addr:value or file:hashes.MD5 /
// SHA-1 / SHA-256. Any other branch — AND, FOLLOWEDBY, a qualifier, another
// operator, another object path, an invalid value — is skipped and counted
// by reason; a pattern that does not parse is skipped as "bad_pattern" with
// the parse error in the note. An indicator's TLP comes from its
// object_marking_refs (see marking.go); Options.Defaults fills what the
// document does not say.
//
// Invariants: the package is pure (no I/O beyond the io.Reader given);
// documents are bounded by Options.MaxBytes and patterns by MaxPatternLen
// and MaxDepth; malformed input gives an *errs.Error (documents) or a
// *SyntaxError (patterns), never a panic; Parse(p.String()) prints as
// p.String(); every indicator returned is canonical (intel.Canonical) and
// marked.
package stix
