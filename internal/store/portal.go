package store

// This file stores the public portal's review queue: entries, their review
// steps, and the reports and screenshots merged into them. Entries are
// saved under their version (see portal.Store): an update applies only if
// the row still has the version the caller read.

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
)

const entryCols = `e.id, e.kind, e.match_key, e.value, e.category, e.state, e.round, e.version, e.report_count, e.new_reports,
	e.reason, e.first_reported_at, e.last_reported_at, e.published_at, e.expires_at, e.created_at, e.updated_at`

var entrySort = map[string]sortCol{
	"last_reported": {"e.last_reported_at", colTime},
	"reports":       {"e.report_count", colInt},
	"created_at":    {"e.created_at", colTime},
}

func scanEntry(row scanner) (portal.Entry, error) {
	var e portal.Entry
	var published, expires sql.NullTime
	err := row.Scan(&e.ID, &e.Kind, &e.Key, &e.Value, &e.Category, &e.State, &e.Round, &e.Version, &e.Reports, &e.NewReports,
		&e.Reason, &e.FirstReported, &e.LastReported, &published, &expires, &e.CreatedAt, &e.UpdatedAt)
	e.PublishedAt, e.ExpiresAt = timeOf(published), timeOf(expires)
	e.FirstReported, e.LastReported = e.FirstReported.UTC(), e.LastReported.UTC()
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, err
}

func entryKey(e portal.Entry, sort string) (string, string) {
	switch sort {
	case "reports":
		return intKey(int64(e.Reports)), e.ID
	case "created_at":
		return timeKey(e.CreatedAt), e.ID
	}
	return timeKey(e.LastReported), e.ID
}

// getEntry reads one entry by a column (id or match_key) with its
// current-round confirmations and its staff reporters.
func getEntry(ctx context.Context, q rowQueryer, col, v string) (portal.Entry, error) {
	e, err := scanEntry(q.QueryRowContext(ctx, `SELECT `+entryCols+` FROM portal_entries e WHERE e.`+col+` = $1`, v))
	if errors.Is(err, sql.ErrNoRows) {
		return portal.Entry{}, errs.NotFound("portal.entry_not_found")
	}
	if err != nil {
		return portal.Entry{}, err
	}
	all, err := fillEntries(ctx, q, []portal.Entry{e})
	if err != nil {
		return portal.Entry{}, err
	}
	return all[0], nil
}

