package api

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

// pageParams are the query parameters of every paged list.
var pageParams = []string{"limit", "cursor", "sort"}

// paged returns the page parameters followed by a list's filters.
func paged(filters ...string) []string { return append(slices.Clone(pageParams), filters...) }

// checkQuery refuses a query string that does not parse, names a parameter
// the route does not list, or repeats one. Nothing else reaches a handler, so
// a filter can never be smuggled into a list.
func checkQuery(raw string, allowed []string) error {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return errs.New(errs.KindBadRequest, "request.bad_query", "the query string does not parse")
	}
	for name, vs := range q {
		if !slices.Contains(allowed, name) {
			msg := "this endpoint takes no query parameters"
			if len(allowed) > 0 {
				msg = "this endpoint takes only: " + strings.Join(allowed, ", ")
			}
			return &errs.Error{Kind: errs.KindBadRequest, Code: "request.unknown_parameter",
				Public: fmt.Sprintf("unknown query parameter %q", name),
				Fields: []errs.FieldError{errs.Field(name, "request.unknown_parameter", msg)}}
		}
		if len(vs) > 1 {
			return &errs.Error{Kind: errs.KindBadRequest, Code: "request.repeated_parameter",
				Public: fmt.Sprintf("query parameter %q is given more than once", name),
				Fields: []errs.FieldError{errs.Field(name, "request.repeated_parameter", "give it once")}}
		}
	}
	return nil
}

// pageRequest reads limit, cursor and sort. The sort field and the cursor
// are checked by the service against its whitelist (page.Request.Normalize),
// so "sort=name;DROP TABLE" answers 422 on the field sort.
func pageRequest(q url.Values) (page.Request, error) {
	pr := page.Request{Cursor: q.Get("cursor"), Sort: q.Get("sort")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return pr, errs.Invalid("page.bad_limit", "the limit is not valid",
				errs.Field("limit", "page.bad_limit", fmt.Sprintf("a whole number from 1 to %d", page.MaxLimit)))
		}
		pr.Limit = n
	}
	return pr, nil
}

// intParam reads an optional whole-number filter.
func intParam(q url.Values, name string) (int, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errs.Invalid("request.bad_parameter", "a query parameter is not valid",
			errs.Field(name, "request.bad_parameter", "a whole number"))
	}
	return n, nil
}

// timeParam reads an optional RFC 3339 time filter.
func timeParam(q url.Values, name string) (time.Time, error) {
	s := q.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errs.Invalid("request.bad_parameter", "a query parameter is not valid",
			errs.Field(name, "request.bad_parameter", "an RFC 3339 time such as 2026-01-02T15:04:05Z"))
	}
	return t, nil
}

// enumParam reads an optional filter that must be one of values.
func enumParam[T ~string](q url.Values, name string, values []T) (T, error) {
	v := T(q.Get(name))
	if v == "" || slices.Contains(values, v) {
		return v, nil
	}
	names := make([]string, len(values))
	for i, x := range values {
		names[i] = string(x)
	}
	return "", errs.Invalid("request.bad_parameter", "a query parameter is not valid",
		errs.Field(name, "request.bad_parameter", "one of: "+strings.Join(names, ", ")))
}
