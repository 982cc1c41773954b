package sigma

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/event"
)

// Match evaluates the rule's detection on ev, without looking at the
// logsource (see AppliesTo). It returns the first matched field and value
// in evaluation order; both are empty when the match has no positive field
// (a condition that is only a negation). Unlike RuleSet.Match it allocates
// a little per call.
func (r *Rule) Match(ev *event.Event) (field, value string, ok bool) {
	c := &evalCtx{cache: make([]cacheEntry, len(r.fields)), xlate: make([]int, len(r.fields))}
	for i := range c.xlate {
		c.xlate[i] = i
	}
	c.start(ev)
	ok, h := r.cond.eval(c)
	return h.field, h.value, ok
}

// AppliesTo reports whether the rule's logsource fits the event (see the
// package documentation for the rules).
func (r *Rule) AppliesTo(ev *event.Event) bool { return r.filter.accepts(ev) }

// LoadError names a rule file that did not load and why. Err is an
// *errs.Error; errors.Is(Err, ErrUnsupported) for valid Sigma this engine
// does not run.
type LoadError struct {
	Path string
	Err  error
}

func (e LoadError) Error() string { return e.Path + ": " + e.Reason() }
func (e LoadError) Unwrap() error { return e.Err }

// Reason is the public message of the error, without the file name.
func (e LoadError) Reason() string {
	if pe, ok := errors.AsType[*errs.Error](e.Err); ok {
		return pe.Public
	}
	return e.Err.Error()
}

// Unsupported reports whether the rule is valid Sigma that the engine does
// not run, as opposed to a broken rule.
func (e LoadError) Unsupported() bool { return errors.Is(e.Err, ErrUnsupported) }

// RuleSet is an immutable set of rules, indexed by the event format and
// kind they apply to. It is safe for concurrent use.
type RuleSet struct {
	rules []*Rule
	byKey map[indexKey][]entry // every (format, kind) pair a rule names, plus the "other" stand-ins
	ctx   ctxPool
}

// entry is a rule with its fields' slots in the set's field cache.
type entry struct {
	r     *Rule
	xlate []int
}

type indexKey struct {
	format event.Format
	kind   string
}

// otherFormat and otherKind stand for every format and Kind no rule names.
const (
	otherFormat event.Format = "\x00other"
	otherKind   string       = "\x00other"
)

// NewRuleSet indexes rules. Every rule must have a non-empty ID, unique in
// the set.
func NewRuleSet(rules ...*Rule) (*RuleSet, error) {
	seen := map[string]bool{}
	for _, r := range rules {
		if r.ID == "" {
			return nil, invalidf("rule %q has no id", r.Title)
		}
		if seen[r.ID] {
			return nil, invalidf("rule id %s appears twice", r.ID)
		}
		seen[r.ID] = true
	}
	return index(rules), nil
}

// index builds the RuleSet of rules whose ids are known to be unique: for
// each format and kind, the rules whose logsource accepts them, in order.
func index(rules []*Rule) *RuleSet {
	rs := &RuleSet{rules: slices.Clone(rules), byKey: map[indexKey][]entry{}}
	slots := &slotTable{byKey: map[string]int{}}
	entries := make([]entry, len(rules))
	for i, r := range rules {
		entries[i] = entry{r: r, xlate: slots.translate(r)}
	}
	rs.ctx.slots = len(slots.bySlot)
	formats := []event.Format{otherFormat}
	kinds := []string{"", otherKind}
	for _, r := range rules {
		for _, f := range r.filter.formats {
			if !slices.Contains(formats, f) {
				formats = append(formats, f)
			}
		}
		for _, k := range r.filter.kinds {
			if !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
	}
	for _, f := range formats {
		for _, k := range kinds {
			bucket := []entry{}
			for _, e := range entries {
				if e.r.filter.acceptsFormatKind(f, k) {
					bucket = append(bucket, e)
				}
			}
			rs.byKey[indexKey{f, k}] = bucket
		}
	}
	return rs
}

// Rules returns the rules in load order.
func (rs *RuleSet) Rules() []*Rule { return slices.Clone(rs.rules) }

// Len is the number of rules.
func (rs *RuleSet) Len() int { return len(rs.rules) }

// candidates returns the rules whose format and kind fit ev.
func (rs *RuleSet) candidates(ev *event.Event) []entry {
	f := ev.Format
	if _, known := rs.byKey[indexKey{f, otherKind}]; !known {
		f = otherFormat
	}
	if c, ok := rs.byKey[indexKey{f, ev.Kind}]; ok {
		return c
	}
	return rs.byKey[indexKey{f, otherKind}]
}

// Match calls fn, in load order, for every rule that applies to ev and
// matches it, with the first matched field and value.
func (rs *RuleSet) Match(ev *event.Event, fn func(r *Rule, field, value string)) {
	c := rs.ctx.get()
	defer rs.ctx.put(c)
	c.start(ev)
	for _, e := range rs.candidates(ev) {
		if !e.r.filter.acceptsService(ev) {
			continue
		}
		c.xlate = e.xlate
		if ok, h := e.r.cond.eval(c); ok {
			fn(e.r, h.field, h.value)
		}
	}
}

// LoadDir loads every .yml and .yaml file under root in fsys, in lexical
// order. A file may hold several YAML documents, each a rule. A rule that
// does not load — broken, unsupported, or whose id repeats an earlier
// rule's — is reported as a LoadError and the others load.
func LoadDir(fsys fs.FS, root string) (*RuleSet, []LoadError) {
	var rules []*Rule
	var errs []LoadError
	seen := map[string]string{}
	walkErr := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, LoadError{Path: p, Err: invalidf("cannot read: %v", err)})
			return nil
		}
		ext := strings.ToLower(path.Ext(p))
		if d.IsDir() || ext != ".yml" && ext != ".yaml" {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			errs = append(errs, LoadError{Path: p, Err: invalidf("cannot read: %v", err)})
			return nil
		}
		for _, r := range loadFile(p, b, &errs) {
			if first, dup := seen[r.ID]; dup {
				errs = append(errs, LoadError{Path: p, Err: invalidf("rule id %s already loaded from %s", r.ID, first)})
				continue
			}
			seen[r.ID] = p
			rules = append(rules, r)
		}
		return nil
	})
	if walkErr != nil {
		errs = append(errs, LoadError{Path: root, Err: invalidf("cannot walk: %v", walkErr)})
	}
	return index(rules), errs
}

// loadFile parses every document of one file.
func loadFile(p string, b []byte, errs *[]LoadError) []*Rule {
	docs, err := splitDocuments(b)
	if err != nil {
		*errs = append(*errs, LoadError{Path: p, Err: err})
		return nil
	}
	var out []*Rule
	for i, doc := range docs {
		where := p
		if len(docs) > 1 {
			where = fmt.Sprintf("%s#%d", p, i+1)
		}
		r, err := compileDocument(doc)
		if err == nil && r.ID == "" {
			err = invalidf("rule has no id")
		}
		if err != nil {
			*errs = append(*errs, LoadError{Path: where, Err: err})
			continue
		}
		r.Path = where
		out = append(out, r)
	}
	return out
}
