package portal

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/portal/canon"
)

func wantErr(t *testing.T, err error, kind errs.Kind, code string) {
	t.Helper()
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || e.Kind != kind || e.Code != code {
		t.Fatalf("error = %v (%#v), want %s %s", err, err, kind, code)
	}
}

func lookup(t *testing.T, s *Service, q string) Answer {
	t.Helper()
	a, err := s.Lookup(q, Client{Remote: "198.51.100.1"})
	if err != nil {
		t.Fatalf("Lookup(%q): %v", q, err)
	}
	return a
}

func TestSubmitMergesReportsOfOneValue(t *testing.T) {
	f := newFake()
	s := newService(t, f)
	ctx := t.Context()
	first := mustSubmit(t, s, ReportInput{Kind: canon.KindURL, Value: "https://www.Evil.example/dang-nhap?ref=sms",
		Description: "Tin nhắn giả ngân hàng", Contact: "0912 345 678", Category: "phishing"})
	if len(first.Receipt) != 11 || first.Value != "https://www.evil.example/dang-nhap?ref=sms" {
		t.Fatalf("Submitted = %+v", first)
	}
	mustSubmit(t, s, ReportInput{Kind: canon.KindURL, Value: "http://evil.example/dang-nhap?ref=sms#x"})
	e, err := f.EntryByKey(ctx, "url:evil.example/dang-nhap?ref=sms")
	if err != nil || e.Reports != 2 || e.State != StatePending || e.Category != "phishing" || e.Version != 2 {
		t.Fatalf("entry = %+v, %v", e, err)
	}
	if got, want := f.actions(), []string{"portal.report_create", "portal.entry_open", "portal.report_create"}; !slices.Equal(got, want) {
		t.Errorf("audit = %q, want %q", got, want)
	}
	a := lookup(t, s, "evil.example/dang-nhap?ref=sms")
	if a.Status != StatusUnderReview || !a.Exact || a.Match.Reports != 2 {
		t.Errorf("look-up = %+v", a)
	}
	st, err := s.Receipt(ctx, first.Receipt, Client{})
	if err != nil || st.Status != "under_review" || st.Type != "report" || st.Value != first.Value {
		t.Errorf("Receipt = %+v, %v", st, err)
	}
}

func TestTwoDifferentReviewersPublish(t *testing.T) {
	f := newFake()
	s := newService(t, f)
	ctx := t.Context()
	mustSubmit(t, s, ReportInput{Kind: canon.KindPhone, Value: "0912 345 678"})
	e, _ := f.EntryByKey(ctx, "phone:+84912345678")

	_, err := s.Confirm(ctx, dung, e.ID, "", "")
	wantErr(t, err, errs.KindForbidden, "portal.forbidden")
	e1, err := s.Confirm(ctx, ana, e.ID, "impersonation", "số giả danh công an")
	if err != nil || e1.State != StatePending || len(e1.Confirmations) != 1 {
		t.Fatalf("first confirmation: %+v, %v", e1, err)
	}
	if a := lookup(t, s, "+84912345678"); a.Status != StatusUnderReview {
		t.Fatalf("one confirmation published: %+v", a)
	}
	_, err = s.Confirm(ctx, ana, e.ID, "", "again")
	wantErr(t, err, errs.KindConflict, CodeAlreadyConfirmed)
	e2, err := s.Confirm(ctx, binh, e.ID, "", "")
	if err != nil || e2.State != StatePublished || !e2.ExpiresAt.Equal(e2.PublishedAt.Add(DefaultTTL)) {
		t.Fatalf("second confirmation: %+v, %v", e2, err)
	}
	_, err = s.Confirm(ctx, chi, e.ID, "", "")
	wantErr(t, err, errs.KindConflict, CodeNotPending)
	if a := lookup(t, s, "0912.345.678"); a.Status != StatusConfirmed || a.Match.Kind != canon.KindPhone ||
		a.Advice[0] != "portal.advice.confirmed" || a.Advice[1] != "portal.advice.confirmed.phone" {
		t.Errorf("look-up = %+v", a)
	}
	// A Zalo profile on the same number is found through it.
	if a := lookup(t, s, "https://zalo.me/0912345678"); a.Status != StatusConfirmed || a.Exact {
		t.Errorf("zalo look-up = %+v", a)
	}
	_, hist, err := s.Entry(ctx, ana, e.ID)
	if err != nil || len(hist) != 2 || hist[0].ActorID != ana.UserID || hist[1].ActorID != binh.UserID {
		t.Errorf("history = %+v, %v", hist, err)
	}
}

