package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

// TestListMyCases: a user's case list holds exactly the cases they are
// assigned to within their scope, pages by keyset without gaps or repeats
// in every sort order, and counts only the live items they may see.
func TestListMyCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		o := mustOrg(t, db, "bo-a", "Bộ A")
		o2 := mustOrg(t, db, "bo-b", "Bộ B")
		inv := mustUser(t, db, "inv@cert.vn", auth.RoleInvestigator)
		other := mustUser(t, db, "other@cert.vn", auth.RoleInvestigator)
		base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		const n = 7
		for i := range n {
			org := o.ID
			if i == n-1 {
				org = o2.ID
			}
			c, err := db.OpenCase(ctx, evidence.Case{ID: fmt.Sprintf("case-%d", i), OrgID: org, Reference: fmt.Sprintf("VN-%d", 9-i),
				CreatedAt: base.Add(time.Duration(i) * time.Hour)}, entry("evidence.case_open"))
			if err != nil {
				t.Fatal(err)
			}
			at := base.Add(time.Duration(n-i) * time.Minute)
			if i == 3 {
				at = base.Add(time.Duration(n-2) * time.Minute) // a tie with case-2
			}
			if _, err := db.AssignCase(ctx, evidence.Assignment{CaseID: c.ID, UserID: inv.ID, Role: evidence.CaseInvestigator, AssignedAt: at}, entry("evidence.assign")); err != nil {
				t.Fatal(err)
			}
		}
		// A case inv is not on.
		if _, err := db.OpenCase(ctx, evidence.Case{ID: "not-mine", OrgID: o.ID, CreatedAt: base}, entry("evidence.case_open")); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AssignCase(ctx, evidence.Assignment{CaseID: "not-mine", UserID: other.ID, Role: evidence.CaseCoordinator, AssignedAt: base}, entry("evidence.assign")); err != nil {
			t.Fatal(err)
		}
		// Items in case-0: a GREEN one inv holds, a RED one, a destroyed one.
		for i, x := range []struct {
			level  tlp.Level
			holder string
			state  evidence.State
		}{{tlp.Green, inv.ID, evidence.StateHeld}, {tlp.Red, other.ID, evidence.StateHeld}, {tlp.Green, inv.ID, evidence.StateDestroyed}} {
			sum := fmt.Sprintf("%064x", i+1)
			it := evidence.Item{ID: fmt.Sprintf("0196c1d2-7e3a-7b2c-9f10-4a5b6c7d8e9%d", i), CaseID: "case-0", OrgID: o.ID, Size: 1, SHA256: sum,
				SHA512: sum + sum, HolderID: x.holder, State: x.state, LastSeq: 0, CreatedAt: base, UpdatedAt: base,
				Metadata: evidence.Metadata{Name: "x", TLP: x.level, CollectedAt: base}}
			if _, err := db.AddEvidence(ctx, it, nil, nil); err != nil {
				t.Fatal(err)
			}
		}

		all := auth.Scope{All: true}
		v := evidence.Viewer{UserID: inv.ID, Orgs: all, Clearance: tlp.Red}
		for _, sort := range []struct {
			name string
			desc bool
			want []string
		}{
			{"assigned_at", true, []string{"case-0", "case-1", "case-3", "case-2", "case-4", "case-5", "case-6"}},
			{"created_at", false, []string{"case-0", "case-1", "case-2", "case-3", "case-4", "case-5", "case-6"}},
			{"reference", false, []string{"case-6", "case-5", "case-4", "case-3", "case-2", "case-1", "case-0"}},
		} {
			var got []string
			pr := page.Request{Limit: 2, Sort: sort.name, Desc: sort.desc}
			for pages := 0; ; pages++ {
				if pages > n {
					t.Fatalf("%s: paging does not end", sort.name)
				}
				res, err := db.ListMyCases(ctx, v, pr)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range res.Items {
					got = append(got, m.ID)
				}
				if res.Next == "" {
					break
				}
				pr.Cursor = res.Next
			}
			if fmt.Sprint(got) != fmt.Sprint(sort.want) {
				t.Errorf("sorted by %s (desc %v): %v, want %v", sort.name, sort.desc, got, sort.want)
			}
		}

		res, err := db.ListMyCases(ctx, v, page.Request{Limit: 50, Sort: "created_at"})
		if err != nil {
			t.Fatal(err)
		}
		if m := res.Items[0]; m.ID != "case-0" || m.Items != 2 || m.Held != 1 || m.Role != evidence.CaseInvestigator {
			t.Errorf("case-0 as listed: %+v (want 2 live items seen, 1 held)", m)
		}
		green := v
		green.Clearance = tlp.Green
		if res, err = db.ListMyCases(ctx, green, page.Request{Limit: 50, Sort: "created_at"}); err != nil || res.Items[0].Items != 1 {
			t.Errorf("a GREEN-cleared viewer counts %+v, want 1 item (%v)", res.Items, err)
		}
		scoped := v
		scoped.Orgs = auth.Scope{Orgs: []string{o.ID}}
		if res, err = db.ListMyCases(ctx, scoped, page.Request{Limit: 50, Sort: "created_at"}); err != nil || len(res.Items) != n-1 {
			t.Errorf("scoped to one organisation: %d cases, want %d (%v)", len(res.Items), n-1, err)
		}
		theirs, err := db.ListMyCases(ctx, evidence.Viewer{UserID: other.ID, Orgs: all, Clearance: tlp.Red}, page.Request{Limit: 50, Sort: "created_at"})
		if err != nil || len(theirs.Items) != 1 || theirs.Items[0].ID != "not-mine" || theirs.Items[0].Role != evidence.CaseCoordinator {
			t.Errorf("the other user's cases: %+v %v", theirs.Items, err)
		}
		if none, err := db.ListMyCases(ctx, evidence.Viewer{Orgs: all, Clearance: tlp.Red}, page.Request{Limit: 50, Sort: "created_at"}); err != nil || len(none.Items) != 0 {
			t.Errorf("no user: %+v %v", none, err)
		}
	})
}
