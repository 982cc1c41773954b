package store_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/blocklist"
	"github.com/khien-cert/khien/internal/portal/canon"
	"github.com/khien-cert/khien/internal/portal/guard"
	"github.com/khien-cert/khien/internal/store"
	"github.com/khien-cert/khien/internal/store/storetest"
)

var _ portal.Store = (*store.DB)(nil)

var (
	reviewerA = auth.Principal{UserID: "rev-a", Email: "a@cert.example", Role: auth.RoleCoordinator}
	reviewerB = auth.Principal{UserID: "rev-b", Email: "b@cert.example", Role: auth.RoleCoordinator}
	reviewerC = auth.Principal{UserID: "rev-c", Email: "c@cert.example", Role: auth.RoleCoordinator}
)

func newPortal(db storetest.DB) (*portal.Service, *testClock) {
	c := &testClock{t: time.Now().UTC()}
	return portal.New(portal.Deps{Store: db.DB, Now: c.now, PoWKey: []byte("store test key"),
		PoW:    guard.PoWOptions{Bits: 2, MinAge: -1},
		Report: guard.LimitOptions{Every: time.Millisecond, Burst: 1000},
		Lookup: guard.LimitOptions{Every: time.Millisecond, Burst: 1000}}), c
}

func citizenClient(s *portal.Service) portal.Client {
	ch := s.Challenge()
	return portal.Client{Remote: "203.0.113.7:1234", PoWToken: ch.Token, PoWNonce: guard.Solve(ch.Token, ch.Bits)}
}

func submit(t *testing.T, s *portal.Service, in portal.ReportInput) portal.Submitted {
	t.Helper()
	out, err := s.Submit(t.Context(), in, citizenClient(s))
	if err != nil {
		t.Fatalf("Submit(%s %q): %v", in.Kind, in.Value, err)
	}
	return out
}

func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func auditActions(t *testing.T, db storetest.DB) []string {
	t.Helper()
	es, err := db.AuditEntriesForTest(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

// TestPortalStoreReviewFlow: two reports of one value merge into one entry;
// two reviewers publish it; it expires; every step is audited.
func TestPortalStoreReviewFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		s, _ := newPortal(db)
		first := submit(t, s, portal.ReportInput{Kind: canon.KindURL, Value: "https://www.lua-dao.example/otp?ref=sms",
			Description: "<b>Giả</b> ngân hàng", Contact: "victim@mail.example", LossAmount: "5.000.000",
			Screenshots: [][]byte{pngBytes(t)}})
		submit(t, s, portal.ReportInput{Kind: canon.KindURL, Value: "http://lua-dao.example/otp?ref=sms", Contact: "0912345678",
			Screenshots: [][]byte{pngBytes(t)}}) // the same picture: stored once
		e, err := db.EntryByKey(ctx, "url:lua-dao.example/otp?ref=sms")
		if err != nil || e.Reports != 2 || e.State != portal.StatePending || e.Version != 2 {
			t.Fatalf("merged entry = %+v, %v", e, err)
		}
		rows, _ := db.PortalRowsForTest(ctx)
		if rows["portal_entries"] != 1 || rows["portal_reports"] != 2 || rows["portal_screenshots"] != 1 || rows["portal_report_screenshots"] != 2 {
			t.Errorf("rows = %v", rows)
		}
		st, err := s.Receipt(ctx, first.Receipt, portal.Client{})
		if err != nil || st.Status != "under_review" || st.Value != "https://www.lua-dao.example/otp?ref=sms" {
			t.Errorf("Receipt = %+v, %v", st, err)
		}
		reports, err := s.Reports(ctx, reviewerA, e.ID)
		if err != nil || len(reports) != 2 || reports[1].Description != "<b>Giả</b> ngân hàng" ||
			reports[1].Loss.Amount != 5_000_000 || len(reports[1].Screenshots) != 1 || reports[0].Contact != "+84912345678" {
			t.Fatalf("Reports = %+v, %v", reports, err)
		}
		shot, err := s.Screenshot(ctx, reviewerA, reports[1].Screenshots[0])
		if err != nil || shot.Type != "image/png" || shot.Width != 4 || len(shot.Data) == 0 {
			t.Errorf("Screenshot = %+v, %v", shot, err)
		}

		if e, err = s.Confirm(ctx, reviewerA, e.ID, "phishing", "checked"); err != nil || len(e.Confirmations) != 1 {
			t.Fatalf("first Confirm = %+v, %v", e, err)
		}
		_, err = s.Confirm(ctx, reviewerA, e.ID, "", "")
		wantKind(t, err, errs.KindConflict, portal.CodeAlreadyConfirmed)
		if e, err = s.Confirm(ctx, reviewerB, e.ID, "", ""); err != nil || e.State != portal.StatePublished || e.Category != "phishing" {
			t.Fatalf("second Confirm = %+v, %v", e, err)
		}
		if err := s.RebuildIndex(ctx); err != nil {
			t.Fatal(err)
		}
		a, err := s.Lookup("https://lua-dao.example/otp?ref=sms", portal.Client{Remote: "198.51.100.1"})
		if err != nil || a.Status != portal.StatusConfirmed {
			t.Errorf("Lookup = %+v, %v", a, err)
		}
		var pub []string
		s.Published(ctx, func(l portal.Listing) error { pub = append(pub, l.Key); return nil })
		if !slices.Equal(pub, []string{e.Key}) {
			t.Errorf("Published = %q", pub)
		}
		want := []string{"portal.report_create", "portal.entry_open", "portal.report_create", "portal.reports_read",
			"portal.screenshot_read", "portal.entry_confirm", "portal.entry_confirm"}
		if got := auditActions(t, db); !slices.Equal(got, want) {
			t.Errorf("audit = %q\nwant %q", got, want)
		}
	})
}