// fillEntries loads the current-round confirmations and staff reporters of
// entries, in two queries.
func fillEntries(ctx context.Context, q rowQueryer, es []portal.Entry) ([]portal.Entry, error) {
	if len(es) == 0 {
		return es, nil
	}
	ids := make([]string, len(es))
	pos := make(map[string]int, len(es))
	for i, e := range es {
		ids[i], pos[e.ID] = e.ID, i
	}
	var a args
	in := a.in(ids)
	reviews, err := queryAll(ctx, q, `SELECT `+reviewCols+` FROM portal_reviews r WHERE r.action = 'confirm' AND r.entry_id IN `+in+
		` ORDER BY r.at, r.id`, a, scanReview)
	if err != nil {
		return nil, err
	}
	for _, r := range reviews {
		if e := &es[pos[r.EntryID]]; r.Round == e.Round {
			e.Confirmations = append(e.Confirmations, r)
		}
	}
	var b args
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT entry_id, reporter_id FROM portal_reports
		WHERE reporter_id <> '' AND entry_id IN `+b.in(ids)+` ORDER BY entry_id, reporter_id`, b...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, by string
		if err := rows.Scan(&id, &by); err != nil {
			return nil, err
		}
		e := &es[pos[id]]
		e.StaffReporters = append(e.StaffReporters, by)
	}
	return es, rows.Err()
}

// EntryByKey returns the entry of a match key.
func (db *DB) EntryByKey(ctx context.Context, key string) (e portal.Entry, err error) {
	defer errs.Wrap(&err, "store.EntryByKey(%q)", key)
	return getEntry(ctx, db.r, "match_key", key)
}

// GetEntry returns an entry by ID.
func (db *DB) GetEntry(ctx context.Context, id string) (e portal.Entry, err error) {
	defer errs.Wrap(&err, "store.GetEntry(%q)", id)
	return getEntry(ctx, db.r, "id", id)
}

// ListEntries lists the review queue.
func (db *DB) ListEntries(ctx context.Context, f portal.EntryFilter, pr page.Request) (res page.Result[portal.Entry], err error) {
	defer errs.Wrap(&err, "store.ListEntries")
	var a args
	where := "1=1"
	if f.State != "" {
		where += " AND e.state = " + a.add(string(f.State))
	}
	if f.Kind != "" {
		where += " AND e.kind = " + a.add(string(f.Kind))
	}
	if f.Query != "" {
		where += " AND e.match_key LIKE " + a.add("%"+likeEscape(strings.ToLower(f.Query))+"%") + " ESCAPE '\\'"
	}
	if f.NewReports {
		where += " AND e.new_reports > 0"
	}
	cond, order, err := a.keyset(entrySort, "e.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+entryCols+` FROM portal_entries e WHERE `+where+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanEntry)
	if err != nil {
		return res, err
	}
	res = finishPage(items, pr.Limit, func(e portal.Entry) (string, string) { return entryKey(e, pr.Sort) })
	res.Items, err = fillEntries(ctx, db.r, res.Items)
	return res, err
}

const reviewCols = `r.id, r.entry_id, r.round, r.action, r.actor_id, r.actor_label, r.note, r.at`

func scanReview(row scanner) (portal.Review, error) {
	var r portal.Review
	err := row.Scan(&r.ID, &r.EntryID, &r.Round, &r.Action, &r.ActorID, &r.ActorLabel, &r.Note, &r.At)
	r.At = r.At.UTC()
	return r, err
}

// History lists an entry's review steps, oldest first.
func (db *DB) History(ctx context.Context, entryID string) (rs []portal.Review, err error) {
	defer errs.Wrap(&err, "store.History(%q)", entryID)
	return queryAll(ctx, db.r, `SELECT `+reviewCols+` FROM portal_reviews r WHERE r.entry_id = $1 ORDER BY r.at, r.id`,
		args{entryID}, scanReview)
}

// saveEntry inserts an entry (Version 0) or updates it if the stored row
// still has e.Version, and returns it as stored with the digest of the row
// before (empty for an insert).
func (db *DB) saveEntry(ctx context.Context, tx *sql.Tx, e portal.Entry) (portal.Entry, string, error) {
	e.UpdatedAt = db.Now()
	if e.Version == 0 {
		e.ID, e.Version = newID(), 1
		_, err := tx.ExecContext(ctx, `INSERT INTO portal_entries (id, kind, match_key, value, category, state, round, version,
			report_count, new_reports, reason, first_reported_at, last_reported_at, published_at, expires_at, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
			e.ID, e.Kind, e.Key, e.Value, e.Category, e.State, e.Round, e.Version, e.Reports, e.NewReports, e.Reason,
			e.FirstReported, e.LastReported, nullTime(e.PublishedAt), nullTime(e.ExpiresAt), e.CreatedAt, e.UpdatedAt)
		if db.d.isUnique(err) {
			return e, "", errs.Conflict(portal.CodeRace, "the entry was created meanwhile; try again")
		}
		return e, "", err
	}
	before, err := scanEntry(tx.QueryRowContext(ctx, `SELECT `+entryCols+` FROM portal_entries e WHERE e.id = $1`, e.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, "", errs.NotFound("portal.entry_not_found")
	}
	if err != nil {
		return e, "", err
	}
	res, err := tx.ExecContext(ctx, `UPDATE portal_entries SET category=$1, state=$2, round=$3, version=version+1,
		report_count=$4, new_reports=$5, reason=$6, last_reported_at=$7, published_at=$8, expires_at=$9, updated_at=$10
		WHERE id=$11 AND version=$12`,
		e.Category, e.State, e.Round, e.Reports, e.NewReports, e.Reason, e.LastReported, nullTime(e.PublishedAt),
		nullTime(e.ExpiresAt), e.UpdatedAt, e.ID, e.Version)
	if err != nil {
		return e, "", err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return e, "", errs.Conflict(portal.CodeRace, "the entry was changed meanwhile; try again")
	}
	e.Version++
	e.Kind, e.Key, e.Value, e.FirstReported, e.CreatedAt = before.Kind, before.Key, before.Value, before.FirstReported, before.CreatedAt
	return e, audit.Digest(before.Listing), nil
}

