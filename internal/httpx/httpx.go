// Package httpx is the HTTP plumbing every Khiên mux shares: handlers that
// return errors, the ONE table from errs kinds to status codes, bounded
// strict JSON decoding, and middleware (request IDs, access logs, panics,
// security headers).
//
// An internal error is logged with its request ID and cause and answered
// with a generic message; the cause never reaches the client.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/khien-cert/khien/internal/errs"
)

// MaxJSONBody bounds a JSON request body.
const MaxJSONBody = 1 << 20

// HandlerFunc is a handler that returns an error instead of writing one.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// ErrorWriter writes err for a request; JSON APIs and HTML pages differ.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)

// Status is the one mapping from error kinds to HTTP status codes.
func Status(k errs.Kind) int {
	switch k {
	case errs.KindInvalid:
		return http.StatusUnprocessableEntity
	case errs.KindBadRequest:
		return http.StatusBadRequest
	case errs.KindNotFound:
		return http.StatusNotFound
	case errs.KindConflict:
		return http.StatusConflict
	case errs.KindUnauthenticated:
		return http.StatusUnauthorized
	case errs.KindForbidden:
		return http.StatusForbidden
	case errs.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.KindRateLimited:
		return http.StatusTooManyRequests
	case errs.KindUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Problem is the JSON body of every API error.
type Problem struct {
	Status    int               `json:"status"`
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    []errs.FieldError `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// ProblemOf turns err into what a client may see, logging internal causes.
func ProblemOf(log *slog.Logger, r *http.Request, err error) Problem {
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || e.Kind == errs.KindInternal {
		log.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path,
			"request_id", RequestID(r.Context()))
		return Problem{Status: 500, Code: "internal", Message: "internal error; quote the request ID when reporting it",
			RequestID: RequestID(r.Context())}
	}
	code := e.Code
	if code == "" {
		code = e.Kind.String()
	}
	return Problem{Status: Status(e.Kind), Code: code, Message: e.Public, Fields: e.Fields, RequestID: RequestID(r.Context())}
}

// JSONErrors returns an ErrorWriter that answers Problem JSON.
func JSONErrors(log *slog.Logger) ErrorWriter {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		p := ProblemOf(log, r, err)
		WriteJSON(w, p.Status, p)
	}
}

// Handle adapts h, writing any error it returns with ew.
func Handle(ew ErrorWriter, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			ew(w, r, err)
		}
	})
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// DecodeJSON reads a JSON object body into v: at most MaxJSONBody bytes,
// unknown fields refused, exactly one value. Errors name the field.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/json" {
			return errs.New(errs.KindBadRequest, "request.content_type", "the body must be application/json")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return errs.New(errs.KindBadRequest, "request.trailing_data", "the body must hold exactly one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return errs.New(errs.KindTooLarge, "request.too_large", fmt.Sprintf("the body is larger than %d bytes", mbe.Limit))
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return &errs.Error{Kind: errs.KindInvalid, Code: "request.bad_type", Public: "a field has the wrong type",
			Fields: []errs.FieldError{{Field: te.Field, Code: "request.bad_type", Message: "want " + te.Type.String()}}}
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		f := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return &errs.Error{Kind: errs.KindBadRequest, Code: "request.unknown_field", Public: "the body has a field this endpoint does not take",
			Fields: []errs.FieldError{{Field: f, Code: "request.unknown_field", Message: "unknown field"}}}
	}
	if errors.Is(err, io.EOF) {
		return errs.New(errs.KindBadRequest, "request.empty", "the body is empty")
	}
	return &errs.Error{Kind: errs.KindBadRequest, Code: "request.bad_json", Public: "the body is not valid JSON", Err: err}
}

type ctxKey int

const requestIDKey ctxKey = 1

// RequestID returns the request's ID, "" outside a request.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
