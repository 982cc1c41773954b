package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/errs"
)

const advFeedCols = `id, name, kind, url, schedule_mins, enabled, last_pull, last_success, last_error,
	created_count, updated_count, failed_count, created_at, updated_at`

func scanAdvFeed(row scanner) (advisory.Feed, error) {
	var f advisory.Feed
	var pull, ok sql.NullTime
	err := row.Scan(&f.ID, &f.Name, &f.Kind, &f.URL, &f.EveryMins, &f.Enabled, &pull, &ok, &f.LastError,
		&f.Created, &f.Updated, &f.Failed, &f.CreatedAt, &f.UpdatedAt)
	f.LastPull, f.LastSuccess = timeOf(pull), timeOf(ok)
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	f.Every = time.Duration(f.EveryMins) * time.Minute
	return f, err
}

func getAdvFeed(ctx context.Context, q rowQueryer, id string) (advisory.Feed, error) {
	f, err := scanAdvFeed(q.QueryRowContext(ctx, `SELECT `+advFeedCols+` FROM advisory_feeds WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, errs.NotFound("advisory_feed.not_found")
	}
	return f, err
}

// CreateAdvisoryFeed registers an advisory feed.
func (db *DB) CreateAdvisoryFeed(ctx context.Context, f advisory.Feed, e audit.Entry) (out advisory.Feed, err error) {
	defer errs.Wrap(&err, "store.CreateAdvisoryFeed")
	now := db.Now()
	f.ID, f.CreatedAt, f.UpdatedAt = newID(), now, now
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO advisory_feeds (id, name, kind, url, schedule_mins, enabled, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, f.ID, f.Name, f.Kind, f.URL, f.EveryMins, f.Enabled, now, now); err != nil {
			if db.d.isUnique(err) {
				return errs.Invalid("advisory_feed.name_taken", "a feed has that name", errs.Field("name", "advisory_feed.name_taken", "choose another name"))
			}
			return err
		}
		e.TargetID, e.After = f.ID, audit.Digest(f)
		return db.appendAudit(ctx, tx, e)
	})
	return f, err
}

// UpdateAdvisoryFeed changes a feed's settings.
func (db *DB) UpdateAdvisoryFeed(ctx context.Context, f advisory.Feed, e audit.Entry) (out advisory.Feed, err error) {
	defer errs.Wrap(&err, "store.UpdateAdvisoryFeed(%q)", f.ID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getAdvFeed(ctx, tx, f.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE advisory_feeds SET name=$2, kind=$3, url=$4, schedule_mins=$5, enabled=$6, updated_at=$7
			WHERE id=$1`, f.ID, f.Name, f.Kind, f.URL, f.EveryMins, f.Enabled, db.Now()); err != nil {
			if db.d.isUnique(err) {
				return errs.Invalid("advisory_feed.name_taken", "a feed has that name", errs.Field("name", "advisory_feed.name_taken", "choose another name"))
			}
			return err
		}
		if out, err = getAdvFeed(ctx, tx, f.ID); err != nil {
			return err
		}
		e.Before, e.After = audit.Digest(before), audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// GetAdvisoryFeed returns an advisory feed.
func (db *DB) GetAdvisoryFeed(ctx context.Context, id string) (f advisory.Feed, err error) {
	defer errs.Wrap(&err, "store.GetAdvisoryFeed(%q)", id)
	return getAdvFeed(ctx, db.r, id)
}

// ListAdvisoryFeeds lists the advisory feeds.
func (db *DB) ListAdvisoryFeeds(ctx context.Context) (out []advisory.Feed, err error) {
	defer errs.Wrap(&err, "store.ListAdvisoryFeeds")
	return queryAll(ctx, db.r, `SELECT `+advFeedCols+` FROM advisory_feeds ORDER BY name`, nil, scanAdvFeed)
}

// RecordAdvisoryPull records a pull's outcome as the feed's health.
func (db *DB) RecordAdvisoryPull(ctx context.Context, id string, at time.Time, res advisory.ImportResult, pullErr string) (err error) {
	defer errs.Wrap(&err, "store.RecordAdvisoryPull(%q)", id)
	return db.tx(ctx, func(tx *sql.Tx) error {
		q := `UPDATE advisory_feeds SET last_pull = $2, last_error = $3, created_count = $4, updated_count = $5, failed_count = $6`
		if pullErr == "" {
			q += `, last_success = $2`
		}
		_, err := tx.ExecContext(ctx, q+` WHERE id = $1`, id, at, pullErr, res.Created, res.Updated, res.Failed)
		return err
	})
}
