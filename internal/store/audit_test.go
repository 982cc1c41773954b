package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store"
	"github.com/khien-cert/khien/internal/store/storetest"
)

var auditOrgs = []string{"org-a", "org-b", "org-c", ""}

// auditTestEntry is the i-th entry the tests append; its organisation cycles
// through auditOrgs.
func auditTestEntry(i int) audit.Entry {
	p := auth.Principal{UserID: fmt.Sprintf("user-%d", i%3), Email: fmt.Sprintf("u%d@cert.example.vn", i%3),
		Remote: "198.51.100.4", RequestID: fmt.Sprintf("req-%d", i)}
	e := audit.New(p, []string{"org.create", "contact.add", "resource.claim"}[i%3], "organisation",
		fmt.Sprintf("target-%d", i%5), auditOrgs[i%len(auditOrgs)])
	e.Before, e.After = audit.Digest(map[string]int{"v": i}), audit.Digest(map[string]int{"v": i + 1})
	return e.WithDetail(map[string]any{"n": i, "name": "Sở Thông tin và Truyền thông"})
}

type auditDB struct {
	*store.DB
	engine, dsn string
	verifier    note.Verifier
}

// openAuditDB opens a fresh database on e with a clock that advances a
// quarter of a second per reading, so that every entry has its own time and
// some fall on whole seconds.
func openAuditDB(t *testing.T, e storetest.Engine) auditDB {
	t.Helper()
	s, v := storetest.NewSigner(t)
	var ticks atomic.Int64
	base := time.Date(2025, 6, 1, 2, 3, 4, 0, time.UTC)
	clock := func() time.Time { return base.Add(time.Duration(ticks.Add(1)) * 250 * time.Millisecond) }
	dsn := e.DSN(t)
	db, err := store.Open(t.Context(), dsn, store.Options{Signer: s, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return auditDB{DB: db, engine: e.Name, dsn: dsn, verifier: v}
}

// appendN appends entries 0..n-1, in batches of the given sizes (cycled).
func (db auditDB) appendN(t *testing.T, n int, batches ...int) {
	t.Helper()
	for i, b := 0, 0; i < n; b++ {
		size := min(batches[b%len(batches)], n-i)
		var es []audit.Entry
		for range size {
			es = append(es, auditTestEntry(i))
			i++
		}
		if err := db.AppendAuditForTest(t.Context(), es...); err != nil {
			t.Fatal(err)
		}
	}
}

// raw opens a second, independent connection to the database, as an
// intruder with file or server access would.
func (db auditDB) raw(t *testing.T) *sql.DB {
	t.Helper()
	driver := map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[db.engine]
	c, err := sql.Open(driver, db.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (db auditDB) verify(t *testing.T, v note.Verifier) audit.Report {
	t.Helper()
	r, err := audit.Verify(t.Context(), db.AuditSource(), v)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAuditVerifyAndTamper(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			db := openAuditDB(t, e)
			if size, root, err := db.AuditHead(t.Context()); err != nil || size != 0 || root != "" {
				t.Fatalf("AuditHead of an empty log = %d, %q, %v", size, root, err)
			}
			db.appendN(t, 50, 1, 3, 2)
			r := db.verify(t, db.verifier)
			size, root, err := db.AuditHead(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if !r.OK || r.FirstBad != -1 || r.Entries != 50 || size != 50 || r.Root != root {
				t.Fatalf("clean log: report %+v, head %d %s", r, size, root)
			}

			if _, err := db.raw(t).ExecContext(t.Context(), `UPDATE audit_entries SET action = 'x' WHERE idx = 17`); err != nil {
				t.Fatal(err)
			}
			r = db.verify(t, db.verifier)
			if r.OK || r.FirstBad != 17 || len(r.Problems) != 1 || r.Problems[0].Kind != audit.ProblemEntryHash {
				t.Fatalf("after editing entry 17: %+v", r)
			}
			t.Logf("%s: %s", e.Name, r.Problems[0].Detail)
		})
	}
}

func TestAuditTamperKinds(t *testing.T) {
	otherSigner, _ := storetest.NewSigner(t)
	forged, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: 30}))}, otherSigner)
	if err != nil {
		t.Fatal(err)
	}
	bogus := tlog.RecordHash([]byte("bogus"))
	tests := []struct {
		name   string
		sql    string
		args   []any
		first  int64
		kind   string
		swapVK bool
	}{
		{"edit entry", `UPDATE audit_entries SET detail = '{}' WHERE idx = 17`, nil, 17, audit.ProblemEntryHash, false},
		{"edit entry time", `UPDATE audit_entries SET at = $1 WHERE idx = 17`, []any{time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}, 17, audit.ProblemEntryHash, false},
		{"delete entry", `DELETE FROM audit_entries WHERE idx = 17`, nil, 17, audit.ProblemIndexGap, false},
		{"delete newest entry", `DELETE FROM audit_entries WHERE idx = 49`, nil, 49, audit.ProblemMissingEntry, false},
		{"edit leaf hash", `UPDATE audit_hashes SET hash = $1 WHERE idx = $2`, []any{bogus[:], tlog.StoredHashIndex(0, 17)}, 17, audit.ProblemEntryHash, false},
		{"edit interior hash", `UPDATE audit_hashes SET hash = $1 WHERE idx = $2`, []any{bogus[:], tlog.StoredHashIndex(2, 4)}, 16, audit.ProblemInteriorHash, false},
		{"delete interior hash", `DELETE FROM audit_hashes WHERE idx = $1`, []any{tlog.StoredHashIndex(1, 10)}, 20, audit.ProblemInteriorHash, false},
		{"edit checkpoint root", `UPDATE audit_checkpoints SET root_hash = $1 WHERE size = 30`, []any{bogus.String()}, -1, audit.ProblemCheckpointRoot, false},
		{"replace checkpoint note", `UPDATE audit_checkpoints SET signed = $1 WHERE size = 30`, []any{string(forged)}, -1, audit.ProblemCheckpointSig, false},
		{"entry added with head", `INSERT INTO audit_entries SELECT 50, at, actor_id, actor_label, token_id, action, target_type, target_id,
			org_id, remote, request_id, before_digest, after_digest, detail FROM audit_entries WHERE idx = 3;
			UPDATE audit_head SET size = 51`, nil, 50, audit.ProblemSizeMismatch, false},
		{"swap verifier key", ``, nil, -1, audit.ProblemCheckpointSig, true},
	}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					db := openAuditDB(t, e)
					db.appendN(t, 50, 1)
					v := db.verifier
					if tt.swapVK {
						_, v = storetest.NewSigner(t)
					} else if err := rawExec(t, db.raw(t), tt.sql, tt.args...); err != nil {
						t.Fatal(err)
					}
					r := db.verify(t, v)
					found := slices.ContainsFunc(r.Problems, func(p audit.Problem) bool { return p.Index == tt.first && p.Kind == tt.kind })
					if r.OK || r.FirstBad != tt.first || !found {
						t.Fatalf("FirstBad = %d, want %d with a %s problem; problems %+v", r.FirstBad, tt.first, tt.kind, r.Problems)
					}
				})
			}
		})
	}
}

