package store

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/khien-cert/khien/internal/errs"
)

// dialect is everything that differs between the engines outside the
// migration files. Keep it small.
type dialect struct {
	name string
	// migrationsDir is the embedded folder of this engine's migrations.
	migrationsDir string
	// isUnique and isForeignKey classify constraint violations.
	isUnique, isForeignKey, isCheck func(error) bool
}

var sqliteDialect = dialect{
	name:          "sqlite",
	migrationsDir: "migrations/sqlite",
	isUnique: func(err error) bool {
		c := sqliteCode(err)
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	},
	isForeignKey: func(err error) bool { return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY },
	isCheck:      func(err error) bool { return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_CHECK },
}

var postgresDialect = dialect{
	name:          "postgres",
	migrationsDir: "migrations/postgres",
	isUnique:      func(err error) bool { return pgCode(err) == "23505" },
	isForeignKey:  func(err error) bool { return pgCode(err) == "23503" },
	isCheck:       func(err error) bool { return pgCode(err) == "23514" },
}

func sqliteCode(err error) int {
	if e, ok := errors.AsType[*sqlite.Error](err); ok {
		return e.Code()
	}
	return 0
}

func pgCode(err error) string {
	if e, ok := errors.AsType[*pgconn.PgError](err); ok {
		return e.Code
	}
	return ""
}

// mapError turns a constraint violation that escaped validation into an
// errs kind. Errors that are already *errs.Error pass through.
func (d dialect) mapError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*errs.Error](err); ok {
		return err
	}
	switch {
	case d.isUnique(err):
		return &errs.Error{Kind: errs.KindConflict, Code: "conflict", Public: "it already exists", Err: err}
	case d.isForeignKey(err):
		return &errs.Error{Kind: errs.KindConflict, Code: "conflict.reference", Public: "it refers to, or is referred to by, another record", Err: err}
	case d.isCheck(err):
		return &errs.Error{Kind: errs.KindInvalid, Code: "invalid", Public: "a value is out of range", Err: err}
	}
	return err
}
