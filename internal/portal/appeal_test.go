package portal

import (
	"context"
	"slices"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// published files a report of value and has ana and binh confirm it.
func published(t *testing.T, s *Service, f *fakeStore, kind canon.Kind, value string) Entry {
	t.Helper()
	mustSubmit(t, s, ReportInput{Kind: kind, Value: value})
	sub, _ := canon.Normalize(kind, value)
	e, err := f.EntryByKey(context.Background(), sub.Key)
	if err != nil {
		t.Fatal(err)
	}
	s.Confirm(t.Context(), ana, e.ID, "", "")
	if e, err = s.Confirm(t.Context(), binh, e.ID, "", ""); err != nil || e.State != StatePublished {
		t.Fatalf("publish: %+v, %v", e, err)
	}
	return e
}

func TestAppealUpheldWithdrawsEntry(t *testing.T) {
	f := newFake()
	s := newService(t, f)
	ctx := t.Context()
	e := published(t, s, f, canon.KindDomain, "shop-that-is-real.example")
	in := AppealInput{Value: "https://www.shop-that-is-real.example/", Name: "Shop owner", Contact: "owner@shop-that-is-real.example",
		Statement: "We are a registered business; the report was a delivery dispute."}
	before := f.counts()
	for _, bad := range []AppealInput{
		{Value: in.Value, Statement: in.Statement},                             // no contact
		{Value: in.Value, Contact: in.Contact},                                 // no statement
		{Value: "nothing-listed.example", Contact: in.Contact, Statement: "x"}, // nothing to appeal
	} {
		if _, err := s.Appeal(ctx, bad, client(s)); err == nil {
			t.Errorf("Appeal(%+v) accepted", bad)
		}
	}
	if f.counts() != before {
		t.Fatalf("refused appeals changed the store")
	}
	sub, err := s.Appeal(ctx, in, client(s))
	if err != nil || sub.Value != "shop-that-is-real.example" {
		t.Fatalf("Appeal: %+v, %v", sub, err)
	}
	_, err = s.Appeal(ctx, in, client(s))
	wantErr(t, err, errs.KindConflict, CodeAppealOpen)

	_, err = s.Appeals(ctx, dung, AppealFilter{}, pageReq())
	wantErr(t, err, errs.KindForbidden, "portal.forbidden")
	open, err := s.Appeals(ctx, chi, AppealFilter{State: AppealOpen}, pageReq())
	if err != nil || len(open.Items) != 1 {
		t.Fatalf("Appeals = %+v, %v", open, err)
	}
	id := open.Items[0].ID
	_, err = s.DecideAppeal(ctx, ana, id, true, "I confirmed it myself")
	wantErr(t, err, errs.KindConflict, CodeAppealBias)
	_, err = s.DecideAppeal(ctx, chi, id, true, "")
	wantErr(t, err, errs.KindInvalid, CodeReasonRequired)
	ap, err := s.DecideAppeal(ctx, chi, id, true, "business registration checked")
	if err != nil || ap.State != AppealUpheld || ap.DeciderID != chi.UserID {
		t.Fatalf("DecideAppeal: %+v, %v", ap, err)
	}
	_, err = s.DecideAppeal(ctx, chi, id, false, "again")
	wantErr(t, err, errs.KindConflict, CodeAppealClosed)
	if got, _ := f.GetEntry(ctx, e.ID); got.State != StateWithdrawn || got.Reason != "business registration checked" {
		t.Errorf("entry = %+v", got)
	}
	if a := lookup(t, s, "shop-that-is-real.example"); a.Status != StatusUnknown {
		t.Errorf("a withdrawn entry is on show: %+v", a)
	}
	st, err := s.Receipt(ctx, sub.Receipt, Client{})
	if err != nil || st.Type != "appeal" || st.Status != "upheld" {
		t.Errorf("Receipt = %+v, %v", st, err)
	}
	acts := f.actions()
	if !slices.Contains(acts, "portal.appeal_create") || !slices.Contains(acts, "portal.appeal_uphold") {
		t.Errorf("audit = %q", acts)
	}
	// A new report does not put it back on show.
	mustSubmit(t, s, ReportInput{Kind: canon.KindDomain, Value: "shop-that-is-real.example"})
	if a := lookup(t, s, "shop-that-is-real.example"); a.Status != StatusUnknown {
		t.Errorf("reported again after withdrawal: %+v", a)
	}
}

func TestAppealRejectedKeepsEntry(t *testing.T) {
	f := newFake()
	s := newService(t, f)
	ctx := t.Context()
	published(t, s, f, canon.KindBank, "VCB 0011001234567")
	sub, err := s.Appeal(ctx, AppealInput{Kind: canon.KindBank, Bank: "Vietcombank", Value: "0011 0012 34567",
		Contact: "0912 345 678", Statement: "This is my account."}, client(s))
	if err != nil {
		t.Fatal(err)
	}
	open, _ := s.Appeals(ctx, chi, AppealFilter{State: AppealOpen}, pageReq())
	if _, err := s.DecideAppeal(ctx, chi, open.Items[0].ID, false, "victims' transfer receipts name this account"); err != nil {
		t.Fatal(err)
	}
	if a := lookup(t, s, "0011001234567"); a.Status != StatusConfirmed || a.Match.Key != "bank:970436:0011001234567" {
		t.Errorf("look-up by account number = %+v", a)
	}
	if st, _ := s.Receipt(ctx, sub.Receipt, Client{}); st.Status != "rejected" {
		t.Errorf("receipt status = %s", st.Status)
	}
}
