// Package page is cursor pagination and whitelisted sorting shared by the
// domains, the store and the API. A cursor is opaque to clients: it encodes
// the sort key and ID of the last row returned.
package page

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/khien-cert/khien/internal/errs"
)

// DefaultLimit and MaxLimit bound a page.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Request asks for one page.
type Request struct {
	Limit  int
	Cursor string // from the previous Result.Next; "" for the first page
	Sort   string // a whitelisted field name; "" for the default
	Desc   bool
}

// Result is one page of T.
type Result[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next_cursor,omitempty"`
}

// Cursor is the decoded position after which a page starts.
type Cursor struct {
	Key string `json:"k"`
	ID  string `json:"i"`
}

// Encode makes an opaque cursor string.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor made by Encode; "" gives the zero Cursor.
func DecodeCursor(s string) (Cursor, error) {
	var c Cursor
	if s == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" {
		return Cursor{}, errs.Invalid("page.bad_cursor", "the cursor is not valid",
			errs.Field("cursor", "page.bad_cursor", "not a cursor this server issued"))
	}
	return c, nil
}

// Normalize checks r against the sortable fields (the first is the default)
// and bounds the limit. A sort field that is not whitelisted is refused.
func (r Request) Normalize(sortable []string) (Request, error) {
	if r.Limit <= 0 {
		r.Limit = DefaultLimit
	}
	if r.Limit > MaxLimit {
		r.Limit = MaxLimit
	}
	r.Sort = strings.TrimSpace(r.Sort)
	if strings.HasPrefix(r.Sort, "-") {
		r.Sort, r.Desc = r.Sort[1:], true
	}
	if r.Sort == "" && len(sortable) > 0 {
		r.Sort = sortable[0]
	}
	if !slices.Contains(sortable, r.Sort) {
		return r, errs.Invalid("page.bad_sort", "cannot sort by that field",
			errs.Field("sort", "page.bad_sort", "sort must be one of: "+strings.Join(sortable, ", ")))
	}
	if _, err := DecodeCursor(r.Cursor); err != nil {
		return r, err
	}
	return r, nil
}
