package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/incident"
)

// IncidentStats returns one row per incident v may see reported in
// [from, to), excluding merged duplicates; the statistics are computed from
// them by package incident.
func (db *DB) IncidentStats(ctx context.Context, v incident.Viewer, from, to time.Time) (rows []incident.StatRow, err error) {
	defer errs.Wrap(&err, "store.IncidentStats")
	var a args
	cond := incidentScope(&a, v, "i")
	q := `SELECT i.id, i.org_id, o.sector, o.province, i.category, i.severity, i.state, i.reported_at, i.triaged_at,
		i.resolved_at, i.breached, i.personal_data FROM incidents i JOIN organisations o ON o.id = i.org_id
		WHERE ` + cond + ` AND i.state <> 'merged' AND i.reported_at >= ` + a.add(trunc(from)) + ` AND i.reported_at < ` + a.add(trunc(to)) +
		` ORDER BY i.reported_at, i.id`
	rows, err = queryAll(ctx, db.r, q, a, func(s scanner) (incident.StatRow, error) {
		var r incident.StatRow
		var sev, state string
		var triaged, resolved sql.NullTime
		err := s.Scan(&r.ID, &r.OrgID, &r.Sector, &r.Province, &r.Category, &sev, &state, &r.ReportedAt, &triaged,
			&resolved, &r.Breached, &r.PersonalData)
		r.Severity, r.State, r.ReportedAt = incident.Severity(sev), incident.State(state), r.ReportedAt.UTC()
		r.TriagedAt, r.ResolvedAt = timeOf(triaged), timeOf(resolved)
		return r, err
	})
	if rows == nil {
		rows = []incident.StatRow{}
	}
	return rows, err
}