// publishedEntry files a report of value and has two reviewers confirm it.
func publishedEntry(t *testing.T, s *portal.Service, db storetest.DB, kind canon.Kind, value string) portal.Entry {
	t.Helper()
	submit(t, s, portal.ReportInput{Kind: kind, Value: value})
	sub, _ := canon.Normalize(kind, value)
	e, err := db.EntryByKey(t.Context(), sub.Key)
	if err != nil {
		t.Fatal(err)
	}
	s.Confirm(t.Context(), reviewerA, e.ID, "", "")
	if e, err = s.Confirm(t.Context(), reviewerB, e.ID, "", ""); err != nil || e.State != portal.StatePublished {
		t.Fatalf("publish %s: %+v, %v", value, e, err)
	}
	return e
}

// TestPortalStoreExpiry: a publication expires after the TTL, is audited
// as the system, and a new report reopens it in a new round.
func TestPortalStoreExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		s, clock := newPortal(db)
		e := publishedEntry(t, s, db, canon.KindURL, "https://lua-dao.example/otp")
		clock.advance(portal.DefaultTTL - time.Second)
		if n, err := s.ExpireDue(ctx); err != nil || n != 0 {
			t.Fatalf("ExpireDue before the time = %d, %v", n, err)
		}
		clock.advance(time.Second)
		if n, err := s.ExpireDue(ctx); err != nil || n != 1 {
			t.Fatalf("ExpireDue = %d, %v", n, err)
		}
		if e, _ = db.GetEntry(ctx, e.ID); e.State != portal.StateExpired {
			t.Errorf("state after expiry = %s", e.State)
		}
		hist, _ := db.History(ctx, e.ID)
		var steps []portal.Action
		for _, h := range hist {
			steps = append(steps, h.Action)
		}
		if !slices.Equal(steps, []portal.Action{portal.ActConfirm, portal.ActConfirm, portal.ActExpire}) {
			t.Errorf("history = %v", steps)
		}
		if acts := auditActions(t, db); acts[len(acts)-1] != "portal.entry_expire" {
			t.Errorf("audit = %q", acts)
		}
		submit(t, s, portal.ReportInput{Kind: canon.KindURL, Value: "lua-dao.example/otp"})
		if e, _ = db.GetEntry(ctx, e.ID); e.State != portal.StatePending || e.Round != 2 || len(e.Confirmations) != 0 {
			t.Errorf("after a new report = %+v", e)
		}
		if acts := auditActions(t, db); acts[len(acts)-1] != "portal.entry_reopen" {
			t.Errorf("audit = %q", acts)
		}
	})
}