// SaveReport stores a report with its screenshots and saves its entry.
func (db *DB) SaveReport(ctx context.Context, r portal.Report, shots []portal.Screenshot, e portal.Entry, audits []audit.Entry) (
	outR portal.Report, outE portal.Entry, err error) {
	defer errs.Wrap(&err, "store.SaveReport(%q)", r.Subject.Key)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		saved, before, err := db.saveEntry(ctx, tx, e)
		if err != nil {
			return err
		}
		r.ID, r.EntryID = newID(), saved.ID
		if err := insertReport(ctx, tx, r, shots); err != nil {
			return err
		}
		for i := range audits {
			switch audits[i].TargetType {
			case "portal_report":
				audits[i].TargetID, audits[i].After = r.ID, audit.Digest(r)
			case "portal_entry":
				audits[i].TargetID, audits[i].Before, audits[i].After = saved.ID, before, audit.Digest(saved.Listing)
			}
		}
		if err := db.appendAudit(ctx, tx, audits...); err != nil {
			return err
		}
		outR, outE = r, saved
		return nil
	})
	if err == nil {
		outE, err = getEntry(ctx, db.r, "id", outE.ID)
	}
	return outR, outE, err
}

func insertReport(ctx context.Context, tx *sql.Tx, r portal.Report, shots []portal.Screenshot) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO portal_reports (id, entry_id, receipt_hash, kind, value, match_key, category,
		description, loss_amount, loss_currency, contact, lang, reporter_id, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
		r.ID, r.EntryID, r.ReceiptHash, r.Subject.Kind, r.Subject.Value, r.Subject.Key, r.Category, r.Description,
		r.Loss.Amount, r.Loss.Currency, r.Contact, r.Lang, r.ReporterID, r.CreatedAt); err != nil {
		return err
	}
	for i, s := range shots {
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_screenshots (id, content_type, width, height, size, data, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (id) DO NOTHING`,
			s.ID, s.Type, s.Width, s.Height, len(s.Data), s.Data, r.CreatedAt); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_report_screenshots (report_id, position, screenshot_id) VALUES ($1,$2,$3)`,
			r.ID, i, s.ID); err != nil {
			return err
		}
	}
	return nil
}

// SaveReview stores a review step and the entry it changed.
func (db *DB) SaveReview(ctx context.Context, e portal.Entry, step portal.Review, a audit.Entry) (out portal.Entry, err error) {
	defer errs.Wrap(&err, "store.SaveReview(%q, %s)", e.ID, step.Action)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		saved, before, err := db.saveEntry(ctx, tx, e)
		if err != nil {
			return err
		}
		if err := db.insertReview(ctx, tx, saved.ID, step); err != nil {
			return err
		}
		a.TargetID, a.Before, a.After = saved.ID, before, audit.Digest(saved.Listing)
		out = saved
		return db.appendAudit(ctx, tx, a)
	})
	if err == nil {
		out, err = getEntry(ctx, db.r, "id", out.ID)
	}
	return out, err
}

func (db *DB) insertReview(ctx context.Context, tx *sql.Tx, entryID string, r portal.Review) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO portal_reviews (id, entry_id, round, action, actor_id, actor_label, note, at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, newID(), entryID, r.Round, r.Action, r.ActorID, r.ActorLabel, r.Note, r.At)
	if db.d.isUnique(err) {
		return errs.Conflict(portal.CodeAlreadyConfirmed, "you have confirmed this entry; another reviewer must confirm it too")
	}
	return err
}

