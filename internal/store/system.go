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

// systemCols selects a system with its effective level: the highest of its
// own and its components' levels.
const systemCols = `s.id, s.org_id, s.parent_id, s.name, s.description, s.security_level,
	COALESCE((SELECT MAX(c.security_level) FROM information_systems c WHERE c.parent_id = s.id), 0),
	s.level_basis, s.personal_data, s.state_secrets, s.national_db, s.internet_facing, s.status, s.created_at, s.updated_at`

var systemSort = map[string]sortCol{
	"name":           {"s.name", colText},
	"security_level": {"s.security_level", colInt},
	"created_at":     {"s.created_at", colTime},
}

func scanSystem(row scanner) (org.System, error) {
	var s org.System
	var parent sql.NullString
	var comp int
	err := row.Scan(&s.ID, &s.OrgID, &parent, &s.Name, &s.Description, &s.Level, &comp, &s.LevelBasis,
		&s.PersonalData, &s.StateSecrets, &s.NationalDB, &s.InternetFacing, &s.Status, &s.CreatedAt, &s.UpdatedAt)
	s.ParentID, s.CreatedAt, s.UpdatedAt = parent.String, s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	s.EffectiveLevel = org.EffectiveLevel(s.Level, []int{comp})
	return s, err
}

func systemTaken(err error, d dialect) error {
	if d.isUnique(err) {
		return errs.Conflict("system.name_taken", "this organisation already has a system with this name").OnField("name")
	}
	return err
}

// CreateSystem registers an information system within scope.
func (db *DB) CreateSystem(ctx context.Context, scope auth.Scope, s org.System, e audit.Entry) (out org.System, err error) {
	defer errs.Wrap(&err, "store.CreateSystem")
	if !scope.Allows(s.OrgID) {
		return out, errs.NotFound("org.not_found")
	}
	s.ID, s.CreatedAt = newID(), db.Now()
	s.UpdatedAt = s.CreatedAt
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO information_systems (id, org_id, parent_id, name, description, security_level,
			level_basis, personal_data, state_secrets, national_db, internet_facing, status, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
			s.ID, s.OrgID, nullStr(s.ParentID), s.Name, s.Description, s.Level, s.LevelBasis, s.PersonalData, s.StateSecrets,
			s.NationalDB, s.InternetFacing, s.Status, s.CreatedAt, s.UpdatedAt)
		if err != nil {
			return systemTaken(err, db.d)
		}
		if out, err = getSystem(ctx, tx, scope, s.ID); err != nil {
			return err
		}
		e.TargetID, e.OrgID, e.After = s.ID, s.OrgID, audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// UpdateSystem changes an information system within scope.
func (db *DB) UpdateSystem(ctx context.Context, scope auth.Scope, s org.System, e audit.Entry) (out org.System, err error) {
	defer errs.Wrap(&err, "store.UpdateSystem(%q)", s.ID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getSystem(ctx, tx, scope, s.ID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE information_systems SET parent_id=$1, name=$2, description=$3, security_level=$4,
			level_basis=$5, personal_data=$6, state_secrets=$7, national_db=$8, internet_facing=$9, status=$10, updated_at=$11
			WHERE id=$12`,
			nullStr(s.ParentID), s.Name, s.Description, s.Level, s.LevelBasis, s.PersonalData, s.StateSecrets, s.NationalDB,
			s.InternetFacing, s.Status, db.Now(), s.ID)
		if err != nil {
			return systemTaken(err, db.d)
		}
		if out, err = getSystem(ctx, tx, scope, s.ID); err != nil {
			return err
		}
		e.TargetID, e.OrgID, e.Before, e.After = s.ID, before.OrgID, audit.Digest(before), audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

func getSystem(ctx context.Context, q rowQueryer, scope auth.Scope, id string) (org.System, error) {
	var a args
	cond := a.scope("s.org_id", scope)
	s, err := scanSystem(q.QueryRowContext(ctx, `SELECT `+systemCols+` FROM information_systems s WHERE s.id = `+a.add(id)+` AND `+cond, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return s, errs.NotFound("system.not_found")
	}
	return s, err
}

// GetSystem returns a system within scope.
func (db *DB) GetSystem(ctx context.Context, scope auth.Scope, id string) (s org.System, err error) {
	defer errs.Wrap(&err, "store.GetSystem(%q)", id)
	return getSystem(ctx, db.r, scope, id)
}

// ListSystems lists systems within scope.
func (db *DB) ListSystems(ctx context.Context, scope auth.Scope, f org.SystemFilter, pr page.Request) (res page.Result[org.System], err error) {
	defer errs.Wrap(&err, "store.ListSystems")
	var a args
	where := a.scope("s.org_id", scope)
	if f.OrgID != "" {
		where += " AND s.org_id = " + a.add(f.OrgID)
	}
	if f.Level != 0 {
		where += " AND s.security_level = " + a.add(f.Level)
	}
	if f.Query != "" {
		where += " AND LOWER(s.name) LIKE " + a.add("%"+likeEscape(lower(f.Query))+"%") + " ESCAPE '\\'"
	}
	cond, order, err := a.keyset(systemSort, "s.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+systemCols+` FROM information_systems s WHERE `+where+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanSystem)
	if err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(s org.System) (string, string) {
		switch pr.Sort {
		case "security_level":
			return intKey(int64(s.Level)), s.ID
		case "created_at":
			return timeKey(s.CreatedAt), s.ID
		}
		return s.Name, s.ID
	}), nil
}
