package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
	"github.com/khien-cert/khien/internal/portal/guard"
	"github.com/khien-cert/khien/internal/store/storetest"
)

// newBulletinPortal is a portal service with a blob store for pictures
// and the coordinating body, the only publisher at first.
func newBulletinPortal(t *testing.T, db storetest.DB) (*portal.Service, *testClock, *blob.Disk) {
	t.Helper()
	c := &testClock{t: time.Date(2026, 5, 20, 3, 0, 0, 0, time.UTC)}
	images, err := blob.OpenDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { images.Close() })
	if _, err := db.CreateOrg(t.Context(), org.Org{Slug: "cert", Name: "CERT quốc gia", Kind: org.KindCoordinator, Coordinating: true},
		entry("org.create")); err != nil {
		t.Fatal(err)
	}
	return portal.New(portal.Deps{Store: db.DB, Bulletins: db.DB, Stats: db.DB, Now: c.now, PoWKey: []byte("k"),
		PoW:            guard.PoWOptions{Bits: 2, MinAge: -1},
		Report:         guard.LimitOptions{Every: time.Millisecond, Burst: 1000},
		Lookup:         guard.LimitOptions{Every: time.Millisecond, Burst: 1000},
		BulletinImages: images}), c, images
}

func bulletinIn(n int, at time.Time) portal.BulletinInput {
	return portal.BulletinInput{Category: "warning", TitleVI: fmt.Sprintf("Cảnh báo số %d", n), TitleEN: fmt.Sprintf("Warning no. %d", n),
		BodyVI: "Không chuyển tiền cho người lạ.\n\nGọi 156 để báo.", BodyEN: "Never send money to strangers.\n\nCall 156.", PublishedAt: at}
}

// TestBulletins: drafts and scheduled bulletins stay private; published
// ones list newest first by keyset pages; editing needs the version seen;
// bad input stores nothing; every change is audited.
func TestBulletins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		s, clock, _ := newBulletinPortal(t, db)
		now := clock.now()
		var ids []string
		for i := range 5 {
			b, err := s.CreateBulletin(ctx, reviewerA, bulletinIn(i, now.Add(-time.Duration(5-i)*time.Hour)))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, b.ID)
		}
		draft, err := s.CreateBulletin(ctx, reviewerB, bulletinIn(9, time.Time{}))
		if err != nil {
			t.Fatal(err)
		}
		later, err := s.CreateBulletin(ctx, reviewerB, bulletinIn(10, now.Add(time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		pr := page.Request{Limit: 2}
		for {
			res, err := s.PublicBulletins(ctx, "", pr)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range res.Items {
				got = append(got, b.ID)
			}
			if res.Next == "" {
				break
			}
			pr.Cursor = res.Next
		}
		if want := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("public list %v, want %v", got, want)
		}
		for _, id := range []string{draft.ID, later.ID, "not-an-id", "0196c1d2-7e3a-7b2c-9f10-4a5b6c7d8e9f"} {
			if _, err := s.PublicBulletin(ctx, id); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("public bulletin %s: %v, want not found", id, err)
			}
		}
		staff, err := s.StaffBulletins(ctx, reviewerA, page.Request{Limit: 50})
		if err != nil || len(staff.Items) != 7 || staff.Items[0].ID != later.ID {
			t.Fatalf("staff list %d items (%v), first %+v", len(staff.Items), err, staff.Items)
		}
		if _, err := s.StaffBulletins(ctx, auth.Principal{UserID: "x", Role: auth.RoleInvestigator}, page.Request{}); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("an investigator lists bulletins: %v", err)
		}
		// The scheduled one goes public when its time comes.
		clock.advance(2 * time.Hour)
		if b, err := s.PublicBulletin(ctx, later.ID); err != nil || b.TitleEN != "Warning no. 10" {
			t.Errorf("scheduled bulletin at its time: %+v %v", b, err)
		}
		if res, _ := s.PublicBulletins(ctx, "advice", page.Request{}); len(res.Items) != 0 {
			t.Errorf("category filter: %d", len(res.Items))
		}
		if _, err := s.PublicBulletins(ctx, "nonsense", page.Request{}); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("unknown category: %v", err)
		}

		// Editing: the version seen, or a conflict.
		before := auditActions(t, db)
		in := bulletinIn(9, now)
		in.Category, in.TitleEN = "advice", "How to spot a fake bank call"
		b, err := s.UpdateBulletin(ctx, reviewerB, draft.ID, 1, in)
		if err != nil || b.Version != 2 || b.Category != "advice" {
			t.Fatalf("update: %+v %v", b, err)
		}
		if _, err := s.UpdateBulletin(ctx, reviewerA, draft.ID, 1, in); !errs.Is(err, errs.KindConflict) {
			t.Errorf("a stale update: %v", err)
		}
		got2, _ := s.StaffBulletin(ctx, reviewerA, draft.ID)
		if got2.TitleEN != "How to spot a fake bank call" || !got2.PublishedAt.Equal(now) {
			t.Errorf("stored after update: %+v", got2)
		}
		// Bad input: named fields, nothing stored.
		bad := portal.BulletinInput{Category: "gossip", TitleVI: "", TitleEN: strings.Repeat("x", 201), BodyVI: "a\x00b", BodyEN: "ok"}
		_, err = s.CreateBulletin(ctx, reviewerA, bad)
		e, ok := err.(*errs.Error)
		if !ok || e.Kind != errs.KindTooLarge || len(e.Fields) != 4 {
			t.Fatalf("bad bulletin: %v", err)
		}
		if _, err := s.UpdateBulletin(ctx, reviewerA, draft.ID, 2, bad); err == nil {
			t.Fatal("a bad update was accepted")
		}
		after := auditActions(t, db)
		if len(after) != len(before)+1 || after[len(after)-1] != "portal.bulletin_update" {
			t.Errorf("audit grew by %v", after[len(before):])
		}
		if n := strings.Count(strings.Join(after, " "), "portal.bulletin_create"); n != 7 {
			t.Errorf("%d create entries, want 7", n)
		}
	})
}

