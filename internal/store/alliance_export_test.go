package store

import (
	"context"
)

// AllianceIncidentForTest inserts a bare incident row (the alliance tests do
// not depend on how incidents are reported).
func (db *DB) AllianceIncidentForTest(ctx context.Context, id, ref, orgID, tlp, state string) error {
	now := db.Now()
	_, err := db.w.ExecContext(ctx, `INSERT INTO incidents (id, reference, org_id, title, detected_at, reported_at, tlp, state,
		clock_profile, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$5,$6,$7,'vn',$5,$5)`, id, ref, orgID, "test "+ref, now, tlp, state)
	return err
}

// AllianceIncidentStateForTest sets an incident's state.
func (db *DB) AllianceIncidentStateForTest(ctx context.Context, id, state string) error {
	_, err := db.w.ExecContext(ctx, `UPDATE incidents SET state = $1 WHERE id = $2`, state, id)
	return err
}

// AllianceMemberForTest reports whether userID holds an active grant on an incident.
func (db *DB) AllianceMemberForTest(ctx context.Context, incidentID, userID string) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_members WHERE incident_id = $1 AND user_id = $2
		AND revoked_at IS NULL`, incidentID, userID).Scan(&n)
	return n > 0, err
}

// AllianceOutboxForTest lists the kinds and recipients of queued notices of a reference.
func (db *DB) AllianceOutboxForTest(ctx context.Context, ref string) ([][2]string, error) {
	return queryAll(ctx, db.r, `SELECT kind, recipient FROM notify_outbox WHERE ref = $1 AND channel = 'email' ORDER BY created_at, kind, recipient`,
		args{ref}, func(s scanner) ([2]string, error) {
			var r [2]string
			return r, s.Scan(&r[0], &r[1])
		})
}

// AllianceIncidentTLPForTest sets an incident's TLP.
func (db *DB) AllianceIncidentTLPForTest(ctx context.Context, id, level string) error {
	_, err := db.w.ExecContext(ctx, `UPDATE incidents SET tlp = $1 WHERE id = $2`, level, id)
	return err
}