// rawExec runs statements separated by ";" one at a time (PostgreSQL
// refuses several statements in one prepared call).
func rawExec(t *testing.T, c *sql.DB, stmts string, args ...any) error {
	t.Helper()
	for _, s := range splitStatements(stmts) {
		if _, err := c.ExecContext(t.Context(), s, args...); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func splitStatements(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ";") {
		if strings.TrimSpace(part) != "" {
			out = append(out, part)
		}
	}
	return out
}

func TestAuditSourcePinsItsSize(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			db := openAuditDB(t, e)
			db.appendN(t, 10, 2)
			src := db.AuditSource()
			if _, err := src.StoredHashes(t.Context()); err != nil {
				t.Fatal(err)
			}
			db.appendN(t, 5, 1)
			r, err := audit.Verify(t.Context(), src, db.verifier)
			if err != nil || !r.OK || r.Entries != 10 {
				t.Fatalf("pinned source: %+v, %v; want a clean report of 10 entries", r, err)
			}
			if r := db.verify(t, db.verifier); !r.OK || r.Entries != 15 {
				t.Fatalf("fresh source: %+v; want a clean report of 15 entries", r)
			}
		})
	}
}

// listAll pages through ListAudit and returns every entry.
func listAll(t *testing.T, db auditDB, scope auth.Scope, f audit.Filter, limit int) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	pr := page.Request{Limit: limit}
	for range 1000 {
		res, err := db.ListAudit(t.Context(), scope, f, pr)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) > limit {
			t.Fatalf("page of %d items, limit %d", len(res.Items), limit)
		}
		out = append(out, res.Items...)
		if res.Next == "" {
			return out
		}
		pr.Cursor = res.Next
	}
	t.Fatal("pagination does not end")
	return nil
}

func indexes(es []audit.Entry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.Index
	}
	return out
}

// wantIndexes lists, newest first, the indexes of entries 0..n-1 that keep returns true for.
func wantIndexes(n int, keep func(i int, e audit.Entry) bool) []int64 {
	var out []int64
	for i := n - 1; i >= 0; i-- {
		if keep(i, auditTestEntry(i)) {
			out = append(out, int64(i))
		}
	}
	return out
}

