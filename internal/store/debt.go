package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/tlp"
)

// DebtItems returns the active action items within scope with their
// organisations' sectors and provinces, for the debt computation.
func (db *DB) DebtItems(ctx context.Context, scope auth.Scope) (out []advisory.DebtItem, err error) {
	defer errs.Wrap(&err, "store.DebtItems")
	var a args
	where := a.scope("i.org_id", scope) + " AND i.state IN " + a.in(stateStrings(advisory.ActiveStates))
	return queryAll(ctx, db.r, `SELECT `+actionCols+`, o.sector, o.province`+actionFrom+` WHERE `+where+` ORDER BY i.due_at, i.id`, a,
		func(s scanner) (advisory.DebtItem, error) {
			var d advisory.DebtItem
			var items, level string
			var esc, exc, closed sql.NullTime
			it := &d.ActionItem
			err := s.Scan(&it.ID, &it.OrgID, &it.OrgName, &it.SystemID, &it.SystemName, &it.AdvisoryID, &it.AdvisoryTitle, &it.AdvisoryTitleVI,
				&level, &items, &it.Severity, &it.SecurityLevel, &it.KnownExploited, &it.DueAt, &it.State, &it.Justification, &it.Note, &it.Attachment,
				&it.Reviewer, &it.ReviewNote, &it.EscalationLevel, &esc, &exc, &closed, &it.CreatedAt, &it.UpdatedAt, &d.Sector, &d.Province)
			it.AdvisoryTLP, _ = tlp.Parse(level)
			it.EscalatedAt, it.ExceptionUntil, it.ClosedAt = timeOf(esc), timeOf(exc), timeOf(closed)
			it.DueAt, it.CreatedAt, it.UpdatedAt = it.DueAt.UTC(), it.CreatedAt.UTC(), it.UpdatedAt.UTC()
			return d, err
		})
}

// SaveDebtSnapshots writes the day's debt rows, replacing any of the same day.
func (db *DB) SaveDebtSnapshots(ctx context.Context, snaps []advisory.Snapshot, now time.Time) (err error) {
	defer errs.Wrap(&err, "store.SaveDebtSnapshots")
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, s := range snaps {
			if _, err := tx.ExecContext(ctx, `INSERT INTO debt_snapshots (org_id, day, score, open, overdue, taken_at)
				VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (org_id, day) DO UPDATE SET score = $3, open = $4, overdue = $5, taken_at = $6`,
				s.OrgID, s.Day, s.Score, s.Open, s.Overdue, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// DebtSnapshots returns the debt rows within scope between two days (inclusive).
func (db *DB) DebtSnapshots(ctx context.Context, scope auth.Scope, from, to string) (out []advisory.Snapshot, err error) {
	defer errs.Wrap(&err, "store.DebtSnapshots")
	var a args
	where := a.scope("d.org_id", scope) + " AND d.day >= " + a.add(from) + " AND d.day <= " + a.add(to)
	return queryAll(ctx, db.r, `SELECT d.org_id, d.day, d.score, d.open, d.overdue FROM debt_snapshots d WHERE `+where+` ORDER BY d.day, d.org_id`, a,
		func(s scanner) (advisory.Snapshot, error) {
			var x advisory.Snapshot
			return x, s.Scan(&x.OrgID, &x.Day, &x.Score, &x.Open, &x.Overdue)
		})
}