func TestReviewerWhoReportedMayNotConfirm(t *testing.T) {
	f := newFake()
	s := newService(t, f)
	ctx := t.Context()
	if _, err := s.FileReport(ctx, dung, ReportInput{Kind: canon.KindDomain, Value: "evil.example"}); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("a constituent filed a staff report: %v", err)
	}
	if _, err := s.FileReport(ctx, chi, ReportInput{Kind: canon.KindDomain, Value: "evil.example", Description: "hotline call"}); err != nil {
		t.Fatal(err)
	}
	e, _ := f.EntryByKey(ctx, "domain:evil.example")
	_, err := s.Confirm(ctx, chi, e.ID, "", "")
	wantErr(t, err, errs.KindForbidden, CodeOwnReport)
	s.Confirm(ctx, ana, e.ID, "", "")
	if e, err = s.Confirm(ctx, binh, e.ID, "", ""); err != nil || e.State != StatePublished {
		t.Fatalf("two others: %+v, %v", e, err)
	}
}

func TestConcurrentConfirmationsPublishOnce(t *testing.T) {
	f := newFake()
	s := newService(t, f)
	ctx := t.Context()
	mustSubmit(t, s, ReportInput{Kind: canon.KindEmail, Value: "cskh@evil.example"})
	e, _ := f.EntryByKey(ctx, "email:cskh@evil.example")
	var wg sync.WaitGroup
	errsOut := make([]error, 2)
	for i, p := range []auth.Principal{ana, binh} {
		wg.Go(func() { _, errsOut[i] = s.Confirm(ctx, p, e.ID, "", "") })
	}
	wg.Wait()
	if errsOut[0] != nil || errsOut[1] != nil {
		t.Fatalf("confirmations: %v", errsOut)
	}
	got, _ := f.GetEntry(ctx, e.ID)
	if got.State != StatePublished || len(got.Confirmations) != 2 {
		t.Fatalf("entry = %+v", got)
	}
	// Many reports of a new value at once make one entry.
	var rg sync.WaitGroup
	for range 8 {
		rg.Go(func() { mustSubmit(t, s, ReportInput{Kind: canon.KindDomain, Value: "www.new-scam.example"}) })
	}
	rg.Wait()
	n, _ := f.EntryByKey(ctx, "domain:new-scam.example")
	if n.Reports != 8 {
		t.Errorf("reports merged = %d, want 8", n.Reports)
	}
}

