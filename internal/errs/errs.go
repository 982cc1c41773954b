// Package errs is Khiên's one error vocabulary.
//
// Domain packages return *Error values that carry a Kind (what went wrong, in
// terms a transport can map), a stable machine-readable Code such as
// "org.slug_taken", a Public message safe to show to the caller, optional
// per-field problems, and the underlying cause. Only internal/httpx turns a
// Kind into an HTTP status. The cause is never shown to users.
//
// The package depends on the standard library only.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for transports.
type Kind uint8

const (
	KindInternal        Kind = iota // unexpected; shown as a generic message
	KindInvalid                     // the input is malformed or breaks a rule (422)
	KindBadRequest                  // the request itself cannot be read (400)
	KindNotFound                    // missing, or outside the caller's scope (404)
	KindConflict                    // clashes with existing state (409)
	KindUnauthenticated             // no valid credentials (401)
	KindForbidden                   // authenticated but not allowed, for objects the caller may see (403)
	KindTooLarge                    // body or field over its bound (413)
	KindRateLimited                 // slow down (429)
	KindUnavailable                 // a dependency is not ready (503)
)

var kindNames = [...]string{
	KindInternal:        "internal",
	KindInvalid:         "invalid",
	KindBadRequest:      "bad_request",
	KindNotFound:        "not_found",
	KindConflict:        "conflict",
	KindUnauthenticated: "unauthenticated",
	KindForbidden:       "forbidden",
	KindTooLarge:        "too_large",
	KindRateLimited:     "rate_limited",
	KindUnavailable:     "unavailable",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// FieldError names one field of the input and why it was refused.
// Field uses the JSON name of the field ("cidr", "rows[3].cpe").
// Code is a stable reason such as "cidr.prefix_too_long"; Message is English
// text for API users; the web UI translates Code through its catalogue.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is the error type every domain returns.
type Error struct {
	Kind   Kind
	Op     string       // the operation that failed, for logs
	Code   string       // stable machine-readable code, e.g. "org.not_found"
	Public string       // message safe to show to the caller
	Fields []FieldError // per-field problems, for KindInvalid
	Err    error        // the cause, for logs only
}

func (e *Error) Error() string {
	msg := e.Public
	if msg == "" {
		msg = e.Kind.String()
	}
	if e.Op != "" {
		msg = e.Op + ": " + msg
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error of the given kind with a code and a public message.
func New(kind Kind, code, public string) *Error {
	return &Error{Kind: kind, Code: code, Public: public}
}

// NotFound is the error for a missing object or one outside the caller's scope.
func NotFound(code string) *Error {
	return &Error{Kind: KindNotFound, Code: code, Public: "not found"}
}

// Conflict reports a clash with existing state.
func Conflict(code, public string) *Error {
	return &Error{Kind: KindConflict, Code: code, Public: public}
}

// Invalid reports input that breaks a rule, naming the fields.
func Invalid(code, public string, fields ...FieldError) *Error {
	return &Error{Kind: KindInvalid, Code: code, Public: public, Fields: fields}
}

// Field is shorthand for a FieldError.
func Field(field, code, message string) FieldError {
	return FieldError{Field: field, Code: code, Message: message}
}

// Internal wraps an unexpected failure. Its public message is generic.
func Internal(op string, err error) *Error {
	return &Error{Kind: KindInternal, Op: op, Code: "internal", Public: "internal error", Err: err}
}

// KindOf returns the Kind of err, KindInternal for errors that are not *Error.
func KindOf(err error) Kind {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Kind
	}
	return KindInternal
}

// PublicMessage is what a caller may be told about err: its public message,
// or a generic text for errors that are not *Error or are internal.
func PublicMessage(err error) string {
	if e, ok := errors.AsType[*Error](err); ok && e.Kind != KindInternal {
		return e.Public
	}
	return "internal error"
}

// Is reports whether err is an *Error of the given kind.
func Is(err error, kind Kind) bool {
	return err != nil && KindOf(err) == kind
}

// OnField returns a copy of e that names field as where the problem is, with
// e's own code and message, so a form can show it beside the field.
func (e *Error) OnField(field string) *Error {
	c := *e
	c.Fields = append(append([]FieldError(nil), e.Fields...), FieldError{Field: field, Code: e.Code, Message: e.Public})
	return &c
}

// Wrap annotates *errp with an operation name, keeping its kind. Use it as
//
//	defer errs.Wrap(&err, "store.CreateOrg(%q)", slug)
//
// An *Error keeps its kind, code and public text and gains Op when it has none;
// any other error becomes KindInternal.
func Wrap(errp *error, format string, args ...any) {
	if *errp == nil {
		return
	}
	op := fmt.Sprintf(format, args...)
	if e, ok := errors.AsType[*Error](*errp); ok {
		if e.Op == "" {
			c := *e
			c.Op = op
			*errp = &c
		}
		return
	}
	*errp = Internal(op, *errp)
}

// Fields collects FieldErrors while validating input.
type Fields []FieldError

// Add appends a problem.
func (f *Fields) Add(field, code, message string) {
	*f = append(*f, FieldError{Field: field, Code: code, Message: message})
}

// Err returns an Invalid error when problems were collected, else nil.
func (f Fields) Err(code string) error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(code, "the input is invalid", f...)
}