// TestPortalStoreAppeal: an upheld appeal withdraws the entry; a second
// open appeal is refused by the database too.
func TestPortalStoreAppeal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		s, _ := newPortal(db)
		e := publishedEntry(t, s, db, canon.KindDomain, "real-shop.example")
		in := portal.AppealInput{Value: "real-shop.example", Contact: "owner@real-shop.example", Statement: "Our shop is real."}
		sub, err := s.Appeal(ctx, in, citizenClient(s))
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Appeal(ctx, in, citizenClient(s))
		wantKind(t, err, errs.KindConflict, portal.CodeAppealOpen)
		open, err := s.Appeals(ctx, reviewerC, portal.AppealFilter{State: portal.AppealOpen}, pageReq())
		if err != nil || len(open.Items) != 1 || open.Items[0].Contact != "owner@real-shop.example" {
			t.Fatalf("Appeals = %+v, %v", open, err)
		}
		_, err = s.DecideAppeal(ctx, reviewerB, open.Items[0].ID, true, "x")
		wantKind(t, err, errs.KindConflict, portal.CodeAppealBias)
		ap, err := s.DecideAppeal(ctx, reviewerC, open.Items[0].ID, true, "registration checked")
		if err != nil || ap.State != portal.AppealUpheld || ap.DecidedAt.IsZero() {
			t.Fatalf("DecideAppeal = %+v, %v", ap, err)
		}
		if e, _ = db.GetEntry(ctx, e.ID); e.State != portal.StateWithdrawn || e.Reason != "registration checked" {
			t.Errorf("entry = %+v", e)
		}
		_, err = db.DecideAppeal(ctx, ap, nil, nil, entry("portal.appeal_reject"))
		wantKind(t, err, errs.KindConflict, portal.CodeAppealClosed)
		if st, err := s.Receipt(ctx, sub.Receipt, portal.Client{}); err != nil || st.Status != "upheld" || st.Type != "appeal" {
			t.Errorf("Receipt = %+v, %v", st, err)
		}
		acts := auditActions(t, db)
		if !slices.Contains(acts, "portal.appeal_create") || !slices.Contains(acts, "portal.appeal_uphold") ||
			!slices.Contains(acts, "portal.entry_withdraw") {
			t.Errorf("audit = %q", acts)
		}
	})
}

// TestPortalStoreRefusals: a refused report stores nothing, a stale save
// stores nothing, and the database itself refuses a second confirmation.
func TestPortalStoreRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		s, _ := newPortal(db)
		submit(t, s, portal.ReportInput{Kind: canon.KindPhone, Value: "0912 345 678"})
		before, _ := db.PortalRowsForTest(ctx)
		size := auditSize(t, db)
		for _, in := range []portal.ReportInput{
			{Kind: canon.KindPhone, Value: "0912 345 67"},
			{Kind: canon.KindPhone, Value: "0912 345 678", Description: "\x00"},
			{Kind: canon.KindPhone, Value: "0912 345 678", Screenshots: [][]byte{[]byte("GIF89a")}},
			{Kind: canon.KindURL, Value: "javascript:alert(1)"},
		} {
			if _, err := s.Submit(ctx, in, citizenClient(s)); !errs.Is(err, errs.KindInvalid) {
				t.Errorf("Submit(%+v) = %v", in, err)
			}
		}
		if _, err := s.Submit(ctx, portal.ReportInput{Kind: canon.KindPhone, Value: "0912345678"}, portal.Client{}); err == nil {
			t.Error("a report without proof of work was taken")
		}
		// A save from a stale read changes nothing.
		e, _ := db.EntryByKey(ctx, "phone:+84912345678")
		stale := e
		stale.Version--
		r, _, _ := portal.ValidateReport(portal.ReportInput{Kind: canon.KindPhone, Value: "0912345678"})
		r.ReceiptHash, r.CreatedAt = "stale-receipt", time.Now()
		_, _, err := db.SaveReport(ctx, r, nil, stale.WithReport(time.Now(), "", ""), nil)
		wantKind(t, err, errs.KindConflict, portal.CodeRace)
		if after, _ := db.PortalRowsForTest(ctx); !maps.Equal(after, before) || auditSize(t, db) != size {
			t.Fatalf("refusals changed the store: %v, was %v", after, before)
		}
		// The unique index holds one confirmation per reviewer and round.
		next, step, _ := e.Confirm(portal.Reviewer{ID: "rev-a", Label: "a"}, "", "", time.Now().UTC(), time.Hour)
		saved, err := db.SaveReview(ctx, next, step, entry("portal.entry_confirm"))
		if err != nil {
			t.Fatal(err)
		}
		step.At = step.At.Add(time.Second)
		saved.Confirmations = nil // a domain that forgot: the database still says no
		_, err = db.SaveReview(ctx, saved, step, entry("portal.entry_confirm"))
		wantKind(t, err, errs.KindConflict, portal.CodeAlreadyConfirmed)
	})
}

