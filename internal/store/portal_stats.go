package store

import (
	"context"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
)

var _ portal.StatsStore = (*DB)(nil)

// PortalStats counts reports and publications per interval in one pass
// over each table (a SUM of CASE per interval: the same SQL on both
// engines, no date functions), and per category and kind since bounds[0].
func (db *DB) PortalStats(ctx context.Context, bounds []time.Time) (c portal.StatsCounts, err error) {
	defer errs.Wrap(&err, "store.PortalStats")
	if len(bounds) < 2 {
		return c, errs.Internal("store.PortalStats", errs.New(errs.KindInternal, "", "need at least two bounds"))
	}
	if c.Received, err = db.countPerInterval(ctx, "portal_reports", "created_at", bounds); err != nil {
		return c, err
	}
	if c.Confirmed, err = db.countPerInterval(ctx, "portal_entries", "published_at", bounds); err != nil {
		return c, err
	}
	since := bounds[0].UTC()
	c.ByCategory, c.ConfirmedByCategory, c.ByKind = map[portal.Category]int{}, map[portal.Category]int{}, map[canon.Kind]int{}
	if err := db.groupCount(ctx, `SELECT category, COUNT(*) FROM portal_reports WHERE created_at >= $1 GROUP BY category`,
		since, func(k string, n int) { c.ByCategory[portal.Category(k)] = n }); err != nil {
		return c, err
	}
	if err := db.groupCount(ctx, `SELECT category, COUNT(*) FROM portal_entries WHERE published_at IS NOT NULL AND published_at >= $1
		GROUP BY category`, since, func(k string, n int) { c.ConfirmedByCategory[portal.Category(k)] = n }); err != nil {
		return c, err
	}
	err = db.groupCount(ctx, `SELECT kind, COUNT(*) FROM portal_reports WHERE created_at >= $1 GROUP BY kind`,
		since, func(k string, n int) { c.ByKind[canon.Kind(k)] = n })
	return c, err
}

// PortalCounts counts reports received and entries published per interval.
func (db *DB) PortalCounts(ctx context.Context, bounds []time.Time) (received, confirmed []int, err error) {
	defer errs.Wrap(&err, "store.PortalCounts")
	if len(bounds) < 2 {
		return nil, nil, errs.Internal("store.PortalCounts", errs.New(errs.KindInternal, "", "need at least two bounds"))
	}
	if received, err = db.countPerInterval(ctx, "portal_reports", "created_at", bounds); err != nil {
		return nil, nil, err
	}
	confirmed, err = db.countPerInterval(ctx, "portal_entries", "published_at", bounds)
	return received, confirmed, err
}

// countPerInterval counts the rows of table whose col falls in each
// [bounds[i], bounds[i+1]). table and col are constants of this file.
func (db *DB) countPerInterval(ctx context.Context, table, col string, bounds []time.Time) ([]int, error) {
	var a args
	sums := make([]string, len(bounds)-1)
	for i := range sums {
		sums[i] = "COALESCE(SUM(CASE WHEN " + col + " >= " + a.add(bounds[i].UTC()) + " AND " + col + " < " +
			a.add(bounds[i+1].UTC()) + " THEN 1 ELSE 0 END), 0)"
	}
	q := "SELECT " + strings.Join(sums, ", ") + " FROM " + table + " WHERE " + col + " >= " + a.add(bounds[0].UTC()) +
		" AND " + col + " < " + a.add(bounds[len(bounds)-1].UTC())
	out := make([]int64, len(sums))
	dst := make([]any, len(sums))
	for i := range out {
		dst[i] = &out[i]
	}
	if err := db.r.QueryRowContext(ctx, q, a...).Scan(dst...); err != nil {
		return nil, err
	}
	ns := make([]int, len(out))
	for i, n := range out {
		ns[i] = int(n)
	}
	return ns, nil
}

func (db *DB) groupCount(ctx context.Context, q string, since time.Time, fn func(string, int)) error {
	rows, err := db.r.QueryContext(ctx, q, since)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return err
		}
		fn(k, n)
	}
	return rows.Err()
}
