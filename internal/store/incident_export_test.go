package store

import "context"

// CountForTest runs a SELECT COUNT(*) query, for tests of rows a change wrote.
func (db *DB) CountForTest(ctx context.Context, query string, args ...any) (n int, err error) {
	err = db.r.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}
