package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
)

const sessionCols = `s.id, s.id_hash, s.user_id, s.mfa_passed, s.remote, s.user_agent, s.created_at, s.last_seen_at, s.expires_at`

func scanSession(row scanner) (auth.Session, error) {
	var s auth.Session
	err := row.Scan(&s.ID, &s.Hash, &s.UserID, &s.MFAPassed, &s.Remote, &s.UserAgent, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt)
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
	return s, err
}

// sessionDigest is the audit fingerprint of a session, without its hash.
func sessionDigest(s auth.Session) string {
	s.Hash = ""
	return audit.Digest(s)
}

func getSession(ctx context.Context, q rowQueryer, col, val string) (auth.Session, error) {
	s, err := scanSession(q.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions s WHERE `+col+` = $1`, val))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Session{}, errs.NotFound("session.not_found")
	}
	return s, err
}

// clearFailures resets a user's failure count and lock.
func clearFailures(ctx context.Context, tx *sql.Tx, userID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins=0, lockouts=0, locked_until=NULL WHERE id=$1`, userID)
	return err
}

// RecordLoginFailure audits a failed attempt and, when it counts, adds one
// to the user's consecutive failures and applies f.Lock, atomically.
func (db *DB) RecordLoginFailure(ctx context.Context, p auth.Principal, f auth.Failure) (until time.Time, err error) {
	defer errs.Wrap(&err, "store.RecordLoginFailure")
	err = db.tx(ctx, func(tx *sql.Tx) error {
		until = time.Time{}
		e := audit.New(p, "auth.login_failed", "user", f.UserID, "")
		detail := map[string]any{"email": f.Email, "reason": f.Reason}
		if f.Count && f.UserID != "" {
			var err error
			if until, err = db.countFailure(ctx, tx, &e, f, detail); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, e.WithDetail(detail))
	})
	return until, err
}

// countFailure adds a failure and locks the account when f.Lock says so,
// setting the entry's digests when the lock changes the user.
func (db *DB) countFailure(ctx context.Context, tx *sql.Tx, e *audit.Entry, f auth.Failure, detail map[string]any) (time.Time, error) {
	var failed, lockouts int
	err := tx.QueryRowContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1
		RETURNING failed_logins, lockouts`, f.UserID).Scan(&failed, &lockouts)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, errs.NotFound("user.not_found")
	}
	if err != nil {
		return time.Time{}, err
	}
	detail["failures"] = failed
	var until time.Time
	if f.Lock != nil {
		until = f.Lock(failed, lockouts)
	}
	if until.IsZero() {
		return until, nil
	}
	until = authTime(until)
	before, err := getUser(ctx, tx, everyUser, f.UserID)
	if err != nil {
		return until, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET locked_until=$1, failed_logins=0, lockouts=lockouts+1 WHERE id=$2`,
		until, f.UserID); err != nil {
		return until, err
	}
	after, err := getUser(ctx, tx, everyUser, f.UserID)
	e.Before, e.After = audit.Digest(before), audit.Digest(after)
	detail["locked_until"], detail["lockouts"] = until, lockouts+1
	return until, err
}

// StartSession inserts a session (its ID is made here) and audits the log-in.
func (db *DB) StartSession(ctx context.Context, p auth.Principal, s auth.Session, resetFailures bool) (err error) {
	defer errs.Wrap(&err, "store.StartSession")
	s.ID = newID()
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = authTime(s.CreatedAt), authTime(s.LastSeenAt), authTime(s.ExpiresAt)
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, id_hash, user_id, mfa_passed, remote, user_agent,
			created_at, last_seen_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
			s.ID, s.Hash, s.UserID, s.MFAPassed, s.Remote, s.UserAgent, s.CreatedAt, s.LastSeenAt, s.ExpiresAt); err != nil {
			return err
		}
		if resetFailures {
			if err := clearFailures(ctx, tx, s.UserID); err != nil {
				return err
			}
		}
		e := audit.New(p, "auth.login", "user", s.UserID, "").WithDetail(map[string]any{
			"session": s.ID, "mfa_passed": s.MFAPassed, "user_agent": s.UserAgent})
		e.After = sessionDigest(s)
		return db.appendAudit(ctx, tx, e)
	})
}

// Session finds a session by the hash of its token.
func (db *DB) Session(ctx context.Context, hash string) (s auth.Session, err error) {
	defer errs.Wrap(&err, "store.Session")
	return getSession(ctx, db.r, "s.id_hash", hash)
}

