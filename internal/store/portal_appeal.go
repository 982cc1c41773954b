package store

// This file stores the public portal's appeals and streams its listings
// (for the look-up index, the distribution outputs and expiry).

import (
	"context"
	"database/sql"
	"errors"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
)

const appealCols = `ap.id, ap.entry_id, ap.receipt_hash, ap.name, ap.contact, ap.statement, ap.lang, ap.state, ap.reason,
	ap.decider_id, ap.decider_label, ap.decided_at, ap.created_at`

var appealSort = map[string]sortCol{"created_at": {"ap.created_at", colTime}}

func scanAppeal(row scanner) (portal.Appeal, error) {
	var a portal.Appeal
	var decided sql.NullTime
	err := row.Scan(&a.ID, &a.EntryID, &a.ReceiptHash, &a.Name, &a.Contact, &a.Statement, &a.Lang, &a.State, &a.Reason,
		&a.DeciderID, &a.DeciderLabel, &decided, &a.CreatedAt)
	a.DecidedAt, a.CreatedAt = timeOf(decided), a.CreatedAt.UTC()
	return a, err
}

// CreateAppeal stores an open appeal; an entry has one open appeal at most.
func (db *DB) CreateAppeal(ctx context.Context, ap portal.Appeal, a audit.Entry) (out portal.Appeal, err error) {
	defer errs.Wrap(&err, "store.CreateAppeal(%q)", ap.EntryID)
	ap.ID = newID()
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO portal_appeals (id, entry_id, receipt_hash, name, contact, statement, lang,
			state, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
			ap.ID, ap.EntryID, ap.ReceiptHash, ap.Name, ap.Contact, ap.Statement, ap.Lang, ap.State, ap.CreatedAt)
		if db.d.isUnique(err) {
			return errs.Conflict(portal.CodeAppealOpen, "an appeal about this entry is already open")
		}
		if err != nil {
			return err
		}
		a.TargetID, a.After = ap.ID, audit.Digest(ap)
		return db.appendAudit(ctx, tx, a)
	})
	return ap, err
}

func getAppeal(ctx context.Context, q rowQueryer, col, v string) (portal.Appeal, error) {
	ap, err := scanAppeal(q.QueryRowContext(ctx, `SELECT `+appealCols+` FROM portal_appeals ap WHERE ap.`+col+` = $1`, v))
	if errors.Is(err, sql.ErrNoRows) {
		return ap, errs.NotFound("portal.appeal_not_found")
	}
	return ap, err
}

// GetAppeal returns one appeal.
func (db *DB) GetAppeal(ctx context.Context, id string) (ap portal.Appeal, err error) {
	defer errs.Wrap(&err, "store.GetAppeal(%q)", id)
	return getAppeal(ctx, db.r, "id", id)
}

// AppealByReceipt returns the appeal a receipt number's hash belongs to.
func (db *DB) AppealByReceipt(ctx context.Context, hash string) (ap portal.Appeal, err error) {
	defer errs.Wrap(&err, "store.AppealByReceipt")
	ap, err = getAppeal(ctx, db.r, "receipt_hash", hash)
	if errs.Is(err, errs.KindNotFound) {
		err = errs.NotFound("portal.receipt_not_found")
	}
	return ap, err
}

// ListAppeals lists appeals.
func (db *DB) ListAppeals(ctx context.Context, f portal.AppealFilter, pr page.Request) (res page.Result[portal.Appeal], err error) {
	defer errs.Wrap(&err, "store.ListAppeals")
	var a args
	where := "1=1"
	if f.State != "" {
		where += " AND ap.state = " + a.add(string(f.State))
	}
	if f.EntryID != "" {
		where += " AND ap.entry_id = " + a.add(f.EntryID)
	}
	cond, order, err := a.keyset(appealSort, "ap.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+appealCols+` FROM portal_appeals ap WHERE `+where+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanAppeal)
	if err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(ap portal.Appeal) (string, string) { return timeKey(ap.CreatedAt), ap.ID }), nil
}

// DecideAppeal records the decision of an open appeal and, when it
// withdrew the entry, saves the entry and the step.
func (db *DB) DecideAppeal(ctx context.Context, ap portal.Appeal, e *portal.Entry, step *portal.Review, a audit.Entry) (
	out portal.Appeal, err error) {
	defer errs.Wrap(&err, "store.DecideAppeal(%q)", ap.ID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE portal_appeals SET state=$1, reason=$2, decider_id=$3, decider_label=$4,
			decided_at=$5 WHERE id=$6 AND state='open'`, ap.State, ap.Reason, ap.DeciderID, ap.DeciderLabel, ap.DecidedAt, ap.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errs.Conflict(portal.CodeAppealClosed, "this appeal was already decided")
		}
		entries := []audit.Entry{}
		if e != nil {
			saved, before, err := db.saveEntry(ctx, tx, *e)
			if err != nil {
				return err
			}
			if err := db.insertReview(ctx, tx, saved.ID, *step); err != nil {
				return err
			}
			w := a
			w.Action, w.TargetType, w.TargetID, w.Before, w.After = "portal.entry_withdraw", "portal_entry", saved.ID, before, audit.Digest(saved.Listing)
			entries = append(entries, w)
		}
		a.TargetID, a.After = ap.ID, audit.Digest(ap)
		out = ap
		return db.appendAudit(ctx, tx, append([]audit.Entry{a}, entries...)...)
	})
	return out, err
}

// Listings streams the listings matching f to fn, oldest entry first (by
// ID, which both engines order alike), without holding them in memory.
func (db *DB) Listings(ctx context.Context, f portal.ListingFilter, fn func(portal.Listing) error) (err error) {
	defer errs.Wrap(&err, "store.Listings")
	var a args
	where := "1=1"
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, s := range f.States {
			states[i] = string(s)
		}
		where += " AND e.state IN " + a.in(states)
	}
	if !f.ChangedSince.IsZero() {
		where += " AND e.updated_at >= " + a.add(f.ChangedSince.UTC())
	}
	if !f.ValidAt.IsZero() {
		where += " AND (e.state <> 'published' OR e.expires_at > " + a.add(f.ValidAt.UTC()) + ")"
	}
	if !f.ExpiredBy.IsZero() {
		where += " AND (e.state <> 'published' OR e.expires_at <= " + a.add(f.ExpiredBy.UTC()) + ")"
	}
	rows, err := db.r.QueryContext(ctx, `SELECT e.id, e.kind, e.value, e.match_key, e.category, e.state, e.report_count,
		e.published_at, e.expires_at, e.updated_at FROM portal_entries e WHERE `+where+` ORDER BY e.id`, a...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l portal.Listing
		var published, expires sql.NullTime
		if err := rows.Scan(&l.ID, &l.Kind, &l.Value, &l.Key, &l.Category, &l.State, &l.Reports, &published, &expires,
			&l.UpdatedAt); err != nil {
			return err
		}
		l.PublishedAt, l.ExpiresAt, l.UpdatedAt = timeOf(published), timeOf(expires), l.UpdatedAt.UTC()
		if err := fn(l); err != nil {
			return err
		}
	}
	return rows.Err()
}
