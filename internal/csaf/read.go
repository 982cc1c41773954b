package csaf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	gocsaf "github.com/gocsaf/csaf/v3/csaf"

	"github.com/khien-cert/khien/internal/advisory"
)

// MaxDocument bounds the size of one CSAF document.
const MaxDocument = 32 << 20

// Problem is one reason a document fails validation: the test that failed
// ("schema", "json", or a mandatory test number such as "6.1.1"), where,
// and why.
type Problem struct {
	Test    string `json:"test"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	name := p.Test
	if t, ok := testNames[p.Test]; ok {
		name = t
		if strings.HasPrefix(p.Test, "6.") {
			name = p.Test + " " + t
		}
	}
	if p.Path != "" {
		return name + ": " + p.Path + ": " + p.Message
	}
	return name + ": " + p.Message
}

// InvalidError is a document that fails the schema or a mandatory test.
type InvalidError struct {
	Problems []Problem
}

func (e *InvalidError) Error() string {
	if len(e.Problems) == 0 {
		return "invalid CSAF document"
	}
	s := "invalid CSAF document: " + e.Problems[0].String()
	if n := len(e.Problems) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more)", n)
	}
	return s
}

// Problems returns the validation problems in err, if it is an InvalidError.
func Problems(err error) []Problem {
	if e, ok := errors.AsType[*InvalidError](err); ok {
		return e.Problems
	}
	return nil
}

func invalid(test, path, format string, a ...any) *InvalidError {
	return &InvalidError{Problems: []Problem{{Test: test, Path: path, Message: fmt.Sprintf(format, a...)}}}
}

// Decode reads exactly one JSON document: anything after it (the
// "trailing garbage" a truncated upload or a concatenation leaves) is an
// error, as is a document larger than MaxDocument.
func Decode(data []byte) (*Document, any, error) {
	if len(data) > MaxDocument {
		return nil, nil, invalid("json", "", "document of %d bytes is larger than %d", len(data), MaxDocument)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, nil, invalid("json", "", "not JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, invalid("json", "", "data after the end of the JSON document")
	}
	if _, ok := raw.(map[string]any); !ok {
		return nil, nil, invalid("json", "", "not a JSON object")
	}
	var doc Document
	if err := json.Unmarshal(data, &doc); err != nil {
		// The schema names the field; report its verdict instead when it
		// has one.
		if ps := schemaProblems(raw); len(ps) > 0 {
			return nil, nil, &InvalidError{Problems: ps}
		}
		return nil, nil, invalid("json", "", "%v", err)
	}
	return &doc, raw, nil
}

// Validate decodes data and runs the schema and the mandatory tests. It
// returns the document when it is valid, an *InvalidError listing every
// problem when it is not.
func Validate(data []byte) (*Document, error) {
	doc, raw, err := Decode(data)
	if err != nil {
		return nil, err
	}
	if v := doc.Document.CSAFVersion; v != "2.0" {
		return nil, invalid("schema", "/document/csaf_version", "CSAF version %q is not supported (want 2.0)", v)
	}
	ps := schemaProblems(raw)
	ps = append(ps, Mandatory(doc)...)
	if len(ps) > 0 {
		return nil, &InvalidError{Problems: ps}
	}
	return doc, nil
}

// schemaProblems validates raw against the CSAF 2.0 JSON schema.
func schemaProblems(raw any) []Problem {
	msgs, err := gocsaf.ValidateCSAF(raw)
	if err != nil {
		return []Problem{{Test: "schema", Message: "schema could not be applied: " + err.Error()}}
	}
	ps := make([]Problem, 0, len(msgs))
	for _, m := range msgs {
		if strings.HasSuffix(m, ": validation failed") && len(msgs) > 1 {
			continue // a parent of a more precise message
		}
		path, msg, ok := strings.Cut(m, ": ")
		if !ok {
			path, msg = "", m
		}
		ps = append(ps, Problem{Test: "schema", Path: path, Message: msg})
	}
	return ps
}

// Read validates one CSAF document and converts it into an advisory. Notes
// are what the conversion noticed but did not reject (a product without CPE
// or purl, a free-text version range it could not read).
func Read(data []byte) (advisory.Advisory, []string, error) {
	doc, err := Validate(data)
	if err != nil {
		return advisory.Advisory{}, nil, err
	}
	a, notes := Convert(doc)
	return a, notes, nil
}
