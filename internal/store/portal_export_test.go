package store

import "context"

// PortalRowsForTest counts the rows of every portal table, for tests that
// a refused request stored nothing.
func (db *DB) PortalRowsForTest(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	for _, t := range []string{"portal_entries", "portal_reviews", "portal_reports", "portal_screenshots",
		"portal_report_screenshots", "portal_appeals"} {
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, nil
}