type listCase struct {
	name  string
	scope auth.Scope
	f     audit.Filter
	keep  func(i int, e audit.Entry) bool
}

// listCases are the scopes and filters TestListAudit pages through; at(i) is
// the stored time of entry i.
func listCases(at func(i int) time.Time) []listCase {
	org := func(ids ...string) auth.Scope { return auth.Scope{Orgs: ids} }
	all := auth.Scope{All: true}
	none := func(int, audit.Entry) bool { return false }
	cases := []listCase{
		{"one org", org("org-a"), audit.Filter{}, func(_ int, e audit.Entry) bool { return e.OrgID == "org-a" }},
		{"two orgs", org("org-c", "org-b"), audit.Filter{},
			func(_ int, e audit.Entry) bool { return e.OrgID == "org-b" || e.OrgID == "org-c" }},
		{"no orgs", auth.Scope{}, audit.Filter{}, none},
		{"org filter outside scope", org("org-a"), audit.Filter{OrgID: "org-b"}, none},
		{"action", all, audit.Filter{Action: "contact.add"}, func(_ int, e audit.Entry) bool { return e.Action == "contact.add" }},
		{"actor in org", org("org-b"), audit.Filter{ActorID: "user-1"},
			func(_ int, e audit.Entry) bool { return e.ActorID == "user-1" && e.OrgID == "org-b" }},
		{"target", all, audit.Filter{TargetType: "organisation", TargetID: "target-2"},
			func(_ int, e audit.Entry) bool { return e.TargetID == "target-2" }},
		{"from in another zone, in org", org("org-a"), audit.Filter{From: at(10).In(time.FixedZone("ICT", 7*3600))},
			func(i int, e audit.Entry) bool { return i >= 10 && e.OrgID == "org-a" }},
	}
	// Windows starting and ending on whole and fractional seconds alike
	// (SQLite compares the times as text).
	for from := 5; from < 15; from++ {
		cases = append(cases, listCase{fmt.Sprintf("window %d..%d", from, from+6), all,
			audit.Filter{From: at(from), To: at(from + 7)}, func(i int, _ audit.Entry) bool { return i >= from && i < from+7 }})
	}
	return cases
}

func TestListAudit(t *testing.T) {
	const n = 50
	all := wantIndexes(n, func(int, audit.Entry) bool { return true })
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			db := openAuditDB(t, e)
			db.appendN(t, n, 1, 4)
			everything := listAll(t, db, auth.Scope{All: true}, audit.Filter{}, 7)
			if got := indexes(everything); !slices.Equal(got, all) {
				t.Fatalf("scope All, pages of 7: %v\nwant %v", got, all)
			}
			if got := everything[n-1]; got.Action != auditTestEntry(0).Action || got.Detail != auditTestEntry(0).Detail {
				t.Errorf("entry 0 read back as %+v", got)
			}
			for _, tt := range listCases(func(i int) time.Time { return everything[n-1-i].Time }) {
				t.Run(tt.name, func(t *testing.T) {
					want := wantIndexes(n, tt.keep)
					for _, limit := range []int{1, 4, 100} {
						got := listAll(t, db, tt.scope, tt.f, limit)
						if !slices.Equal(indexes(got), want) {
							t.Fatalf("limit %d: %v\nwant %v", limit, indexes(got), want)
						}
						for _, e := range got {
							if !tt.scope.Allows(e.OrgID) {
								t.Fatalf("entry %d of org %q is outside the scope", e.Index, e.OrgID)
							}
						}
					}
				})
			}
		})
	}
}

func TestListAuditRefuses(t *testing.T) {
	db := openAuditDB(t, storetest.Engines(t)[0])
	db.appendN(t, 3, 1)
	now := time.Now()
	otherCursor := page.Cursor{Key: "not-a-number", ID: "x"}.Encode()
	tests := []struct {
		name string
		f    audit.Filter
		pr   page.Request
	}{
		{"garbage cursor", audit.Filter{}, page.Request{Cursor: "%%%"}},
		{"cursor of another list", audit.Filter{}, page.Request{Cursor: otherCursor}},
		{"unknown sort", audit.Filter{}, page.Request{Sort: "actor_id"}},
		{"window ends before it starts", audit.Filter{From: now, To: now.Add(-time.Hour)}, page.Request{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.ListAudit(context.Background(), auth.Scope{All: true}, tt.f, tt.pr)
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("err = %v, want an invalid-input error", err)
			}
		})
	}
}
