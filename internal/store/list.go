package store

import (
	"strconv"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

// colType says how a sort column's cursor key is typed.
type colType uint8

const (
	colText colType = iota
	colTime
	colInt
)

// sortCol is a whitelisted sort field: its SQL expression and type.
type sortCol struct {
	expr string
	typ  colType
}

// keyset returns the WHERE condition (without "AND") that starts a page after
// the cursor, and the ORDER BY clause, for table alias-qualified idCol.
// The caller has normalised pr against the domain's sortable fields; a field
// missing from cols is a programming error reported as internal.
func (a *args) keyset(cols map[string]sortCol, idCol string, pr page.Request) (cond, order string, err error) {
	c, ok := cols[pr.Sort]
	if !ok {
		return "", "", errs.Internal("store.keyset", errs.New(errs.KindInternal, "", "no column for sort "+pr.Sort))
	}
	dir, cmp := "ASC", ">"
	if pr.Desc {
		dir, cmp = "DESC", "<"
	}
	order = " ORDER BY " + c.expr + " " + dir + ", " + idCol + " " + dir
	cur, err := page.DecodeCursor(pr.Cursor)
	if err != nil || cur.ID == "" {
		return "1=1", order, err
	}
	key, err := c.typ.parse(cur.Key)
	if err != nil {
		return "", "", errs.Invalid("page.bad_cursor", "the cursor is not valid",
			errs.Field("cursor", "page.bad_cursor", "the cursor does not fit this sort order"))
	}
	k1, k2, id := a.add(key), a.add(key), a.add(cur.ID)
	cond = "(" + c.expr + " " + cmp + " " + k1 + " OR (" + c.expr + " = " + k2 + " AND " + idCol + " " + cmp + " " + id + "))"
	return cond, order, nil
}

func (t colType) parse(s string) (any, error) {
	switch t {
	case colTime:
		v, err := time.Parse(time.RFC3339Nano, s)
		return v.UTC(), err
	case colInt:
		return strconv.ParseInt(s, 10, 64)
	}
	return s, nil
}

// timeKey and intKey format cursor keys.
func timeKey(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
func intKey(n int64) string      { return strconv.FormatInt(n, 10) }

// finishPage trims the extra row fetched to detect a next page and makes
// the next cursor from the last item kept.
func finishPage[T any](items []T, limit int, key func(T) (k, id string)) page.Result[T] {
	if items == nil {
		items = []T{}
	}
	if len(items) <= limit {
		return page.Result[T]{Items: items}
	}
	items = items[:limit]
	k, id := key(items[limit-1])
	return page.Result[T]{Items: items, Next: page.Cursor{Key: k, ID: id}.Encode()}
}
