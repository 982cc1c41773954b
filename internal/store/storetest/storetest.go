// Package storetest runs one behaviour suite against every storage engine.
//
// Each runs a test once on SQLite (a fresh file) and once on PostgreSQL (a
// fresh database created on the server named by KHIEN_TEST_POSTGRES, an admin
// URL such as postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable).
// When KHIEN_TEST_POSTGRES is unset the PostgreSQL run is skipped with a
// message — unless CI is set, where it fails: CI must exercise both engines.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/mod/sumdb/note"

	"github.com/khien-cert/khien/internal/store"
)

// Engine is one storage engine under test.
type Engine struct {
	Name string
	// DSN opens a fresh, empty database for one test and registers its cleanup.
	DSN func(t testing.TB) string
}

// Engines lists the engines to test on this machine.
func Engines(t testing.TB) []Engine {
	t.Helper()
	out := []Engine{{Name: "sqlite", DSN: func(t testing.TB) string {
		return filepath.Join(t.TempDir(), "khien.db")
	}}}
	admin := os.Getenv("KHIEN_TEST_POSTGRES")
	switch {
	case admin != "":
		out = append(out, Engine{Name: "postgres", DSN: func(t testing.TB) string { return freshPostgres(t, admin) }})
	case os.Getenv("CI") != "":
		t.Fatal("storetest: CI is set but KHIEN_TEST_POSTGRES is not: PostgreSQL is required in CI")
	default:
		t.Log("storetest: KHIEN_TEST_POSTGRES unset; PostgreSQL run skipped (set it to run both engines)")
	}
	return out
}

// PostgresAdminURL returns KHIEN_TEST_POSTGRES, for tests that need their own databases.
func PostgresAdminURL() string { return os.Getenv("KHIEN_TEST_POSTGRES") }

// FreshPostgres creates an empty database on the server at admin and returns its URL;
// the database is dropped when t ends.
func FreshPostgres(t testing.TB, admin string) string { return freshPostgres(t, admin) }

func freshPostgres(t testing.TB, admin string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "khien_test_" + hex.EncodeToString(b[:])
	adb, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("storetest: postgres admin: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		adb.Close()
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := adb.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("storetest: drop %s: %v", name, err)
		}
		adb.Close()
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("storetest: admin URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// NewSigner returns a throwaway audit signer and its verifier.
func NewSigner(t testing.TB) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, "khien-test")
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// DB is an open test database with the verifier of its audit signer.
type DB struct {
	*store.DB
	DSN      string
	Verifier note.Verifier
}

// Open opens a fresh database on engine e, closed when t ends.
func Open(t testing.TB, e Engine) DB {
	t.Helper()
	s, v := NewSigner(t)
	dsn := e.DSN(t)
	db, err := store.Open(t.Context(), dsn, store.Options{Signer: s})
	if err != nil {
		t.Fatalf("storetest: open %s: %v", e.Name, err)
	}
	t.Cleanup(func() { db.Close() })
	return DB{DB: db, DSN: dsn, Verifier: v}
}

// Each runs fn as a subtest on every engine, each with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db DB)) {
	t.Helper()
	for _, e := range Engines(t) {
		t.Run(e.Name, func(t *testing.T) { fn(t, Open(t, e)) })
	}
}
