package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// This file keeps users and memberships; auth_session.go sessions, log-in
// counters and second factors; auth_token.go API tokens. Together they
// implement auth.Store. Audit entries are built here from the acting
// principal (the auth package cannot import audit, which imports it), and
// their digests and details never include a hash or secret: audit.Digest is
// taken of auth.User and auth.Token values, which hold none.

const userCols = `u.id, u.email, u.name, u.role, u.language, u.disabled, u.totp_enabled, u.locked_until, u.created_at, u.updated_at`

const accountCols = userCols + `, u.password_hash, u.totp_secret, u.totp_last_step, u.failed_logins, u.lockouts, u.password_changed_at`

var userSort = map[string]sortCol{
	"email":      {"u.email", colText},
	"created_at": {"u.created_at", colTime},
}

// everyUser is the scope of the store's own reads inside a transaction,
// after the caller's scope was checked.
var everyUser = auth.UserScope{Scope: auth.Scope{All: true}}

// authTime is t as both engines keep it.
func authTime(t time.Time) time.Time { return t.UTC().Truncate(microsecond) }

func scanUserFields(row scanner, extra ...any) (auth.User, error) {
	var u auth.User
	var locked sql.NullTime
	err := row.Scan(append([]any{&u.ID, &u.Email, &u.Name, &u.Role, &u.Language, &u.Disabled,
		&u.TOTPEnabled, &locked, &u.CreatedAt, &u.UpdatedAt}, extra...)...)
	u.LockedUntil, u.CreatedAt, u.UpdatedAt = timeOf(locked), u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	u.Orgs = []string{}
	return u, err
}

func scanUser(row scanner) (auth.User, error) { return scanUserFields(row) }

func scanAccount(row scanner) (auth.Account, error) {
	var a auth.Account
	var changed time.Time
	u, err := scanUserFields(row, &a.PasswordHash, &a.TOTPSecret, &a.TOTPLastStep, &a.FailedLogins, &a.Lockouts, &changed)
	a.User, a.PasswordChangedAt = u, changed.UTC()
	return a, err
}

