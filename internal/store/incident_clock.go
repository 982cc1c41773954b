package store

import (
	"context"
	"database/sql"

	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/tlp"
)

// SweepClocks records every breach not yet recorded, in one transaction.
func (db *DB) SweepClocks(ctx context.Context, now time.Time, build func(incident.Breach) []notify.Notice) (n int, err error) {
	defer errs.Wrap(&err, "store.SweepClocks")
	err = db.tx(ctx, func(tx *sql.Tx) error {
		n, err = db.markBreaches(ctx, tx, trunc(now), "", build)
		return err
	})
	return n, err
}

// markBreaches finds clocks that missed their deadline (met late, or running
// and unpaused past it) without a recorded breach — of one incident, or all
// when incidentID is "" — and records each exactly once: the UPDATE that sets
// breached_at only succeeds for the first transaction to reach the row.
// Each recorded breach flags the incident, adds a timeline and an audit
// entry, and enqueues build's notices.
func (db *DB) markBreaches(ctx context.Context, tx *sql.Tx, now time.Time, incidentID string, build func(incident.Breach) []notify.Notice) (int, error) {
	var a args
	q := `SELECT c.incident_id, c.clock, c.deadline_at, i.reference, i.org_id, COALESCE(i.owner_id, ''), i.title, i.tlp
		FROM incident_clocks c JOIN incidents i ON i.id = c.incident_id
		WHERE c.breached_at IS NULL AND ((c.met_at IS NOT NULL AND c.met_at > c.deadline_at)
			OR (c.met_at IS NULL AND c.paused_at IS NULL AND c.deadline_at < ` + a.add(now) + `))`
	if incidentID != "" {
		q += ` AND c.incident_id = ` + a.add(incidentID)
	}
	bs, err := queryAll(ctx, tx, q+` ORDER BY c.deadline_at, c.incident_id, c.clock LIMIT 1000`, a, func(s scanner) (incident.Breach, error) {
		var b incident.Breach
		var level string
		err := s.Scan(&b.IncidentID, &b.Clock, &b.DeadlineAt, &b.Reference, &b.OrgID, &b.OwnerID, &b.Title, &level)
		b.TLP, _ = tlp.Parse(level)
		b.DeadlineAt = b.DeadlineAt.UTC()
		return b, err
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range bs {
		res, err := tx.ExecContext(ctx, `UPDATE incident_clocks SET breached_at = $1 WHERE incident_id = $2 AND clock = $3 AND breached_at IS NULL`,
			now, b.IncidentID, b.Clock)
		if err != nil {
			return n, err
		}
		if k, err := res.RowsAffected(); err != nil || k == 0 {
			continue // another sweeper recorded it first
		}
		n++
		if _, err := tx.ExecContext(ctx, `UPDATE incidents SET breached = TRUE WHERE id = $1`, b.IncidentID); err != nil {
			return n, err
		}
		if err := insertIncidentEntry(ctx, tx, incident.Entry{IncidentID: b.IncidentID, At: now, Actor: "system",
			Kind: "clock.breached", Visibility: incident.Shared, Body: b.Clock,
			Detail: `{"clock":"` + b.Clock + `","deadline_at":"` + b.DeadlineAt.Format(time.RFC3339) + `"}`}); err != nil {
			return n, err
		}
		e := audit.New(auth.System(), "incident.clock.breach", "incident", b.IncidentID, b.OrgID).
			WithDetail(map[string]any{"clock": b.Clock, "deadline_at": b.DeadlineAt, "reference": b.Reference})
		if err := db.appendAudit(ctx, tx, e); err != nil {
			return n, err
		}
		if build != nil {
			if err := db.enqueueNotices(ctx, tx, now, build(b)...); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
