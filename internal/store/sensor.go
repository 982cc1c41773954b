package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/page"
)

const sensorCols = `s.id, s.org_id, s.name, s.kind, s.source_cidr, s.cadence_seconds, s.disabled, s.last_seen_at, s.silent,
	s.accepted_total, s.rejected_total, s.created_at, s.updated_at`

var sensorSort = map[string]sortCol{
	"name":       {"s.name", colText},
	"created_at": {"s.created_at", colTime},
}

func scanSensor(row scanner) (ingest.Sensor, error) {
	var s ingest.Sensor
	var cadence int64
	var last sql.NullTime
	err := row.Scan(&s.ID, &s.OrgID, &s.Name, &s.Kind, &s.SourceCIDR, &cadence, &s.Disabled, &last, &s.Silent,
		&s.Accepted, &s.Rejected, &s.CreatedAt, &s.UpdatedAt)
	s.Cadence, s.LastSeen = time.Duration(cadence)*time.Second, timeOf(last)
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return s, err
}

func sensorTaken(err error, d dialect) error {
	if d.isUnique(err) {
		return errs.Conflict("sensor.name_taken", "this organisation already has a sensor with this name").OnField("name")
	}
	return err
}

// CreateSensor registers a sensor within scope.
func (db *DB) CreateSensor(ctx context.Context, scope auth.Scope, s ingest.Sensor, tokenHash string, e audit.Entry) (out ingest.Sensor, err error) {
	defer errs.Wrap(&err, "store.CreateSensor")
	if !scope.Allows(s.OrgID) {
		return out, errs.NotFound("org.not_found")
	}
	s.ID, s.CreatedAt = newID(), db.Now()
	s.UpdatedAt = s.CreatedAt
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sensors (id, org_id, name, kind, token_hash, source_cidr, cadence_seconds, disabled,
			created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
			s.ID, s.OrgID, s.Name, s.Kind, tokenHash, s.SourceCIDR, int64(s.Cadence/time.Second), s.Disabled, s.CreatedAt, s.UpdatedAt)
		if err != nil {
			return sensorTaken(err, db.d)
		}
		e.TargetID, e.OrgID, e.After = s.ID, s.OrgID, audit.Digest(s)
		return db.appendAudit(ctx, tx, e)
	})
	return s, err
}

// UpdateSensor changes a sensor's editable fields within scope.
func (db *DB) UpdateSensor(ctx context.Context, scope auth.Scope, s ingest.Sensor, e audit.Entry) (out ingest.Sensor, err error) {
	defer errs.Wrap(&err, "store.UpdateSensor(%q)", s.ID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getSensor(ctx, tx, scope, s.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sensors SET name=$1, source_cidr=$2, cadence_seconds=$3, disabled=$4, updated_at=$5 WHERE id=$6`,
			s.Name, s.SourceCIDR, int64(s.Cadence/time.Second), s.Disabled, db.Now(), s.ID); err != nil {
			return sensorTaken(err, db.d)
		}
		if out, err = getSensor(ctx, tx, scope, s.ID); err != nil {
			return err
		}
		e.TargetID, e.OrgID, e.Before, e.After = s.ID, before.OrgID, audit.Digest(before), audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// SetSensorToken replaces a sensor's token hash within scope.
func (db *DB) SetSensorToken(ctx context.Context, scope auth.Scope, id, tokenHash string, e audit.Entry) (err error) {
	defer errs.Wrap(&err, "store.SetSensorToken(%q)", id)
	return db.tx(ctx, func(tx *sql.Tx) error {
		s, err := getSensor(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sensors SET token_hash=$1, updated_at=$2 WHERE id=$3`, tokenHash, db.Now(), id); err != nil {
			return err
		}
		e.TargetID, e.OrgID = id, s.OrgID
		return db.appendAudit(ctx, tx, e)
	})
}

