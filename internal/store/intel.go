package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

const feedCols = `f.id, f.name, f.format, f.url, f.interval_seconds, f.tlp, f.confidence, f.ttl_days, f.enabled,
	f.last_attempt_at, f.last_success_at, f.last_error, f.indicator_count, f.created_at, f.updated_at`

func scanFeed(row scanner) (intel.Feed, error) {
	var f intel.Feed
	var interval, ttlDays int64
	var level string
	var attempt, success sql.NullTime
	err := row.Scan(&f.ID, &f.Name, &f.Format, &f.URL, &interval, &level, &f.Confidence, &ttlDays, &f.Enabled,
		&attempt, &success, &f.LastError, &f.Count, &f.CreatedAt, &f.UpdatedAt)
	f.Interval, f.TTL = time.Duration(interval)*time.Second, time.Duration(ttlDays)*24*time.Hour
	f.TLP, _ = tlp.Parse(level)
	f.LastAttempt, f.LastSuccess = timeOf(attempt), timeOf(success)
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	return f, err
}

func feedTaken(err error, d dialect) error {
	if d.isUnique(err) {
		return errs.Conflict("feed.name_taken", "a feed with this name exists").OnField("name")
	}
	return err
}

// CreateFeed adds a feed.
func (db *DB) CreateFeed(ctx context.Context, f intel.Feed, e audit.Entry) (out intel.Feed, err error) {
	defer errs.Wrap(&err, "store.CreateFeed")
	f.ID, f.CreatedAt = newID(), db.Now()
	f.UpdatedAt = f.CreatedAt
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO intel_feeds (id, name, format, url, interval_seconds, tlp, confidence, ttl_days,
			enabled, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
			f.ID, f.Name, f.Format, f.URL, int64(f.Interval/time.Second), f.TLP.String(), f.Confidence,
			int64(f.TTL/(24*time.Hour)), f.Enabled, f.CreatedAt, f.UpdatedAt)
		if err != nil {
			return feedTaken(err, db.d)
		}
		e.TargetID, e.After = f.ID, audit.Digest(f)
		return db.appendAudit(ctx, tx, e)
	})
	return f, err
}

// UpdateFeed changes a feed's settings.
func (db *DB) UpdateFeed(ctx context.Context, f intel.Feed, e audit.Entry) (out intel.Feed, err error) {
	defer errs.Wrap(&err, "store.UpdateFeed(%q)", f.ID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getFeed(ctx, tx, f.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE intel_feeds SET name=$1, format=$2, url=$3, interval_seconds=$4, tlp=$5,
			confidence=$6, ttl_days=$7, enabled=$8, updated_at=$9 WHERE id=$10`,
			f.Name, f.Format, f.URL, int64(f.Interval/time.Second), f.TLP.String(), f.Confidence,
			int64(f.TTL/(24*time.Hour)), f.Enabled, db.Now(), f.ID); err != nil {
			return feedTaken(err, db.d)
		}
		if out, err = getFeed(ctx, tx, f.ID); err != nil {
			return err
		}
		e.Before, e.After = audit.Digest(before), audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

func getFeed(ctx context.Context, q rowQueryer, id string) (intel.Feed, error) {
	f, err := scanFeed(q.QueryRowContext(ctx, `SELECT `+feedCols+` FROM intel_feeds f WHERE f.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, errs.NotFound("feed.not_found")
	}
	return f, err
}

// GetFeed returns a feed.
func (db *DB) GetFeed(ctx context.Context, id string) (f intel.Feed, err error) {
	defer errs.Wrap(&err, "store.GetFeed(%q)", id)
	return getFeed(ctx, db.r, id)
}

// ListFeeds lists every feed by name.
func (db *DB) ListFeeds(ctx context.Context) (fs []intel.Feed, err error) {
	defer errs.Wrap(&err, "store.ListFeeds")
	return queryAll(ctx, db.r, `SELECT `+feedCols+` FROM intel_feeds f ORDER BY f.name`, nil, scanFeed)
}

// FeedFailed records a failed import or pull.
func (db *DB) FeedFailed(ctx context.Context, feedID, reason string, now time.Time) (err error) {
	defer errs.Wrap(&err, "store.FeedFailed(%q)", feedID)
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE intel_feeds SET last_attempt_at=$1, last_error=$2 WHERE id=$3`,
			now.UTC().Truncate(microsecond), reason, feedID)
		return err
	})
}

// upsertIndicators writes inds (stamped updated_at = now) and returns how
// many distinct observables they held.
func upsertIndicators(ctx context.Context, tx *sql.Tx, feedID string, inds []intel.Indicator, now time.Time) (int, error) {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO indicators (id, feed_id, type, value, tlp, confidence, description, labels,
		external_id, valid_from, valid_until, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)
		ON CONFLICT (feed_id, type, value) DO UPDATE SET tlp=excluded.tlp, confidence=excluded.confidence,
		description=excluded.description, labels=excluded.labels, external_id=excluded.external_id,
		valid_from=excluded.valid_from, valid_until=excluded.valid_until, updated_at=excluded.updated_at`)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	seen := make(map[string]struct{}, len(inds))
	for _, in := range inds {
		seen[in.Key()] = struct{}{}
		if _, err := stmt.ExecContext(ctx, newID(), feedID, in.Type, in.Value, in.TLP.String(), in.Confidence, in.Description,
			strings.Join(in.Labels, "\n"), in.ExternalID, nullTime(in.ValidFrom), nullTime(in.ValidUntil), now, now); err != nil {
			return 0, err
		}
	}
	return len(seen), nil
}

