package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
)

const tokenCols = `t.id, t.user_id, t.name, t.org_id, t.permissions, t.expires_at, t.last_used_at, t.revoked_at, t.created_at`

func scanToken(row scanner) (auth.Token, error) {
	var t auth.Token
	var orgID sql.NullString
	var perms string
	var expires, used, revoked sql.NullTime
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &orgID, &perms, &expires, &used, &revoked, &t.CreatedAt); err != nil {
		return t, err
	}
	t.OrgID, t.CreatedAt = orgID.String, t.CreatedAt.UTC()
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = timeOf(expires), timeOf(used), timeOf(revoked)
	if err := json.Unmarshal([]byte(perms), &t.Permissions); err != nil {
		return t, fmt.Errorf("token %s permissions: %w", t.ID, err)
	}
	if t.Permissions == nil {
		t.Permissions = []auth.Permission{}
	}
	return t, nil
}

// getToken finds one token, by the column col, within the users of s.
func getToken(ctx context.Context, q rowQueryer, s auth.UserScope, col, val string) (auth.Token, error) {
	var a args
	k := a.add(val)
	t, err := scanToken(q.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE `+col+` = `+k+` AND `+userScopeCond(&a, s), a...))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Token{}, errs.NotFound("token.not_found")
	}
	return t, err
}

// CreateToken inserts a token with the hash of its secret. An organisation
// that does not exist is errs.KindInvalid on field "org_id".
func (db *DB) CreateToken(ctx context.Context, p auth.Principal, t auth.Token, secretHash string) (out auth.Token, err error) {
	defer errs.Wrap(&err, "store.CreateToken")
	t.ID, t.CreatedAt = newID(), db.Now()
	t.LastUsedAt, t.RevokedAt = time.Time{}, time.Time{}
	if !t.ExpiresAt.IsZero() {
		t.ExpiresAt = authTime(t.ExpiresAt)
	}
	perms, err := json.Marshal(t.Permissions)
	if err != nil {
		return out, err
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if t.OrgID != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations WHERE id = $1`, t.OrgID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return errs.Invalid("token.bad_org", "the organisation does not exist",
					errs.Field("org_id", "token.bad_org", "no organisation "+t.OrgID))
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, secret_hash, org_id, permissions,
			expires_at, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
			t.ID, t.UserID, t.Name, secretHash, nullStr(t.OrgID), string(perms), nullTime(t.ExpiresAt), t.CreatedAt); err != nil {
			return err
		}
		if out, err = getToken(ctx, tx, everyUser, "t.id", t.ID); err != nil {
			return err
		}
		e := audit.New(p, "token.create", "token", t.ID, t.OrgID).WithDetail(map[string]any{
			"user_id": t.UserID, "name": t.Name, "permissions": t.Permissions, "expires_at": t.ExpiresAt})
		e.After = audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// TokenByHash finds a token by the hash of its secret, whatever its state.
// Only the auth service calls it, to authenticate.
func (db *DB) TokenByHash(ctx context.Context, secretHash string) (t auth.Token, err error) {
	defer errs.Wrap(&err, "store.TokenByHash")
	return getToken(ctx, db.r, everyUser, "t.secret_hash", secretHash)
}

// GetToken returns a token of a user within s.
func (db *DB) GetToken(ctx context.Context, s auth.UserScope, id string) (t auth.Token, err error) {
	defer errs.Wrap(&err, "store.GetToken(%q)", id)
	return getToken(ctx, db.r, s, "t.id", id)
}

// ListTokens lists a user's tokens, newest first, when the user is within s.
func (db *DB) ListTokens(ctx context.Context, s auth.UserScope, userID string) (ts []auth.Token, err error) {
	defer errs.Wrap(&err, "store.ListTokens(%q)", userID)
	var a args
	k := a.add(userID)
	ts, err = queryAll(ctx, db.r, `SELECT `+tokenCols+` FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.user_id = `+k+` AND `+userScopeCond(&a, s)+` ORDER BY t.created_at DESC, t.id DESC`, a, scanToken)
	if ts == nil {
		ts = []auth.Token{}
	}
	return ts, err
}

// TouchToken records a token's use. It is bookkeeping, not audited.
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time) (err error) {
	defer errs.Wrap(&err, "store.TouchToken(%q)", id)
	_, err = db.w.ExecContext(ctx, `UPDATE api_tokens SET last_used_at=$1 WHERE id=$2`, authTime(at), id)
	return err
}

// RevokeToken revokes a token now; a revoked token changes nothing.
func (db *DB) RevokeToken(ctx context.Context, p auth.Principal, id string) (err error) {
	defer errs.Wrap(&err, "store.RevokeToken(%q)", id)
	now := db.Now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getToken(ctx, tx, everyUser, "t.id", id)
		if err != nil || !before.RevokedAt.IsZero() {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at=$1 WHERE id=$2`, now, id); err != nil {
			return err
		}
		after := before
		after.RevokedAt = now
		e := audit.New(p, "token.revoke", "token", id, before.OrgID).WithDetail(map[string]string{"user_id": before.UserID})
		e.Before, e.After = audit.Digest(before), audit.Digest(after)
		return db.appendAudit(ctx, tx, e)
	})
}

// The store implements the auth service's storage.
var _ auth.Store = (*DB)(nil)