func getSensor(ctx context.Context, q rowQueryer, scope auth.Scope, id string) (ingest.Sensor, error) {
	var a args
	cond := a.scope("s.org_id", scope)
	s, err := scanSensor(q.QueryRowContext(ctx, `SELECT `+sensorCols+` FROM sensors s WHERE s.id = `+a.add(id)+` AND `+cond, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return s, errs.NotFound("sensor.not_found")
	}
	return s, err
}

// GetSensor returns a sensor within scope.
func (db *DB) GetSensor(ctx context.Context, scope auth.Scope, id string) (s ingest.Sensor, err error) {
	defer errs.Wrap(&err, "store.GetSensor(%q)", id)
	return getSensor(ctx, db.r, scope, id)
}

// SensorByToken finds the sensor holding a token hash (for authentication;
// not scoped: the token is the credential).
func (db *DB) SensorByToken(ctx context.Context, tokenHash string) (s ingest.Sensor, err error) {
	defer errs.Wrap(&err, "store.SensorByToken")
	s, err = scanSensor(db.r.QueryRowContext(ctx, `SELECT `+sensorCols+` FROM sensors s WHERE s.token_hash = $1`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return s, errs.NotFound("sensor.not_found")
	}
	return s, err
}

// ListSensors lists sensors within scope.
func (db *DB) ListSensors(ctx context.Context, scope auth.Scope, f ingest.SensorFilter, pr page.Request) (res page.Result[ingest.Sensor], err error) {
	defer errs.Wrap(&err, "store.ListSensors")
	var a args
	where := a.scope("s.org_id", scope)
	if f.OrgID != "" {
		where += " AND s.org_id = " + a.add(f.OrgID)
	}
	if f.Silent != nil {
		where += " AND s.silent = " + a.add(*f.Silent)
	}
	cond, order, err := a.keyset(sensorSort, "s.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+sensorCols+` FROM sensors s WHERE `+where+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanSensor)
	if err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(s ingest.Sensor) (string, string) {
		if pr.Sort == "created_at" {
			return timeKey(s.CreatedAt), s.ID
		}
		return s.Name, s.ID
	}), nil
}

// RecordBatch adds a batch's counters, keeps its rejects (pruned to the
// newest keep per sensor) and sets last_seen. Telemetry counters are not
// audited: they are observations, not decisions.
func (db *DB) RecordBatch(ctx context.Context, sensorID string, at time.Time, accepted int, rejects []ingest.Reject) (err error) {
	defer errs.Wrap(&err, "store.RecordBatch(%q)", sensorID)
	minute := at.UTC().Truncate(time.Minute)
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE sensors SET last_seen_at=$1, accepted_total=accepted_total+$2,
			rejected_total=rejected_total+$3 WHERE id=$4`, at, accepted, len(rejects), sensorID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sensor_minutes (sensor_id, minute, accepted, rejected) VALUES ($1,$2,$3,$4)
			ON CONFLICT (sensor_id, minute) DO UPDATE SET accepted = sensor_minutes.accepted + excluded.accepted,
			rejected = sensor_minutes.rejected + excluded.rejected`, sensorID, minute, accepted, len(rejects)); err != nil {
			return err
		}
		for _, r := range rejects {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sensor_rejects (id, sensor_id, at, position, code, message, excerpt)
				VALUES ($1,$2,$3,$4,$5,$6,$7)`, newID(), sensorID, r.At, r.Position, r.Code, r.Message, r.Excerpt); err != nil {
				return err
			}
		}
		if len(rejects) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM sensor_rejects WHERE sensor_id = $1 AND id NOT IN
			(SELECT id FROM sensor_rejects WHERE sensor_id = $2 ORDER BY at DESC, id DESC LIMIT 50)`, sensorID, sensorID)
		return err
	})
}