// TestPortalStats: reports and confirmations are counted in the month
// (Vietnam time) they happened, per category and per kind, over the last
// twelve months only.
func TestPortalStats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		s, clock, _ := newBulletinPortal(t, db)
		// 2026-03-31 20:00 UTC is 1 April in Vietnam.
		clock.t = time.Date(2026, 3, 31, 20, 0, 0, 0, time.UTC)
		submit(t, s, portal.ReportInput{Kind: canon.KindDomain, Value: "lua-dao.example", Category: "investment"})
		clock.t = time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC) // too old by May 2026
		submit(t, s, portal.ReportInput{Kind: canon.KindDomain, Value: "cu.example", Category: "loan"})
		clock.t = time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
		submit(t, s, portal.ReportInput{Kind: canon.KindPhone, Value: "0912 345 678", Category: "impersonation"})
		submit(t, s, portal.ReportInput{Kind: canon.KindPhone, Value: "+84 912 345 679"})
		e := publishedEntry(t, s, db, canon.KindDomain, "lua-dao.example")
		if e.Category != "investment" {
			t.Fatalf("entry category %q", e.Category)
		}
		st, err := s.PublicStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Months) != portal.StatsMonths || st.Months[11].Start.Month() != time.May || st.Months[0].Start.Month() != time.June {
			t.Fatalf("months %v … %v", st.Months[0].Start, st.Months[len(st.Months)-1].Start)
		}
		april, may := st.Months[10], st.Months[11]
		if april.Received != 1 || may.Received != 3 || may.Confirmed != 1 || st.Received != 4 || st.Confirmed != 1 {
			t.Errorf("april %+v, may %+v, totals %d/%d", april, may, st.Received, st.Confirmed)
		}
		if st.Months[9].Received != 0 {
			t.Errorf("March counted the report made on 1 April Vietnam time: %+v", st.Months[9])
		}
		cats := map[portal.Category]portal.CategoryStat{}
		for _, c := range st.Categories {
			cats[c.Category] = c
		}
		// The second report of lua-dao.example (by publishedEntry) says no category.
		if cats["investment"].Reports != 1 || cats["investment"].Confirmed != 1 || cats["impersonation"].Reports != 1 ||
			cats[""].Reports != 2 || cats["loan"].Reports != 0 || st.Categories[0].Category != "" || len(st.Categories) != 3 {
			t.Errorf("categories %+v", st.Categories)
		}
		if len(st.Kinds) != 2 || st.Kinds[0] != (portal.KindStat{Kind: canon.KindDomain, Reports: 2}) && st.Kinds[0] != (portal.KindStat{Kind: canon.KindPhone, Reports: 2}) {
			t.Errorf("kinds %+v", st.Kinds)
		}
		// Weeks: clock is Saturday 2 May 2026 (Vietnam), so the last week
		// starts Monday 27 April and holds the three May reports.
		if len(st.Weeks) != portal.StatsWeeks {
			t.Fatalf("%d weeks", len(st.Weeks))
		}
		last := st.Weeks[len(st.Weeks)-1]
		if last.Start.Format("2006-01-02 Mon") != "2026-04-27 Mon" || last.Received != 3 || last.Confirmed != 1 {
			t.Errorf("last week %v: %+v", last.Start, last)
		}
		if wk := st.Weeks[len(st.Weeks)-5]; wk.Start.Format("2006-01-02") != "2026-03-30" || wk.Received != 1 {
			t.Errorf("the week of 1 April: %v %+v", wk.Start, wk)
		}
		// Cached: a new report shows only after StatsTTL.
		submit(t, s, portal.ReportInput{Kind: canon.KindURL, Value: "https://gia-mao.example/x"})
		if again, _ := s.PublicStats(ctx); again.Received != 4 {
			t.Errorf("within the TTL the figures changed: %d", again.Received)
		}
		clock.advance(portal.StatsTTL + time.Second)
		if again, _ := s.PublicStats(ctx); again.Received != 5 || again.Kinds[0].Kind == canon.KindURL {
			t.Errorf("after the TTL: %d received, kinds %+v", again.Received, again.Kinds)
		}
	})
}