// userScopeCond restricts the users alias u to s.
func userScopeCond(a *args, s auth.UserScope) string {
	if s.Scope.All {
		return "1=1"
	}
	var or []string
	if s.Self != "" {
		or = append(or, "u.id = "+a.add(s.Self))
	}
	if len(s.Scope.Orgs) > 0 {
		or = append(or, "EXISTS (SELECT 1 FROM memberships sm WHERE sm.user_id = u.id AND sm.org_id IN "+a.in(s.Scope.Orgs)+")")
	}
	if len(or) == 0 {
		return "1=0"
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// fillOrgs sets the Orgs of each user from memberships, sorted.
func fillOrgs(ctx context.Context, q rowQueryer, users []auth.User) error {
	if len(users) == 0 {
		return nil
	}
	var a args
	ids := make([]string, len(users))
	at := make(map[string]int, len(users))
	for i, u := range users {
		ids[i], at[u.ID] = u.ID, i
	}
	type pair struct{ user, org string }
	pairs, err := queryAll(ctx, q, `SELECT user_id, org_id FROM memberships WHERE user_id IN `+a.in(ids)+
		` ORDER BY user_id, org_id`, a, func(r scanner) (pair, error) {
		var p pair
		return p, r.Scan(&p.user, &p.org)
	})
	for _, p := range pairs {
		users[at[p.user]].Orgs = append(users[at[p.user]].Orgs, p.org)
	}
	for i := range users { // byte order, as the auth package keeps them, whatever the collation
		slices.Sort(users[i].Orgs)
	}
	return err
}

func getUser(ctx context.Context, q rowQueryer, s auth.UserScope, id string) (auth.User, error) {
	var a args
	k := a.add(id)
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = `+k+` AND `+userScopeCond(&a, s), a...))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.User{}, errs.NotFound("user.not_found")
	}
	if err != nil {
		return auth.User{}, err
	}
	us := []auth.User{u}
	err = fillOrgs(ctx, q, us)
	return us[0], err
}

func (db *DB) account(ctx context.Context, col, val string) (auth.Account, error) {
	a, err := scanAccount(db.r.QueryRowContext(ctx, `SELECT `+accountCols+` FROM users u WHERE `+col+` = $1`, val))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Account{}, errs.NotFound("user.not_found")
	}
	if err != nil {
		return auth.Account{}, err
	}
	us := []auth.User{a.User}
	err = fillOrgs(ctx, db.r, us)
	a.User = us[0]
	return a, err
}

// Account returns a user with its secrets, by ID. It is unscoped: only the
// auth service calls it, to check credentials.
func (db *DB) Account(ctx context.Context, userID string) (a auth.Account, err error) {
	defer errs.Wrap(&err, "store.Account(%q)", userID)
	return db.account(ctx, "u.id", userID)
}

// AccountByEmail returns a user with its secrets, by e-mail (lower-case).
func (db *DB) AccountByEmail(ctx context.Context, email string) (a auth.Account, err error) {
	defer errs.Wrap(&err, "store.AccountByEmail")
	return db.account(ctx, "u.email", email)
}

// GetUser returns a user within s.
func (db *DB) GetUser(ctx context.Context, s auth.UserScope, id string) (u auth.User, err error) {
	defer errs.Wrap(&err, "store.GetUser(%q)", id)
	return getUser(ctx, db.r, s, id)
}

// ListUsers lists the users within s.
func (db *DB) ListUsers(ctx context.Context, s auth.UserScope, f auth.UserFilter, pr page.Request) (res page.Result[auth.User], err error) {
	defer errs.Wrap(&err, "store.ListUsers")
	var a args
	where := userScopeCond(&a, s)
	if f.Query != "" {
		q := "%" + likeEscape(org.Fold(f.Query)) + "%"
		where += " AND (u.email LIKE " + a.add(q) + " ESCAPE '\\' OR u.name_fold LIKE " + a.add(q) + " ESCAPE '\\')"
	}
	if f.Role != "" {
		where += " AND u.role = " + a.add(string(f.Role))
	}
	if f.OrgID != "" {
		where += " AND EXISTS (SELECT 1 FROM memberships fm WHERE fm.user_id = u.id AND fm.org_id = " + a.add(f.OrgID) + ")"
	}
	cond, order, err := a.keyset(userSort, "u.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+userCols+` FROM users u WHERE `+where+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanUser)
	if err != nil {
		return res, err
	}
	if err := fillOrgs(ctx, db.r, items); err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(u auth.User) (string, string) {
		if pr.Sort == "created_at" {
			return timeKey(u.CreatedAt), u.ID
		}
		return u.Email, u.ID
	}), nil
}

// CreateUser inserts a user and its memberships. A taken e-mail is
// errs.KindConflict "user.email_taken" on field "email".
func (db *DB) CreateUser(ctx context.Context, p auth.Principal, u auth.User, passwordHash string) (out auth.User, err error) {
	defer errs.Wrap(&err, "store.CreateUser")
	u.ID, u.CreatedAt = newID(), db.Now()
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, name_fold, role, password_hash, language,
			password_changed_at, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
			u.ID, u.Email, u.Name, org.Fold(u.Name), string(u.Role), passwordHash, u.Language, u.CreatedAt, u.CreatedAt, u.CreatedAt)
		if db.d.isUnique(err) {
			return errs.Conflict("user.email_taken", "a user with this e-mail exists").OnField("email")
		}
		if err != nil {
			return err
		}
		entries := []audit.Entry{audit.New(p, "user.create", "user", u.ID, "")}
		for _, o := range u.Orgs {
			e, _, err := addMembership(ctx, tx, p, u.ID, o, "orgs", u.CreatedAt)
			if err != nil {
				return err
			}
			entries = append(entries, e)
		}
		if out, err = getUser(ctx, tx, everyUser, u.ID); err != nil {
			return err
		}
		entries[0].After = audit.Digest(out)
		entries[0] = entries[0].WithDetail(map[string]any{"email": out.Email, "role": out.Role, "orgs": out.Orgs})
		return db.appendAudit(ctx, tx, entries...)
	})
	return out, err
}

// addMembership inserts one membership and returns its audit entry; changed
// is false when it existed already (and then the entry is not to be used).
func addMembership(ctx context.Context, tx *sql.Tx, p auth.Principal, userID, orgID, field string, now time.Time) (e audit.Entry, changed bool, err error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations WHERE id = $1`, orgID).Scan(&n); err != nil {
		return e, false, err
	}
	if n == 0 {
		return e, false, errs.Invalid("user.unknown_org", "the organisation does not exist",
			errs.Field(field, "user.unknown_org", "no organisation "+orgID))
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO memberships (user_id, org_id, created_at) VALUES ($1,$2,$3)
		ON CONFLICT (user_id, org_id) DO NOTHING`, userID, orgID, now)
	if err != nil {
		return e, false, err
	}
	if k, err := res.RowsAffected(); err != nil || k == 0 {
		return e, false, err
	}
	return audit.New(p, "user.membership_add", "user", userID, orgID).WithDetail(map[string]string{"org_id": orgID}), true, nil
}

func removeMembership(ctx context.Context, tx *sql.Tx, p auth.Principal, userID, orgID string) (audit.Entry, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE user_id = $1 AND org_id = $2`, userID, orgID)
	if err != nil {
		return audit.Entry{}, err
	}
	k, err := res.RowsAffected()
	if err != nil {
		return audit.Entry{}, err
	}
	if k == 0 {
		return audit.Entry{}, errs.NotFound("membership.not_found")
	}
	return audit.New(p, "user.membership_remove", "user", userID, orgID).WithDetail(map[string]string{"org_id": orgID}), nil
}

// endSessions deletes every session of a user.
func endSessions(ctx context.Context, tx *sql.Tx, userID string) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// UpdateUser writes after's name, role, language, disabled flag and
// memberships over the stored user, ending its sessions when asked.
func (db *DB) UpdateUser(ctx context.Context, p auth.Principal, before, after auth.User, revokeSessions bool) (out auth.User, err error) {
	defer errs.Wrap(&err, "store.UpdateUser(%q)", before.ID)
	now := db.Now()
	err = db.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getUser(ctx, tx, everyUser, before.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name=$1, name_fold=$2, role=$3, language=$4, disabled=$5,
			updated_at=$6 WHERE id=$7`, after.Name, org.Fold(after.Name), string(after.Role), after.Language,
			after.Disabled, now, cur.ID); err != nil {
			return err
		}
		entries := []audit.Entry{audit.New(p, "user.update", "user", cur.ID, "")}
		more, err := syncMemberships(ctx, tx, p, cur, after.Orgs, now)
		if err != nil {
			return err
		}
		entries = append(entries, more...)
		detail := userChanges(cur, after)
		if revokeSessions {
			if detail["sessions_ended"], err = endSessions(ctx, tx, cur.ID); err != nil {
				return err
			}
		}
		if out, err = getUser(ctx, tx, everyUser, cur.ID); err != nil {
			return err
		}
		entries[0].Before, entries[0].After = audit.Digest(cur), audit.Digest(out)
		entries[0] = entries[0].WithDetail(detail)
		return db.appendAudit(ctx, tx, entries...)
	})
	return out, err
}

// syncMemberships makes u's memberships equal orgs, one audit entry a change.
func syncMemberships(ctx context.Context, tx *sql.Tx, p auth.Principal, u auth.User, orgs []string, now time.Time) ([]audit.Entry, error) {
	var entries []audit.Entry
	for _, o := range orgs {
		if slices.Contains(u.Orgs, o) {
			continue
		}
		e, changed, err := addMembership(ctx, tx, p, u.ID, o, "orgs", now)
		if err != nil {
			return nil, err
		}
		if changed {
			entries = append(entries, e)
		}
	}
	for _, o := range u.Orgs {
		if slices.Contains(orgs, o) {
			continue
		}
		e, err := removeMembership(ctx, tx, p, u.ID, o)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// userChanges is the audit detail of an update: the fields that changed,
// with their new values.
func userChanges(before, after auth.User) map[string]any {
	d := map[string]any{}
	if before.Name != after.Name {
		d["name"] = after.Name
	}
	if before.Role != after.Role {
		d["role"] = after.Role
	}
	if before.Language != after.Language {
		d["language"] = after.Language
	}
	if before.Disabled != after.Disabled {
		d["disabled"] = after.Disabled
	}
	return d
}

// SetPasswordHash replaces a user's password hash, clears its lockout and
// ends all its sessions.
func (db *DB) SetPasswordHash(ctx context.Context, p auth.Principal, userID, hash string) (err error) {
	defer errs.Wrap(&err, "store.SetPasswordHash(%q)", userID)
	now := db.Now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getUser(ctx, tx, everyUser, userID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash=$1, password_changed_at=$2, failed_logins=0,
			lockouts=0, locked_until=NULL, updated_at=$3 WHERE id=$4`, hash, now, now, userID); err != nil {
			return err
		}
		ended, err := endSessions(ctx, tx, userID)
		if err != nil {
			return err
		}
		out, err := getUser(ctx, tx, everyUser, userID)
		if err != nil {
			return err
		}
		action := "user.password_reset"
		if p.UserID == userID {
			action = "user.password_change"
		}
		e := audit.New(p, action, "user", userID, "").WithDetail(map[string]int64{"sessions_ended": ended})
		e.Before, e.After = audit.Digest(cur), audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
}

// AddMembership makes a user a member of an organisation; an existing
// membership changes nothing.
func (db *DB) AddMembership(ctx context.Context, p auth.Principal, userID, orgID string) (err error) {
	defer errs.Wrap(&err, "store.AddMembership(%q, %q)", userID, orgID)
	return db.changeMembership(ctx, userID, func(tx *sql.Tx) (audit.Entry, bool, error) {
		return addMembership(ctx, tx, p, userID, orgID, "org_id", db.Now())
	})
}

// RemoveMembership ends a membership; a missing one is errs.KindNotFound.
func (db *DB) RemoveMembership(ctx context.Context, p auth.Principal, userID, orgID string) (err error) {
	defer errs.Wrap(&err, "store.RemoveMembership(%q, %q)", userID, orgID)
	return db.changeMembership(ctx, userID, func(tx *sql.Tx) (audit.Entry, bool, error) {
		e, err := removeMembership(ctx, tx, p, userID, orgID)
		return e, err == nil, err
	})
}

// changeMembership runs change in a transaction and audits it with the
// user's digests before and after.
func (db *DB) changeMembership(ctx context.Context, userID string, change func(*sql.Tx) (audit.Entry, bool, error)) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getUser(ctx, tx, everyUser, userID)
		if err != nil {
			return err
		}
		e, changed, err := change(tx)
		if err != nil || !changed {
			return err
		}
		out, err := getUser(ctx, tx, everyUser, userID)
		if err != nil {
			return err
		}
		e.Before, e.After = audit.Digest(cur), audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
}
