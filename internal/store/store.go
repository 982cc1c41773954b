// Package store is Khiên's one storage layer: raw SQL over database/sql, one
// code path for SQLite (modernc.org/sqlite, pure Go) and PostgreSQL (pgx).
//
// SQL text is written once in the common subset both engines accept
// ($n placeholders, ON CONFLICT, RETURNING, CAST); what differs lives in the
// dialect value (dialect.go) and in the per-dialect migration files. Every
// function that reads or changes tenant data takes the caller's auth.Scope,
// and every change appends its audit entry in the same transaction.
//
// SQLite runs in WAL mode with synchronous=FULL and foreign keys on, with one
// writer connection beside a pool of read-only readers. Not-found is an
// errs.KindNotFound error, never a nil result.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"golang.org/x/mod/sumdb/note"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/khien-cert/khien/internal/auth"
)

// Options are the dependencies of a DB.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time // clock; time.Now when nil
	// Signer signs audit tree heads. When nil, checkpoints are stored unsigned
	// (only tools that never append, such as tests of reads, should do this).
	Signer note.Signer
}

// DB is an open database.
type DB struct {
	w, r    *sql.DB // writer and reader pools (the same pool on PostgreSQL)
	d       dialect
	now     func() time.Time
	log     *slog.Logger
	signer  note.Signer
	onAudit []func() // called after a commit that appended audit entries
	// notified holds the open transactions that enqueued notifications;
	// onNotify runs after such a transaction commits (notify.go).
	notified sync.Map
	onNotify []func()
	hot      hotStmts // prepared statements of the alert path (stmt.go)
}

// Open connects to dsn — a SQLite file path or a postgres:// URL — and
// runs pending migrations.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	db := &DB{now: opt.Now, log: opt.Logger, signer: opt.Signer}
	if db.now == nil {
		db.now = time.Now
	}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		err = db.openPostgres(ctx, dsn)
	} else {
		err = db.openSQLite(ctx, dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) openPostgres(ctx context.Context, dsn string) error {
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("store: open postgres: %w", err)
	}
	p.SetMaxOpenConns(max(8, 4*runtime.GOMAXPROCS(0)))
	p.SetMaxIdleConns(8)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return fmt.Errorf("store: connect postgres: %w", err)
	}
	db.w, db.r, db.d = p, p, postgresDialect
	return nil
}

func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "busy_timeout(10000)"} {
		q.Add("_pragma", p)
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	q.Set("_time_format", "sqlite")
	return "file:" + path + "?" + q.Encode()
}

func (db *DB) openSQLite(ctx context.Context, path string) error {
	path = strings.TrimPrefix(path, "sqlite://")
	if path == "" {
		return errors.New("store: no database path (a SQLite file or a postgres:// URL)")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("store: data directory: %w", err)
		}
	}
	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		w.Close()
		return fmt.Errorf("store: open sqlite readers: %w", err)
	}
	r.SetMaxOpenConns(max(4, 2*runtime.GOMAXPROCS(0)))
	db.w, db.r, db.d = w, r, sqliteDialect
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	err := db.w.Close()
	if db.r != db.w {
		if e := db.r.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Engine names the engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.d.name }

// Ping checks the database answers, for readiness.
func (db *DB) Ping(ctx context.Context) error { return db.w.PingContext(ctx) }

// OnAudit registers fn to run after every commit that appended audit entries
// (the ownership index uses a similar hook to rebuild). Call before serving.
func (db *DB) OnAudit(fn func()) { db.onAudit = append(db.onAudit, fn) }

// Now is the store's clock, in UTC at microsecond precision (what both
// engines keep exactly).
func (db *DB) Now() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// newID returns a fresh time-ordered identifier (UUIDv7).
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// tx runs fn in a write transaction and commits when fn returns nil.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		db.afterTx(tx, false)
		return db.d.mapError(err)
	}
	if err := tx.Commit(); err != nil {
		db.afterTx(tx, false)
		return db.d.mapError(err)
	}
	db.afterTx(tx, true)
	return nil
}

// args builds a positional argument list and its $n placeholders.
type args []any

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// in returns a placeholder list "($1,$2)" for vs.
func (a *args) in(vs []string) string {
	ph := make([]string, len(vs))
	for i, v := range vs {
		ph[i] = a.add(v)
	}
	return "(" + strings.Join(ph, ",") + ")"
}

// scope returns a SQL condition restricting col (an organisation ID column)
// to the scope s. The zero scope matches nothing.
func (a *args) scope(col string, s auth.Scope) string {
	switch {
	case s.All:
		return "1=1"
	case len(s.Orgs) == 0:
		return "1=0"
	}
	return col + " IN " + a.in(s.Orgs)
}

// nullTime maps the zero time to SQL NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// nullStr maps "" to SQL NULL (for optional foreign keys).
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeOf returns a scanned nullable time in UTC, zero for NULL.
func timeOf(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}
