package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

const contactCols = `c.id, c.org_id, c.name, c.role, c.email, c.phone, c.pgp_fingerprint, c.language, c.confirmed_at, c.created_at, c.updated_at`

var contactSort = map[string]sortCol{
	"name":         {"c.name", colText},
	"role":         {"c.role", colText},
	"confirmed_at": {"c.confirmed_at", colTime},
}

func scanContact(row scanner) (org.Contact, error) {
	var c org.Contact
	err := row.Scan(&c.ID, &c.OrgID, &c.Name, &c.Role, &c.Email, &c.Phone, &c.PGPFingerprint, &c.Language,
		&c.ConfirmedAt, &c.CreatedAt, &c.UpdatedAt)
	c.ConfirmedAt, c.CreatedAt, c.UpdatedAt = c.ConfirmedAt.UTC(), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

// CreateContact adds a contact to an organisation within scope.
func (db *DB) CreateContact(ctx context.Context, scope auth.Scope, c org.Contact, e audit.Entry) (out org.Contact, err error) {
	defer errs.Wrap(&err, "store.CreateContact")
	if !scope.Allows(c.OrgID) {
		return out, errs.NotFound("org.not_found")
	}
	c.ID, c.CreatedAt = newID(), db.Now()
	c.UpdatedAt, c.ConfirmedAt = c.CreatedAt, c.ConfirmedAt.UTC().Truncate(microsecond)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO contacts (id, org_id, name, role, email, phone, pgp_fingerprint, language,
			confirmed_at, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
			c.ID, c.OrgID, c.Name, c.Role, c.Email, c.Phone, c.PGPFingerprint, c.Language, c.ConfirmedAt, c.CreatedAt, c.UpdatedAt); err != nil {
			return err
		}
		e.TargetID, e.OrgID, e.After = c.ID, c.OrgID, audit.Digest(c)
		return db.appendAudit(ctx, tx, e)
	})
	return c, err
}

// UpdateContact changes a contact within scope.
func (db *DB) UpdateContact(ctx context.Context, scope auth.Scope, c org.Contact, e audit.Entry) (out org.Contact, err error) {
	defer errs.Wrap(&err, "store.UpdateContact(%q)", c.ID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getContact(ctx, tx, scope, c.ID)
		if err != nil {
			return err
		}
		c.OrgID, c.CreatedAt, c.UpdatedAt = before.OrgID, before.CreatedAt, db.Now()
		c.ConfirmedAt = c.ConfirmedAt.UTC().Truncate(microsecond)
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET name=$1, role=$2, email=$3, phone=$4, pgp_fingerprint=$5,
			language=$6, confirmed_at=$7, updated_at=$8 WHERE id=$9`,
			c.Name, c.Role, c.Email, c.Phone, c.PGPFingerprint, c.Language, c.ConfirmedAt, c.UpdatedAt, c.ID); err != nil {
			return err
		}
		e.TargetID, e.OrgID, e.Before, e.After = c.ID, c.OrgID, audit.Digest(before), audit.Digest(c)
		out = c
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// DeleteContact removes a contact within scope.
func (db *DB) DeleteContact(ctx context.Context, scope auth.Scope, id string, e audit.Entry) (err error) {
	defer errs.Wrap(&err, "store.DeleteContact(%q)", id)
	return db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getContact(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM contacts WHERE id = $1`, id); err != nil {
			return err
		}
		e.TargetID, e.OrgID, e.Before = id, before.OrgID, audit.Digest(before)
		return db.appendAudit(ctx, tx, e)
	})
}

func getContact(ctx context.Context, q rowQueryer, scope auth.Scope, id string) (org.Contact, error) {
	var a args
	cond := a.scope("c.org_id", scope)
	c, err := scanContact(q.QueryRowContext(ctx, `SELECT `+contactCols+` FROM contacts c WHERE c.id = `+a.add(id)+` AND `+cond, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.NotFound("contact.not_found")
	}
	return c, err
}

// GetContact returns a contact within scope.
func (db *DB) GetContact(ctx context.Context, scope auth.Scope, id string) (c org.Contact, err error) {
	defer errs.Wrap(&err, "store.GetContact(%q)", id)
	return getContact(ctx, db.r, scope, id)
}

// ListContacts lists contacts within scope.
func (db *DB) ListContacts(ctx context.Context, scope auth.Scope, f org.ContactFilter, pr page.Request) (res page.Result[org.Contact], err error) {
	defer errs.Wrap(&err, "store.ListContacts")
	var a args
	where := a.scope("c.org_id", scope)
	if f.OrgID != "" {
		where += " AND c.org_id = " + a.add(f.OrgID)
	}
	if f.Role != "" {
		where += " AND c.role = " + a.add(string(f.Role))
	}
	cond, order, err := a.keyset(contactSort, "c.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+contactCols+` FROM contacts c WHERE `+where+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanContact)
	if err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(c org.Contact) (string, string) {
		switch pr.Sort {
		case "role":
			return string(c.Role), c.ID
		case "confirmed_at":
			return timeKey(c.ConfirmedAt), c.ID
		}
		return c.Name, c.ID
	}), nil
}