// SaveIndicators upserts a feed's indicators in one transaction, with one
// audit entry carrying the counts.
func (db *DB) SaveIndicators(ctx context.Context, feedID string, inds []intel.Indicator, replace bool, now time.Time, e audit.Entry) (st intel.SaveStats, err error) {
	defer errs.Wrap(&err, "store.SaveIndicators(%q)", feedID)
	now = now.UTC().Truncate(microsecond)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		count := func() (n int, err error) {
			err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM indicators WHERE feed_id = $1`, feedID).Scan(&n)
			return n, err
		}
		before, err := count()
		if err != nil {
			return err
		}
		distinct, err := upsertIndicators(ctx, tx, feedID, inds, now)
		if err != nil {
			return err
		}
		after, err := count()
		if err != nil {
			return err
		}
		st.Added, st.Updated = after-before, distinct-(after-before)
		if replace {
			res, err := tx.ExecContext(ctx, `DELETE FROM indicators WHERE feed_id = $1 AND updated_at < $2`, feedID, now)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			st.Removed, after = int(n), after-int(n)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE intel_feeds SET last_attempt_at=$1, last_success_at=$2, last_error='',
			indicator_count=$3 WHERE id=$4`, now, now, after, feedID); err != nil {
			return err
		}
		e.TargetID = feedID
		e = e.MergeDetail(map[string]any{"added": st.Added, "updated": st.Updated, "removed": st.Removed})
		return db.appendAudit(ctx, tx, e)
	})
	return st, err
}

const indicatorCols = `i.id, i.type, i.value, i.tlp, f.name, i.confidence, i.description, i.labels, i.external_id, i.valid_from, i.valid_until, i.updated_at`

func scanIndicator(row scanner) (intel.Indicator, error) {
	var in intel.Indicator
	var level, labels string
	var from, until sql.NullTime
	err := row.Scan(&in.ID, &in.Type, &in.Value, &level, &in.Source, &in.Confidence, &in.Description, &labels, &in.ExternalID, &from, &until, &in.UpdatedAt)
	in.UpdatedAt = in.UpdatedAt.UTC()
	in.TLP, _ = tlp.Parse(level)
	if labels != "" {
		in.Labels = strings.Split(labels, "\n")
	}
	in.ValidFrom, in.ValidUntil = timeOf(from), timeOf(until)
	return in, err
}

// tlpAtMost returns the TLP names a reader cleared to c may see.
func tlpAtMost(c tlp.Level) []string {
	var out []string
	for l := tlp.Clear; l <= tlp.Red; l++ {
		if c.Allows(l) {
			out = append(out, l.String())
		}
	}
	return out
}

// ListIndicators lists indicators whose TLP the clearance allows.
func (db *DB) ListIndicators(ctx context.Context, clearance tlp.Level, f intel.Filter, pr page.Request) (res page.Result[intel.Indicator], err error) {
	defer errs.Wrap(&err, "store.ListIndicators")
	var a args
	levels := tlpAtMost(clearance)
	if len(levels) == 0 {
		return page.Result[intel.Indicator]{Items: []intel.Indicator{}}, nil
	}
	where := "i.tlp IN " + a.in(levels)
	if f.Type != "" {
		where += " AND i.type = " + a.add(string(f.Type))
	}
	if f.FeedID != "" {
		where += " AND i.feed_id = " + a.add(f.FeedID)
	}
	if f.Query != "" {
		where += " AND i.value LIKE " + a.add("%"+likeEscape(lower(f.Query))+"%") + " ESCAPE '\\'"
	}
	sorts := map[string]sortCol{"updated_at": {"i.updated_at", colTime}, "value": {"i.value", colText}}
	cond, order, err := a.keyset(sorts, "i.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+indicatorCols+` FROM indicators i JOIN intel_feeds f ON f.id = i.feed_id WHERE `+
		where+` AND `+cond+order+` LIMIT `+a.add(pr.Limit+1), a, scanIndicator)
	if err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(in intel.Indicator) (string, string) {
		if pr.Sort == "value" {
			return in.Value, in.ID
		}
		return timeKey(in.UpdatedAt), in.ID
	}), nil
}

// ActiveIndicators streams every indicator valid at now, with its feed name
// as source, from enabled feeds.
func (db *DB) ActiveIndicators(ctx context.Context, now time.Time, fn func(intel.Indicator) error) (err error) {
	defer errs.Wrap(&err, "store.ActiveIndicators")
	rows, err := db.r.QueryContext(ctx, `SELECT `+indicatorCols+` FROM indicators i JOIN intel_feeds f ON f.id = i.feed_id
		WHERE f.enabled = $1 AND (i.valid_until IS NULL OR i.valid_until > $2)`, true, now.UTC())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		in, err := scanIndicator(rows)
		if err != nil {
			return err
		}
		if err := fn(in); err != nil {
			return err
		}
	}
	return rows.Err()
}
