package store

import (
	"context"
	"database/sql"
	"sync"
)

// hotStmts are statements run for every alert hit, prepared once per
// process. SQLite otherwise parses each statement each time it runs, which
// was about half the cost of recording a hit (PostgreSQL's driver caches
// prepared statements itself; preparing once costs it nothing more).
type hotStmts struct {
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

// prepareHot prepares qs on the writer pool. It must run outside any
// transaction: a transaction holds SQLite's only writer connection. A
// statement that fails to prepare is left to run unprepared.
func (db *DB) prepareHot(ctx context.Context, qs ...string) {
	db.hot.mu.RLock()
	missing := 0
	for _, q := range qs {
		if db.hot.m[q] == nil {
			missing++
		}
	}
	db.hot.mu.RUnlock()
	if missing == 0 {
		return
	}
	db.hot.mu.Lock()
	defer db.hot.mu.Unlock()
	if db.hot.m == nil {
		db.hot.m = map[string]*sql.Stmt{}
	}
	for _, q := range qs {
		if db.hot.m[q] != nil {
			continue
		}
		st, err := db.w.PrepareContext(ctx, q)
		if err != nil {
			db.log.Warn("statement not prepared; it runs unprepared", "err", err)
			continue
		}
		db.hot.m[q] = st
	}
}

// txStmt returns q prepared for tx, or nil when it was not prepared.
func (db *DB) txStmt(ctx context.Context, tx *sql.Tx, q string) *sql.Stmt {
	db.hot.mu.RLock()
	st := db.hot.m[q]
	db.hot.mu.RUnlock()
	if st == nil {
		return nil
	}
	return tx.StmtContext(ctx, st)
}

// execHot runs q in tx, prepared when prepareHot prepared it.
func (db *DB) execHot(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if st := db.txStmt(ctx, tx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// queryRowHot is execHot for a query of one row.
func (db *DB) queryRowHot(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	if st := db.txStmt(ctx, tx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, q, args...)
}

// queryHot is execHot for a query of rows.
func (db *DB) queryHot(ctx context.Context, tx *sql.Tx, q string, args ...any) (*sql.Rows, error) {
	if st := db.txStmt(ctx, tx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, q, args...)
}