// TestPortalStoreConcurrentConfirmations: two reviewers at once publish
// the entry once, with two confirmations.
func TestPortalStoreConcurrentConfirmations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		s, _ := newPortal(db)
		submit(t, s, portal.ReportInput{Kind: canon.KindBank, Value: "VCB 0011001234567"})
		e, _ := db.EntryByKey(ctx, "bank:970436:0011001234567")
		var wg sync.WaitGroup
		errsOut := make([]error, 2)
		for i, p := range []auth.Principal{reviewerA, reviewerB} {
			wg.Go(func() { _, errsOut[i] = s.Confirm(ctx, p, e.ID, "", "") })
		}
		wg.Wait()
		if errsOut[0] != nil || errsOut[1] != nil {
			t.Fatalf("Confirm: %v", errsOut)
		}
		e, _ = db.GetEntry(ctx, e.ID)
		if e.State != portal.StatePublished || len(e.Confirmations) != 2 || e.Version != 3 {
			t.Errorf("entry = %+v", e)
		}
	})
}

// TestPortalStoreListings checks the listing filters the index, outputs and
// expiry use, and the review queue's filters and pages.
func TestPortalStoreListings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		s, clock := newPortal(db)
		for _, v := range []string{"a.example", "b.example", "c.example"} {
			submit(t, s, portal.ReportInput{Kind: canon.KindDomain, Value: v})
		}
		b, _ := db.EntryByKey(ctx, "domain:b.example")
		s.Confirm(ctx, reviewerA, b.ID, "", "")
		s.Confirm(ctx, reviewerB, b.ID, "", "")
		c, _ := db.EntryByKey(ctx, "domain:c.example")
		s.Reject(ctx, reviewerA, c.ID, "not a scam")
		keys := func(f portal.ListingFilter) []string {
			var out []string
			if err := db.Listings(ctx, f, func(l portal.Listing) error { out = append(out, l.Key); return nil }); err != nil {
				t.Fatal(err)
			}
			return out
		}
		live := []portal.State{portal.StatePending, portal.StatePublished}
		if got := keys(portal.ListingFilter{States: live}); !slices.Equal(got, []string{"domain:a.example", "domain:b.example"}) {
			t.Errorf("on show = %q", got)
		}
		now := clock.now()
		if got := keys(portal.ListingFilter{States: []portal.State{portal.StatePublished}, ValidAt: now.Add(portal.DefaultTTL)}); len(got) != 0 {
			t.Errorf("valid after expiry = %q", got)
		}
		if got := keys(portal.ListingFilter{States: []portal.State{portal.StatePublished}, ExpiredBy: now.Add(portal.DefaultTTL)}); len(got) != 1 {
			t.Errorf("expired by = %q", got)
		}
		if got := keys(portal.ListingFilter{ChangedSince: time.Now().Add(time.Hour)}); len(got) != 0 {
			t.Errorf("changed in the future = %q", got)
		}
		q, err := s.Queue(ctx, reviewerA, portal.EntryFilter{State: portal.StatePending}, pageReq())
		if err != nil || len(q.Items) != 1 || q.Items[0].Key != "domain:a.example" {
			t.Errorf("Queue = %+v, %v", q, err)
		}
		page1, err := s.Queue(ctx, reviewerA, portal.EntryFilter{Query: "EXAMPLE"}, pageReqN(2))
		if err != nil || len(page1.Items) != 2 || page1.Next == "" {
			t.Fatalf("Queue page 1 = %+v, %v", page1, err)
		}
		page2, err := s.Queue(ctx, reviewerA, portal.EntryFilter{Query: "example"}, withCursor(pageReqN(2), page1.Next))
		if err != nil || len(page2.Items) != 1 || page2.Next != "" {
			t.Errorf("Queue page 2 = %+v, %v", page2, err)
		}
		if b, _ := db.GetEntry(ctx, b.ID); len(b.Confirmations) != 2 {
			t.Errorf("confirmations = %+v", b.Confirmations)
		}
	})
}

