package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"

	"github.com/khien-cert/khien/internal/errs"
)

// Stable codes of the errors this package returns.
const (
	CodeInvalid     = "sigma.invalid_rule" // the rule breaks the specification
	CodeUnsupported = "sigma.unsupported"  // valid Sigma this engine does not run
)

// ErrUnsupported is wrapped by every error about valid Sigma that this engine
// does not run (aggregations, correlations, placeholders …):
// errors.Is(err, ErrUnsupported).
var ErrUnsupported = errors.New("sigma: unsupported")

// maxRuleBytes bounds one rule file; SigmaHQ's largest is about 30 KiB.
const maxRuleBytes = 1 << 20

// Logsource says which events a rule is written for.
type Logsource struct {
	Product  string `yaml:"product"`
	Category string `yaml:"category"`
	Service  string `yaml:"service"`
}

// Rule is one compiled Sigma detection rule. A Rule is immutable once
// parsed and safe for concurrent use; callers must not modify its fields.
type Rule struct {
	ID             string
	Title          string
	Status         string // stable, test, experimental, deprecated, unsupported
	Level          string // informational, low, medium, high, critical
	Description    string
	Tags           []string
	FalsePositives []string
	Logsource      Logsource
	Path           string // the file it came from, set by LoadDir

	cond   node
	filter filter
	fields []fieldRef // the distinct fields the rule reads, by slot
}

// ruleYAML is the part of the document read into plain Go values.
type ruleYAML struct {
	Title          string    `yaml:"title"`
	ID             string    `yaml:"id"`
	Status         string    `yaml:"status"`
	Level          string    `yaml:"level"`
	Description    string    `yaml:"description"`
	Tags           []string  `yaml:"tags"`
	FalsePositives []string  `yaml:"falsepositives"`
	Logsource      Logsource `yaml:"logsource"`
	Detection      yaml.Node `yaml:"detection"`
	Correlation    yaml.Node `yaml:"correlation"`
	Filter         yaml.Node `yaml:"filter"`
}

// ParseRule parses and compiles one Sigma rule (a single YAML document).
// Errors are *errs.Error of KindInvalid with code CodeInvalid, or
// CodeUnsupported (wrapping ErrUnsupported) for valid Sigma this engine
// does not run.
func ParseRule(b []byte) (*Rule, error) {
	docs, err := splitDocuments(b)
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 {
		return nil, invalidf("want one YAML document, found %d", len(docs))
	}
	return compileDocument(docs[0])
}

// splitDocuments reads every YAML document in b.
func splitDocuments(b []byte) ([]*yaml.Node, error) {
	if len(b) > maxRuleBytes {
		return nil, invalidf("rule file is larger than %d bytes", maxRuleBytes)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, invalidf("YAML: %v", err)
		}
		docs = append(docs, &n)
	}
}

// compileDocument turns one YAML document into a Rule.
func compileDocument(doc *yaml.Node) (r *Rule, err error) {
	defer func() {
		// The YAML library and deeply nested input must never take the
		// process down; a panic here is a bug reported as a bad rule.
		if p := recover(); p != nil {
			r, err = nil, invalidf("internal error while compiling: %v", p)
		}
	}()
	var y ruleYAML
	if err := doc.Decode(&y); err != nil {
		return nil, invalidf("YAML: %v", err)
	}
	switch {
	case !y.Correlation.IsZero():
		return nil, unsupportedf("correlation rules")
	case !y.Filter.IsZero():
		return nil, unsupportedf("meta filters")
	case y.Title == "":
		return nil, invalidf("title is missing")
	case y.Detection.Kind != yaml.MappingNode:
		return nil, invalidf("detection is missing or not a map")
	}
	r = &Rule{
		ID: y.ID, Title: y.Title, Status: y.Status, Level: y.Level,
		Description: y.Description, Tags: y.Tags, FalsePositives: y.FalsePositives,
		Logsource: y.Logsource,
	}
	r.filter = newFilter(y.Logsource)
	fields := newFieldMapper(y.Logsource)
	r.cond, err = compileDetection(&y.Detection, fields)
	if err != nil {
		return nil, err
	}
	r.fields = fields.refs
	return r, nil
}

func invalidf(format string, args ...any) *errs.Error {
	msg := fmt.Sprintf(format, args...)
	return errs.Invalid(CodeInvalid, msg, errs.Field("rule", CodeInvalid, msg))
}

func unsupportedf(format string, args ...any) *errs.Error {
	msg := "unsupported: " + fmt.Sprintf(format, args...)
	e := errs.Invalid(CodeUnsupported, msg, errs.Field("rule", CodeUnsupported, msg))
	e.Err = ErrUnsupported
	return e
}

// within prefixes an error's message with where in the rule it arose.
func within(err error, format string, args ...any) error {
	e, ok := errors.AsType[*errs.Error](err)
	if !ok {
		return err
	}
	c := *e
	c.Public = fmt.Sprintf(format, args...) + ": " + e.Public
	c.Fields = []errs.FieldError{errs.Field("rule", e.Code, c.Public)}
	return &c
}
