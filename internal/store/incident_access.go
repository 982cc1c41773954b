package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/tlp"
)

// Who sees an incident (incidentScope is the one place that says it):
//
//   - holders of incident:manage or incident:read on the reporting
//     organisation (coordinators, administrators, leadership and investigators
//     everywhere; constituents for their own organisations);
//   - a responder (incident:respond) only while they hold an un-revoked
//     incident_members row for that incident, and nothing else.
//
// Internal timeline entries are for incident:manage holders only.

// grantIncidentAccess lets userID see and work incident incidentID as a
// mobilised responder, inside tx (the alliance store calls it when a responder
// accepts). Granting again to a revoked member restores the grant. It writes a
// shared timeline entry and an audit entry.
func (db *DB) grantIncidentAccess(ctx context.Context, tx *sql.Tx, incidentID, userID, reason string, now time.Time) error {
	now = now.UTC().Truncate(microsecond)
	orgID, ref, err := incidentOrgRef(ctx, tx, incidentID)
	if err != nil {
		return err
	}
	var email string
	if err := tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, userID).Scan(&email); errors.Is(err, sql.ErrNoRows) {
		return errs.NotFound("incident.user_not_found")
	} else if err != nil {
		return err
	}
	var revoked sql.NullTime
	err = tx.QueryRowContext(ctx, `SELECT revoked_at FROM incident_members WHERE incident_id = $1 AND user_id = $2`,
		incidentID, userID).Scan(&revoked)
	switch {
	case err == nil && !revoked.Valid:
		return nil // already granted: nothing changes
	case err == nil:
		_, err = tx.ExecContext(ctx, `UPDATE incident_members SET role = $1, granted_at = $2, revoked_at = NULL,
			reason = $3, revoke_reason = '' WHERE incident_id = $4 AND user_id = $5`,
			incident.RoleResponder, now, reason, incidentID, userID)
	case errors.Is(err, sql.ErrNoRows):
		_, err = tx.ExecContext(ctx, `INSERT INTO incident_members (incident_id, user_id, role, granted_at, reason)
			VALUES ($1,$2,$3,$4,$5)`, incidentID, userID, incident.RoleResponder, now, reason)
	}
	if err != nil {
		return err
	}
	if err := insertIncidentEntry(ctx, tx, incident.Entry{IncidentID: incidentID, At: now, Actor: "system",
		Kind: "member.granted", Visibility: incident.Shared, Body: email + ": " + reason,
		Detail: `{"user_id":"` + userID + `"}`}); err != nil {
		return err
	}
	e := audit.New(auth.System(), "incident.member.grant", "incident", incidentID, orgID).
		WithDetail(map[string]string{"user_id": userID, "reference": ref, "reason": reason})
	return db.appendAudit(ctx, tx, e)
}

// revokeIncidentAccess ends userID's grant on incidentID inside tx (when a
// responder is released). Revoking a grant that is not active answers
// errs.NotFound. It writes a shared timeline entry and an audit entry.
func (db *DB) revokeIncidentAccess(ctx context.Context, tx *sql.Tx, incidentID, userID, reason string, now time.Time) error {
	now = now.UTC().Truncate(microsecond)
	orgID, ref, err := incidentOrgRef(ctx, tx, incidentID)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE incident_members SET revoked_at = $1, revoke_reason = $2
		WHERE incident_id = $3 AND user_id = $4 AND revoked_at IS NULL`, now, reason, incidentID, userID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errs.NotFound("incident.member_not_found")
	}
	var email string
	_ = tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, userID).Scan(&email)
	if err := insertIncidentEntry(ctx, tx, incident.Entry{IncidentID: incidentID, At: now, Actor: "system",
		Kind: "member.revoked", Visibility: incident.Shared, Body: strings.TrimSpace(email + ": " + reason),
		Detail: `{"user_id":"` + userID + `"}`}); err != nil {
		return err
	}
	e := audit.New(auth.System(), "incident.member.revoke", "incident", incidentID, orgID).
		WithDetail(map[string]string{"user_id": userID, "reference": ref, "reason": reason})
	return db.appendAudit(ctx, tx, e)
}

func incidentOrgRef(ctx context.Context, q rowQueryer, id string) (orgID, ref string, err error) {
	err = q.QueryRowContext(ctx, `SELECT org_id, reference FROM incidents WHERE id = $1`, id).Scan(&orgID, &ref)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", errs.NotFound("incident.not_found")
	}
	return orgID, ref, err
}

// insertIncidentEntry appends a timeline entry inside tx.
func insertIncidentEntry(ctx context.Context, tx *sql.Tx, e incident.Entry) error {
	if e.ID == "" {
		e.ID = newID()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO incident_timeline (id, incident_id, at, actor_id, actor_label, kind,
		visibility, body, detail) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		e.ID, e.IncidentID, e.At.UTC().Truncate(microsecond), e.ActorID, e.Actor, e.Kind, string(e.Visibility), e.Body, e.Detail)
	return err
}

// incidentScope is the SQL condition under which viewer v sees the incident
// row of table alias t.
func incidentScope(a *args, v incident.Viewer, t string) string {
	var conds []string
	switch {
	case v.Manage.All || v.Read.All && v.Clearance == tlp.Red:
		conds = append(conds, "1=1")
	case v.Read.All:
		// National readers (leadership) see incidents within their TLP
		// clearance, and their own organisations' whatever the TLP.
		c := t + ".tlp IN " + a.in(tlpAtMost(v.Clearance))
		if len(v.Own) > 0 {
			c += " OR " + t + ".org_id IN " + a.in(v.Own)
		}
		conds = append(conds, "("+c+")")
	case !v.Read.Empty():
		conds = append(conds, a.scope(t+".org_id", v.Read))
	}
	if v.Respond && v.UserID != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM incident_members im WHERE im.incident_id = "+t+
			".id AND im.user_id = "+a.add(v.UserID)+" AND im.revoked_at IS NULL)")
	}
	if len(conds) == 0 {
		return "1=0"
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// GrantIncidentAccess grants access in a transaction of its own. It is for
// the platform itself (demo data, test harnesses); people are granted access
// by accepting a mobilisation, whose store calls grantIncidentAccess inside
// its own transaction.
func (db *DB) GrantIncidentAccess(ctx context.Context, incidentID, userID, reason string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		return db.grantIncidentAccess(ctx, tx, incidentID, userID, reason, db.Now())
	})
}

// RevokeIncidentAccess ends a grant in a transaction of its own (see
// GrantIncidentAccess).
func (db *DB) RevokeIncidentAccess(ctx context.Context, incidentID, userID, reason string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		return db.revokeIncidentAccess(ctx, tx, incidentID, userID, reason, db.Now())
	})
}
