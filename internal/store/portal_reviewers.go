package store

// This file stores the scam portal's trusted reviewers: users of alliance
// member organisations a coordinator designated to work the review queue
// (see portal.ReviewerStore). A revoked designation stays, with revoked_at
// set; a user holds one designation in force at most.

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/portal"
)

var _ portal.ReviewerStore = (*DB)(nil)

// memberOfAlliance is the condition that user u belongs to an alliance
// member organisation; its one argument is the kind.
const memberOfAlliance = `EXISTS (SELECT 1 FROM memberships m JOIN organisations o ON o.id = m.org_id
	WHERE m.user_id = u.id AND o.kind = `

const designationCols = `pr.id, pr.user_id, u.email, u.name, pr.reason, pr.granted_by, COALESCE(g.email, ''), pr.granted_at,
	pr.revoked_by, pr.revoked_at`

func scanDesignation(row scanner) (portal.Designation, error) {
	var d portal.Designation
	var revoked sql.NullTime
	var orgName sql.NullString
	err := row.Scan(&d.ID, &d.UserID, &d.Email, &d.Name, &d.Reason, &d.GrantedBy, &d.GrantedByEmail, &d.GrantedAt,
		&d.RevokedBy, &revoked, &orgName)
	d.GrantedAt, d.RevokedAt, d.Org = d.GrantedAt.UTC(), timeOf(revoked), orgName.String
	return d, err
}

// designationQuery selects designations with their user, granter and the
// user's first alliance member organisation; a binds the kind.
func designationQuery(a *args) string {
	return `SELECT ` + designationCols + `, (SELECT MIN(o.name) FROM memberships m JOIN organisations o ON o.id = m.org_id
		WHERE m.user_id = pr.user_id AND o.kind = ` + a.add(string(org.KindAllianceMember)) + `)
		FROM portal_reviewers pr JOIN users u ON u.id = pr.user_id LEFT JOIN users g ON g.id = pr.granted_by`
}

// ReviewerCandidate finds a user by e-mail with what decides whether they
// may be designated.
func (db *DB) ReviewerCandidate(ctx context.Context, email string) (c portal.Candidate, err error) {
	defer errs.Wrap(&err, "store.ReviewerCandidate")
	var disabled bool
	err = db.r.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.disabled, `+memberOfAlliance+`$2)
		FROM users u WHERE u.email = $1`, email, string(org.KindAllianceMember)).
		Scan(&c.UserID, &c.Email, &c.Name, &disabled, &c.AllianceMember)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.NotFound("portal.reviewer_unknown")
	}
	c.Active = !disabled
	return c, err
}

// TrustedReviewer reports whether a user holds a designation in force and
// still qualifies for it.
func (db *DB) TrustedReviewer(ctx context.Context, userID string) (ok bool, err error) {
	defer errs.Wrap(&err, "store.TrustedReviewer(%q)", userID)
	var n int
	err = db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM portal_reviewers pr JOIN users u ON u.id = pr.user_id
		WHERE pr.user_id = $1 AND pr.revoked_at IS NULL AND NOT u.disabled AND `+memberOfAlliance+`$2)`,
		userID, string(org.KindAllianceMember)).Scan(&n)
	return n > 0, err
}

// ListReviewers lists designations, newest first; revoked ones too when
// all is set.
func (db *DB) ListReviewers(ctx context.Context, all bool) (ds []portal.Designation, err error) {
	defer errs.Wrap(&err, "store.ListReviewers")
	var a args
	q := designationQuery(&a)
	if !all {
		q += ` WHERE pr.revoked_at IS NULL`
	}
	return queryAll(ctx, db.r, q+` ORDER BY pr.granted_at DESC, pr.id DESC`, a, scanDesignation)
}

func getDesignation(ctx context.Context, q rowQueryer, id string) (portal.Designation, error) {
	var a args
	query := designationQuery(&a) + ` WHERE pr.id = ` + a.add(id)
	return scanDesignation(q.QueryRowContext(ctx, query, a...))
}

// Designate stores a new designation and audits it.
func (db *DB) Designate(ctx context.Context, d portal.Designation, a audit.Entry) (out portal.Designation, err error) {
	defer errs.Wrap(&err, "store.Designate(%q)", d.UserID)
	d.ID = newID()
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO portal_reviewers (id, user_id, granted_by, granted_at, reason)
			VALUES ($1,$2,$3,$4,$5)`, d.ID, d.UserID, d.GrantedBy, d.GrantedAt, d.Reason)
		if db.d.isUnique(err) {
			return errs.Conflict(portal.CodeAlreadyReviewer, "this user is already a trusted reviewer")
		}
		if err != nil {
			return err
		}
		if out, err = getDesignation(ctx, tx, d.ID); err != nil {
			return err
		}
		a.TargetID, a.After = d.ID, audit.Digest(out)
		return db.appendAudit(ctx, tx, a)
	})
	return out, err
}

// RevokeReviewer revokes the user's designation in force and audits it.
func (db *DB) RevokeReviewer(ctx context.Context, userID, by string, at time.Time, a audit.Entry) (out portal.Designation, err error) {
	defer errs.Wrap(&err, "store.RevokeReviewer(%q)", userID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM portal_reviewers WHERE user_id = $1 AND revoked_at IS NULL`, userID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.NotFound("portal.reviewer_not_found")
		}
		if err != nil {
			return err
		}
		before, err := getDesignation(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE portal_reviewers SET revoked_by = $1, revoked_at = $2 WHERE id = $3`,
			by, at, id); err != nil {
			return err
		}
		if out, err = getDesignation(ctx, tx, id); err != nil {
			return err
		}
		a.TargetID, a.Before, a.After = id, audit.Digest(before), audit.Digest(out)
		return db.appendAudit(ctx, tx, a)
	})
	return out, err
}
