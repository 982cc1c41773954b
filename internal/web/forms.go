package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
)

// maxFormBody bounds a urlencoded form.
const maxFormBody = 1 << 20

// Form is a form's typed values and its problems: those of a known field are
// shown beside it, the rest in a banner.
type Form struct {
	Values url.Values
	Errors map[string][]errs.FieldError
	Banner []errs.FieldError // Field is "" or unknown; Code and Message are shown
	fields []string
	status int
}

// newForm makes an empty form with the named inputs.
func newForm(fields ...string) *Form {
	return &Form{Values: url.Values{}, Errors: map[string][]errs.FieldError{}, fields: fields}
}

// readForm parses a bounded urlencoded body into a new form.
func readForm(w http.ResponseWriter, r *http.Request, fields ...string) (*Form, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, errs.New(errs.KindTooLarge, "request.too_large", "the form is too large")
		}
		return nil, errs.New(errs.KindBadRequest, "request.bad_form", "the form could not be read")
	}
	f := newForm(fields...)
	for _, name := range fields {
		if v, ok := r.PostForm[name]; ok {
			f.Values[name] = v
		}
	}
	return f, nil
}

// Get is the typed value of an input, trimmed of nothing.
func (f *Form) Get(name string) string { return f.Values.Get(name) }

// Set sets an input's value.
func (f *Form) Set(name, value string) { f.Values.Set(name, value) }

// SetBool sets a checkbox.
func (f *Form) SetBool(name string, on bool) {
	if on {
		f.Values.Set(name, "on")
	} else {
		f.Values.Del(name)
	}
}

// Bool reads a checkbox.
func (f *Form) Bool(name string) bool {
	v := f.Values.Get(name)
	return v == "on" || v == "true" || v == "1"
}

// Int reads a number; bad or empty input gives 0 (the domain refuses it).
func (f *Form) Int(name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(f.Values.Get(name)))
	return n
}

// Selected reports whether value is among the input's values.
func (f *Form) Selected(name, value string) bool { return slices.Contains(f.Values[name], value) }

// ErrorsFor lists the problems of one input.
func (f *Form) ErrorsFor(name string) []errs.FieldError { return f.Errors[name] }

// Invalid reports whether an input has a problem.
func (f *Form) Invalid(name string) bool { return len(f.Errors[name]) > 0 }

// Status is the HTTP status to render the form with.
func (f *Form) Status() int {
	if f.status == 0 {
		return http.StatusOK
	}
	return f.status
}

// Fail adds a problem to a field (or, with an unknown field, the banner).
func (f *Form) Fail(fe errs.FieldError) {
	if f.status == 0 {
		f.status = http.StatusUnprocessableEntity
	}
	if fe.Field != "" && slices.Contains(f.fields, fe.Field) {
		f.Errors[fe.Field] = append(f.Errors[fe.Field], fe)
		return
	}
	f.Banner = append(f.Banner, fe)
}

// Take absorbs an error a person can act on (invalid input, a conflict, a
// refusal, a throttle) into the form and reports whether it did. Not-found
// and internal errors are left for the error page.
func (f *Form) Take(err error) bool {
	e, ok := errors.AsType[*errs.Error](err)
	if !ok {
		return false
	}
	switch e.Kind {
	case errs.KindInvalid, errs.KindConflict, errs.KindForbidden, errs.KindTooLarge,
		errs.KindRateLimited, errs.KindUnauthenticated, errs.KindBadRequest:
	default:
		return false
	}
	for _, fe := range e.Fields {
		f.Fail(fe)
	}
	if len(e.Fields) == 0 {
		f.Banner = append(f.Banner, errs.FieldError{Code: e.Code, Message: e.Public})
	}
	f.status = httpx.Status(e.Kind)
	return true
}

// Field describes one input for the templates' input partials.
type Field struct {
	Form     *Form
	Name     string
	Label    string // catalogue key
	Type     string
	Hint     string // catalogue key
	Auto     string // autocomplete
	Required bool
	Multiple bool
	Min, Max string
	Rows     int
	Options  []Option
	Key      string // makes the element ids unique when a page repeats a form
	Blank    string // catalogue key of a select's empty choice; form.none or form.choose by default
}

// Option is one choice of a select: Key is a catalogue key, or Label is
// shown as is.
type Option struct {
	Value string
	Key   string
	Label string
}

// ID is the input's element id.
func (fl Field) ID() string { return "f-" + fl.suffix() }

// ErrID is the id of the input's error text.
func (fl Field) ErrID() string { return "e-" + fl.suffix() }

// HintID is the id of the input's hint.
func (fl Field) HintID() string { return "h-" + fl.suffix() }

func (fl Field) suffix() string {
	if fl.Key != "" {
		return fl.Name + "-" + fl.Key
	}
	return fl.Name
}

// Value is the typed value.
func (fl Field) Value() string { return fl.Form.Get(fl.Name) }

// newField builds a Field from options written in a template:
// "email" (a type), "req", "multi", "hint:key", "auto:x", "min:n",
// "max:n", "rows:n", "id:key" (for unique element ids), "blank:key" (the
// label of a select's empty choice).
func newField(f *Form, name, label string, opts ...string) Field {
	fl := Field{Form: f, Name: name, Label: label, Type: "text"}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, ":")
		switch k {
		case "req":
			fl.Required = true
		case "multi":
			fl.Multiple = true
		case "hint":
			fl.Hint = v
		case "auto":
			fl.Auto = v
		case "min":
			fl.Min = v
		case "max":
			fl.Max = v
		case "rows":
			fl.Rows, _ = strconv.Atoi(v)
		case "id":
			fl.Key = v
		case "blank":
			fl.Blank = v
		default:
			fl.Type = k
		}
	}
	return fl
}

// newChoice builds a select Field.
func newChoice(f *Form, name, label string, options []Option, opts ...string) Field {
	fl := newField(f, name, label, opts...)
	fl.Type, fl.Options = "select", options
	return fl
}