const reportCols = `p.id, p.entry_id, p.receipt_hash, p.kind, p.value, p.match_key, p.category, p.description, p.loss_amount,
	p.loss_currency, p.contact, p.lang, p.reporter_id, p.created_at`

func scanReport(row scanner) (portal.Report, error) {
	var r portal.Report
	err := row.Scan(&r.ID, &r.EntryID, &r.ReceiptHash, &r.Subject.Kind, &r.Subject.Value, &r.Subject.Key, &r.Category,
		&r.Description, &r.Loss.Amount, &r.Loss.Currency, &r.Contact, &r.Lang, &r.ReporterID, &r.CreatedAt)
	r.CreatedAt = r.CreatedAt.UTC()
	return r, err
}

// withShots fills the screenshot IDs of reports.
func withShots(ctx context.Context, q rowQueryer, rs []portal.Report) ([]portal.Report, error) {
	if len(rs) == 0 {
		return rs, nil
	}
	pos := make(map[string]int, len(rs))
	ids := make([]string, len(rs))
	for i, r := range rs {
		pos[r.ID], ids[i] = i, r.ID
	}
	var a args
	rows, err := q.QueryContext(ctx, `SELECT report_id, screenshot_id FROM portal_report_screenshots
		WHERE report_id IN `+a.in(ids)+` ORDER BY report_id, position`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var rid, sid string
		if err := rows.Scan(&rid, &sid); err != nil {
			return nil, err
		}
		rs[pos[rid]].Screenshots = append(rs[pos[rid]].Screenshots, sid)
	}
	return rs, rows.Err()
}

// ReportByReceipt returns the report a receipt number's hash belongs to.
func (db *DB) ReportByReceipt(ctx context.Context, hash string) (r portal.Report, err error) {
	defer errs.Wrap(&err, "store.ReportByReceipt")
	rs, err := queryAll(ctx, db.r, `SELECT `+reportCols+` FROM portal_reports p WHERE p.receipt_hash = $1`, args{hash}, scanReport)
	if err != nil {
		return r, err
	}
	if len(rs) == 0 {
		return r, errs.NotFound("portal.receipt_not_found")
	}
	rs, err = withShots(ctx, db.r, rs)
	return rs[0], err
}

// EntryReports lists an entry's reports, newest first, and audits the read.
func (db *DB) EntryReports(ctx context.Context, entryID string, a audit.Entry) (rs []portal.Report, err error) {
	defer errs.Wrap(&err, "store.EntryReports(%q)", entryID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := getEntry(ctx, tx, "id", entryID); err != nil {
			return err
		}
		if rs, err = queryAll(ctx, tx, `SELECT `+reportCols+` FROM portal_reports p WHERE p.entry_id = $1
			ORDER BY p.created_at DESC, p.id DESC`, args{entryID}, scanReport); err != nil {
			return err
		}
		if rs, err = withShots(ctx, tx, rs); err != nil {
			return err
		}
		a.TargetID = entryID
		return db.appendAudit(ctx, tx, a.MergeDetail(map[string]any{"reports": len(rs)}))
	})
	return rs, err
}

// Screenshot returns one picture and audits the read.
func (db *DB) Screenshot(ctx context.Context, id string, a audit.Entry) (s portal.Screenshot, err error) {
	defer errs.Wrap(&err, "store.Screenshot(%q)", id)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id, content_type, width, height, data FROM portal_screenshots WHERE id = $1`, id).
			Scan(&s.ID, &s.Type, &s.Width, &s.Height, &s.Data)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.NotFound("portal.screenshot_not_found")
		}
		if err != nil {
			return err
		}
		a.TargetID = id
		return db.appendAudit(ctx, tx, a)
	})
	return s, err
}
