// Package sigma is Khiên's Sigma rule engine: it parses SigmaHQ detection
// rules (specification v2.1.0, ../shared/specs/sigma), compiles each one to a
// matcher over *event.Event, and runs a set of them on every event. The
// server's detection workers and the offline `khien detect` command use the
// same RuleSet, so a rule author sees what the server will alert on.
//
// The package is pure: it reads rules from []byte or an fs.FS and events from
// memory, and does no other I/O.
//
// # Invariants
//
//   - A *Rule and a *RuleSet are immutable after ParseRule / LoadDir /
//     NewRuleSet return, and safe for concurrent use.
//   - Every rule in a RuleSet has a non-empty id, unique in the set.
//   - RuleSet.Match does not allocate on the common paths (equality,
//     prefix, suffix and substring tests): patterns are parsed, folded to
//     lower case and compiled once, regular expressions too, and each field
//     an event is asked for is looked up once per event, whatever the number
//     of rules that read it, in a cache taken from a sync.Pool (evalctx.go).
//   - Errors are *errs.Error of KindInvalid: code CodeInvalid for broken
//     rules, CodeUnsupported (wrapping ErrUnsupported) for valid Sigma that
//     is not run — aggregations and `near`, correlation rules and meta
//     filters, placeholders (`expand`), time modifiers, and regular
//     expressions Go's RE2 cannot compile (look-around, back-references).
//     A bad rule never stops the others from loading.
//
// # Matching semantics
//
// Values are case-insensitive unless `cased`; `re` is case-sensitive unless
// `re|i`. Case folding is ASCII; a value with a non-ASCII letter that has a
// case is matched through a case-insensitive regular expression instead.
// (Two oddities are therefore not folded: the Kelvin sign K and the long s ſ
// do not match k and s.) A list of values is OR unless `all`. `null` matches
// a missing or empty field; an empty string matches an empty field only.
// `exists` tests presence. `neq` matches when the field is missing or
// equals none of the values. Numbers and booleans compare as the text
// written in the rule (`EventID: 4688` equals "4688", `Signed: true` equals
// "True"). A field the decoder flattened from an array (name.0, name.1 …)
// matches when one of its first 16 elements does.
// Keywords (a list of plain values, or `'|all':`) match, as substrings,
// any value in Event.Fields. `fieldref` compares with another field of the
// same event (equality, or with contains/startswith/endswith).
//
// Transformation modifiers (windash, base64, base64offset, utf16le, utf16be,
// utf16, wide) apply in rule order to the literal value; contains,
// startswith and endswith then add their wildcards wherever they stand in
// the chain. windash expands a dash or slash that starts a command-line flag
// (after a non-word character, before a word character) into `-`, `/`, and
// the en dash, em dash and horizontal bar.
//
// The hit reported for a matching rule is the first field, in evaluation
// order, whose value made a positive (not negated) search identifier match.
// Evaluation tries cheap tests first, so this is the cheapest such field;
// for keywords it is whichever field Go's map iteration met first.
//
// Field names are looked up in Event.Fields as written, then through a
// mapping chosen by the rule's logsource (fieldmap.go); which events a rule
// runs on at all is decided by its logsource (logsource.go). Both tables are
// documented where they are defined.
package sigma