func TestRejectedStaysClosedUntilReopened(t *testing.T) {
	f := newFake()
	s := newService(t, f)
	ctx := t.Context()
	mustSubmit(t, s, ReportInput{Kind: canon.KindDomain, Value: "competitor.example"})
	e, _ := f.EntryByKey(ctx, "domain:competitor.example")
	s.Confirm(ctx, ana, e.ID, "", "")
	_, err := s.Reject(ctx, binh, e.ID, "  ")
	wantErr(t, err, errs.KindInvalid, CodeReasonRequired)
	if e, err = s.Reject(ctx, binh, e.ID, "a real shop; the report is a dispute"); err != nil || e.State != StateRejected {
		t.Fatalf("Reject: %+v, %v", e, err)
	}
	mustSubmit(t, s, ReportInput{Kind: canon.KindDomain, Value: "competitor.example"})
	e, _ = f.GetEntry(ctx, e.ID)
	if e.State != StateRejected || e.NewReports != 1 || e.Reports != 2 {
		t.Fatalf("after a new report: %+v", e)
	}
	if a := lookup(t, s, "competitor.example"); a.Status != StatusUnknown || a.Match != nil {
		t.Errorf("a rejected entry is on show: %+v", a)
	}
	if e, err = s.Reopen(ctx, chi, e.ID, "new evidence"); err != nil || e.State != StatePending || e.Round != 2 || len(e.Confirmations) != 0 {
		t.Fatalf("Reopen: %+v, %v", e, err)
	}
	// Ana's confirmation in round 1 does not count in round 2.
	s.Confirm(ctx, ana, e.ID, "", "")
	if e, _ = f.GetEntry(ctx, e.ID); e.State != StatePending || len(e.Confirmations) != 1 {
		t.Fatalf("round 2 after one confirmation: %+v", e)
	}
}

// TestPublicationExpires runs six months of fake time: a publication is
// shown until its expiry, not a moment after (before ExpireDue runs),
// renewal extends it, and a new report after expiry reopens review.
func TestPublicationExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		s := newService(t, f)
		ctx := context.Background()
		publish := func(value string) Entry {
			mustSubmit(t, s, ReportInput{Kind: canon.KindDomain, Value: value})
			e, _ := f.EntryByKey(ctx, "domain:"+value)
			s.Confirm(ctx, ana, e.ID, "", "")
			e, err := s.Confirm(ctx, binh, e.ID, "", "")
			if err != nil || e.State != StatePublished {
				t.Fatalf("publish %s: %+v, %v", value, e, err)
			}
			return e
		}
		old := publish("old-scam.example")
		time.Sleep(DefaultTTL / 2)
		renewed := publish("renewed-scam.example")
		time.Sleep(DefaultTTL/2 - time.Second)
		if a := lookup(t, s, "old-scam.example"); a.Status != StatusConfirmed {
			t.Fatalf("a second before expiry: %+v", a)
		}
		if _, err := s.Renew(ctx, chi, renewed.ID, "still active"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		if a := lookup(t, s, "old-scam.example"); a.Status != StatusUnknown {
			t.Fatalf("at expiry: %+v", a)
		}
		var out []string
		s.Published(ctx, func(l Listing) error { out = append(out, l.Key); return nil })
		if !slices.Equal(out, []string{"domain:renewed-scam.example"}) {
			t.Errorf("published after the first expiry = %q", out)
		}
		_, err := s.Renew(ctx, chi, old.ID, "too late")
		wantErr(t, err, errs.KindConflict, CodeNotPublished)
		n, err := s.ExpireDue(ctx)
		if err != nil || n != 1 {
			t.Fatalf("ExpireDue = %d, %v", n, err)
		}
		if e, _ := f.GetEntry(ctx, old.ID); e.State != StateExpired {
			t.Fatalf("state = %s", e.State)
		}
		if !hasPrefix(f.actions(), "portal.entry_expire") || !hasPrefix(f.actions(), "portal.entry_renew") {
			t.Errorf("audit = %q", f.actions())
		}
		time.Sleep(DefaultTTL / 2)
		if a := lookup(t, s, "renewed-scam.example"); a.Status != StatusConfirmed {
			t.Errorf("the renewed entry expired early: %+v", a)
		}
		mustSubmit(t, s, ReportInput{Kind: canon.KindDomain, Value: "old-scam.example"})
		if e, _ := f.GetEntry(ctx, old.ID); e.State != StatePending || e.Round != 2 {
			t.Errorf("a report after expiry: %+v", e)
		}
		if a := lookup(t, s, "old-scam.example"); a.Status != StatusUnderReview {
			t.Errorf("look-up after the new report: %+v", a)
		}
	})
}
