package store_test

import (
	"testing"

	"github.com/khien-cert/khien/internal/store"
	"github.com/khien-cert/khien/internal/store/storetest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dsn := e.DSN(t)
			for range 2 {
				db, err := store.Open(t.Context(), dsn, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				v, err := db.Version(t.Context())
				if err != nil || v < 1 {
					t.Fatalf("Version = %d, %v", v, err)
				}
				if db.Engine() != e.Name {
					t.Errorf("Engine = %q, want %q", db.Engine(), e.Name)
				}
				db.Close()
			}
		})
	}
}