func pageReq() page.Request                             { return page.Request{Limit: 50} }
func pageReqN(n int) page.Request                       { return page.Request{Limit: n} }
func withCursor(pr page.Request, c string) page.Request { pr.Cursor = c; return pr }

// TestPortalPublicOutputsHoldNoPersonalData files reports full of personal
// data, publishes them, and checks that no look-up answer, receipt answer,
// intel indicator or distributed list carries any of it.
func TestPortalPublicOutputsHoldNoPersonalData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		s, clock := newPortal(db)
		secrets := []string{"reporter.private@mail.example", "+84987654321", "Trần Thị Riêng Tư", "số CCCD 001234567890"}
		var receipts []string
		for _, v := range []portal.ReportInput{
			{Kind: canon.KindDomain, Value: "www.lua-dao.example"},
			{Kind: canon.KindURL, Value: "https://sites.example/lua-dao"},
			{Kind: canon.KindPhone, Value: "0912 345 678"},
			{Kind: canon.KindBank, Value: "VCB 0011001234567"},
			{Kind: canon.KindEmail, Value: "cskh@lua-dao.example"},
			{Kind: canon.KindSocial, Value: "https://t.me/hotro_nganhang"},
		} {
			v.Description, v.Contact = secrets[2]+", "+secrets[3], secrets[0]
			receipts = append(receipts, submit(t, s, v).Receipt)
			v.Contact = secrets[1]
			submit(t, s, v)
			sub, _ := canon.Normalize(v.Kind, v.Value)
			e, _ := db.EntryByKey(ctx, sub.Key)
			s.Confirm(ctx, reviewerA, e.ID, "", "")
			if _, err := s.Confirm(ctx, reviewerB, e.ID, "", ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RebuildIndex(ctx); err != nil {
			t.Fatal(err)
		}
		public := publicOutputs(t, s, receipts, clock.now())
		for _, x := range append(secrets, "a@cert.example", "b@cert.example", "rev-a", "84987654321") {
			if bytes.Contains(public, []byte(x)) {
				t.Errorf("public output holds %q", x)
			}
		}
		if !bytes.Contains(public, []byte("lua-dao.example")) {
			t.Error("the outputs are empty")
		}
	})
}

// publicOutputs gathers everything the public can get about the published
// entries: look-up answers, receipt answers, intel indicators and every
// distribution format.
func publicOutputs(t *testing.T, s *portal.Service, receipts []string, now time.Time) []byte {
	t.Helper()
	ctx := t.Context()
	var public bytes.Buffer
	for _, q := range []string{"lua-dao.example", "https://sites.example/lua-dao", "0912345678", "0011001234567",
		"cskh@lua-dao.example", "@hotro_nganhang"} {
		a, err := s.Lookup(q, portal.Client{Remote: "198.51.100.9"})
		if err != nil || a.Status != portal.StatusConfirmed {
			t.Fatalf("Lookup(%q) = %+v, %v", q, a, err)
		}
		json.NewEncoder(&public).Encode(a)
	}
	for _, r := range receipts {
		st, err := s.Receipt(ctx, r, portal.Client{})
		if err != nil || st.Status != "confirmed" {
			t.Fatalf("Receipt = %+v, %v", st, err)
		}
		json.NewEncoder(&public).Encode(st)
	}
	res, err := s.IntelPull(ctx, intel.Feed{}, intel.Indicator{})
	if err != nil || len(res.Indicators) != 4 {
		t.Fatalf("IntelPull = %+v, %v", res, err)
	}
	json.NewEncoder(&public).Encode(res)
	var ls []portal.Listing
	s.Published(ctx, func(l portal.Listing) error { ls = append(ls, l); return nil })
	if len(ls) != 6 {
		t.Fatalf("published %d", len(ls))
	}
	for _, f := range blocklist.Formats {
		for _, kind := range canon.Kinds {
			w, err := blocklist.New(f, &public, blocklist.Options{Now: now, Kind: kind})
			if err != nil {
				t.Fatal(err)
			}
			if err := blocklist.WriteAll(w, ls); err != nil {
				t.Fatal(err)
			}
		}
	}
	return public.Bytes()
}