// TouchSession records activity. It is bookkeeping, not audited.
func (db *DB) TouchSession(ctx context.Context, id string, seen, expires time.Time) (err error) {
	defer errs.Wrap(&err, "store.TouchSession(%q)", id)
	_, err = db.w.ExecContext(ctx, `UPDATE sessions SET last_seen_at=$1, expires_at=$2 WHERE id=$3`,
		authTime(seen), authTime(expires), id)
	return err
}

// EndSession deletes a session (log-out).
func (db *DB) EndSession(ctx context.Context, p auth.Principal, id string) (err error) {
	defer errs.Wrap(&err, "store.EndSession(%q)", id)
	return db.tx(ctx, func(tx *sql.Tx) error {
		s, err := getSession(ctx, tx, "s.id", id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id=$1`, id); err != nil {
			return err
		}
		e := audit.New(p, "auth.logout", "user", s.UserID, "").WithDetail(map[string]string{"session": id})
		e.Before = sessionDigest(s)
		return db.appendAudit(ctx, tx, e)
	})
}

// PassMFA consumes a second-factor proof and marks the session mfa_passed.
// A TOTP step not newer than the last one used, or a recovery code unknown
// or used, is auth.BadCode() and changes nothing.
func (db *DB) PassMFA(ctx context.Context, p auth.Principal, sessionID string, proof auth.MFAProof) (err error) {
	defer errs.Wrap(&err, "store.PassMFA(%q)", sessionID)
	now := db.Now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		method := "totp"
		var res sql.Result
		var err error
		if proof.RecoveryHash != "" {
			method = "recovery"
			res, err = tx.ExecContext(ctx, `UPDATE recovery_codes SET used_at=$1 WHERE user_id=$2 AND code_hash=$3
				AND used_at IS NULL`, now, proof.UserID, proof.RecoveryHash)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE users SET totp_last_step=$1 WHERE id=$2 AND totp_enabled = TRUE
				AND totp_last_step < $3`, proof.Step, proof.UserID, proof.Step)
		}
		if err := oneRow(res, err, auth.BadCode()); err != nil {
			return err
		}
		before, err := getSession(ctx, tx, "s.id", sessionID)
		if err != nil {
			return err
		}
		if before.UserID != proof.UserID {
			return errs.NotFound("session.not_found")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET mfa_passed = TRUE WHERE id=$1`, sessionID); err != nil {
			return err
		}
		if err := clearFailures(ctx, tx, proof.UserID); err != nil {
			return err
		}
		var left int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id=$1 AND used_at IS NULL`,
			proof.UserID).Scan(&left); err != nil {
			return err
		}
		after := before
		after.MFAPassed = true
		e := audit.New(p, "auth.mfa", "user", proof.UserID, "").WithDetail(map[string]any{
			"session": sessionID, "method": method, "recovery_codes_left": left})
		e.Before, e.After = sessionDigest(before), sessionDigest(after)
		return db.appendAudit(ctx, tx, e)
	})
}

// oneRow turns an exec that should have changed exactly one row into an
// error: the exec's own, or none when it did not.
func oneRow(res sql.Result, err error, none error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return none
	}
	return nil
}

// EnableTOTP stores a confirmed TOTP secret, replaces the recovery codes,
// clears the lockout and marks the enrolling session mfa_passed.
func (db *DB) EnableTOTP(ctx context.Context, p auth.Principal, en auth.Enrolment) (err error) {
	defer errs.Wrap(&err, "store.EnableTOTP(%q)", en.UserID)
	now := db.Now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getUser(ctx, tx, everyUser, en.UserID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret=$1, totp_enabled=TRUE, totp_last_step=$2,
			failed_logins=0, lockouts=0, locked_until=NULL, updated_at=$3 WHERE id=$4`,
			en.Secret, en.Step, now, en.UserID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id=$1`, en.UserID); err != nil {
			return err
		}
		for _, h := range en.RecoveryHashes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1,$2)`, en.UserID, h); err != nil {
				return err
			}
		}
		if en.SessionID != "" {
			res, err := tx.ExecContext(ctx, `UPDATE sessions SET mfa_passed = TRUE WHERE id=$1 AND user_id=$2`, en.SessionID, en.UserID)
			if err := oneRow(res, err, errs.NotFound("session.not_found")); err != nil {
				return err
			}
		}
		out, err := getUser(ctx, tx, everyUser, en.UserID)
		if err != nil {
			return err
		}
		e := audit.New(p, "auth.totp_enrol", "user", en.UserID, "").WithDetail(map[string]any{
			"session": en.SessionID, "recovery_codes": len(en.RecoveryHashes), "replaced": cur.TOTPEnabled})
		e.Before, e.After = audit.Digest(cur), audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
}