// SensorMinutes returns a sensor's per-minute counters since a time.
func (db *DB) SensorMinutes(ctx context.Context, id string, since time.Time) (ms []ingest.Minute, err error) {
	defer errs.Wrap(&err, "store.SensorMinutes(%q)", id)
	return queryAll(ctx, db.r, `SELECT minute, accepted, rejected FROM sensor_minutes WHERE sensor_id = $1 AND minute >= $2 ORDER BY minute`,
		args{id, since.UTC()}, func(r scanner) (ingest.Minute, error) {
			var m ingest.Minute
			err := r.Scan(&m.Minute, &m.Accepted, &m.Rejected)
			m.Minute = m.Minute.UTC()
			return m, err
		})
}

// SensorRejects returns a sensor's newest rejected records.
func (db *DB) SensorRejects(ctx context.Context, id string, limit int) (rs []ingest.Reject, err error) {
	defer errs.Wrap(&err, "store.SensorRejects(%q)", id)
	return queryAll(ctx, db.r, `SELECT at, position, code, message, excerpt FROM sensor_rejects WHERE sensor_id = $1
		ORDER BY at DESC, id DESC LIMIT $2`, args{id, limit}, func(r scanner) (ingest.Reject, error) {
		var x ingest.Reject
		err := r.Scan(&x.At, &x.Position, &x.Code, &x.Message, &x.Excerpt)
		x.At = x.At.UTC()
		return x, err
	})
}

// SilentSensors returns enabled, not-yet-silent sensors that sent before and
// whose last batch is older than their cadence. The cadence comparison is
// done in Go: interval arithmetic differs between the engines.
func (db *DB) SilentSensors(ctx context.Context, now time.Time) (out []ingest.Sensor, err error) {
	defer errs.Wrap(&err, "store.SilentSensors")
	all, err := queryAll(ctx, db.r, `SELECT `+sensorCols+` FROM sensors s WHERE s.disabled = $1 AND s.silent = $2
		AND s.last_seen_at IS NOT NULL`, args{false, false}, scanSensor)
	if err != nil {
		return nil, err
	}
	for _, s := range all {
		if now.Sub(s.LastSeen) > s.Cadence {
			out = append(out, s)
		}
	}
	return out, nil
}

// RecoveredSensors returns silent sensors whose last batch came after they
// were flagged.
func (db *DB) RecoveredSensors(ctx context.Context) (out []ingest.Sensor, err error) {
	defer errs.Wrap(&err, "store.RecoveredSensors")
	return queryAll(ctx, db.r, `SELECT `+sensorCols+` FROM sensors s WHERE s.silent = $1 AND s.last_seen_at > s.silent_since`,
		args{true}, scanSensor)
}

// SetSilent flags or clears a sensor's silence, reporting whether it changed.
func (db *DB) SetSilent(ctx context.Context, id string, silent bool, now time.Time) (changed bool, err error) {
	defer errs.Wrap(&err, "store.SetSilent(%q)", id)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sensors SET silent = $1, silent_since = $2 WHERE id = $3 AND silent = $4`,
			silent, nullTime(now.UTC().Truncate(microsecond)), id, !silent)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		changed = n == 1
		if !changed {
			return nil
		}
		// The owner's 24×7 duty contacts are told in this same transaction.
		s, err := scanSensor(tx.QueryRowContext(ctx, `SELECT `+sensorCols+` FROM sensors s WHERE s.id = $1`, id))
		if err != nil {
			return err
		}
		return db.enqueueNotices(ctx, tx, now.UTC().Truncate(microsecond), ingest.SilenceNotice(s, silent, now))
	})
	return changed, err
}

// SyslogSensors lists enabled syslog sensors (for matching senders by
// address; not scoped: the listener serves every organisation).
func (db *DB) SyslogSensors(ctx context.Context) (out []ingest.Sensor, err error) {
	defer errs.Wrap(&err, "store.SyslogSensors")
	return queryAll(ctx, db.r, `SELECT `+sensorCols+` FROM sensors s WHERE s.kind = $1 AND s.disabled = $2`,
		args{string(ingest.KindSyslog), false}, scanSensor)
}
