package portal

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// fakeReviewers holds designations by user ID; fail makes every call fail.
type fakeReviewers struct {
	active map[string]bool
	fail   error
}

func (f *fakeReviewers) ReviewerCandidate(context.Context, string) (Candidate, error) {
	return Candidate{}, errs.NotFound("portal.reviewer_unknown")
}
func (f *fakeReviewers) TrustedReviewer(_ context.Context, id string) (bool, error) {
	return f.active[id], f.fail
}
func (f *fakeReviewers) ListReviewers(context.Context, bool) ([]Designation, error) {
	return nil, f.fail
}
func (f *fakeReviewers) Designate(_ context.Context, d Designation, _ audit.Entry) (Designation, error) {
	return d, f.fail
}
func (f *fakeReviewers) RevokeReviewer(context.Context, string, string, time.Time, audit.Entry) (Designation, error) {
	return Designation{}, f.fail
}

// TestTrustedReviewerRule: a designated member reviews through a session,
// never through a token; confirming twice alone does not publish; a
// coordinator's confirmation then does; contacts are withheld from the
// member; a store failure is an error, not a permission.
func TestTrustedReviewerRule(t *testing.T) {
	f := newFake()
	rv := &fakeReviewers{active: map[string]bool{"u-member": true}}
	s := newService(t, f)
	s.d.Reviewers = rv
	ctx := t.Context()
	mustSubmit(t, s, ReportInput{Kind: canon.KindDomain, Value: "vay-nhanh.example", Contact: "0912 345 678"})
	coord := auth.Principal{UserID: "u-coord", Email: "c@cert.example", Role: auth.RoleCoordinator}
	member := auth.Principal{UserID: "u-member", Email: "m@an-ninh.vn", Role: auth.RoleResponder}
	other := auth.Principal{UserID: "u-other", Email: "o@an-ninh.vn", Role: auth.RoleResponder}
	q, err := s.Queue(ctx, member, EntryFilter{}, pageReq())
	if err != nil || len(q.Items) != 1 {
		t.Fatalf("member's queue = %+v, %v", q, err)
	}
	id := q.Items[0].ID
	if _, err := s.Queue(ctx, other, EntryFilter{}, pageReq()); !errs.Is(err, errs.KindForbidden) {
		t.Errorf("undesignated user's queue: %v", err)
	}
	tok := member
	tok.TokenID, tok.TokenPerm = "t", []auth.Permission{}
	if _, err := s.Confirm(ctx, tok, id, "", ""); !errs.Is(err, errs.KindForbidden) {
		t.Errorf("a token confirmed: %v", err)
	}
	rs, err := s.Reports(ctx, member, id)
	if err != nil || len(rs) != 1 || rs[0].Contact != "" {
		t.Errorf("member's reports = %+v, %v", rs, err)
	}
	if rs, _ := s.Reports(ctx, coord, id); len(rs) != 1 || rs[0].Contact == "" {
		t.Errorf("coordinator's reports = %+v", rs)
	}
	if e, err := s.Confirm(ctx, member, id, "loan", ""); err != nil || e.State != StatePending {
		t.Fatalf("member's confirmation = %+v, %v", e, err)
	}
	if e, err := s.Confirm(ctx, member, id, "", ""); err == nil || e.State == StatePublished {
		t.Errorf("member confirmed twice: %+v", e)
	}
	if _, err := s.Designate(ctx, member, "x@an-ninh.vn", "r"); !errs.Is(err, errs.KindForbidden) {
		t.Errorf("member designating: %v", err)
	}
	if e, err := s.Confirm(ctx, coord, id, "", ""); err != nil || e.State != StatePublished {
		t.Fatalf("coordinator's confirmation = %+v, %v", e, err)
	}
	var marked []bool
	for _, a := range f.audits {
		if a.Action == "portal.entry_confirm" {
			marked = append(marked, strings.Contains(a.Detail, `"trusted_reviewer":true`))
		}
	}
	if len(marked) != 2 || !marked[0] || marked[1] {
		t.Errorf("confirmations audited as trusted: %v", marked)
	}
	rv.fail = errors.New("disk on fire")
	if s.MayReview(ctx, member) {
		t.Error("a failing store grants review")
	}
	if _, err := s.Queue(ctx, member, EntryFilter{}, pageReq()); err == nil || errs.Is(err, errs.KindForbidden) {
		t.Errorf("store failure answered %v", err)
	}
	s.d.Reviewers = nil
	if _, err := s.Queue(ctx, member, EntryFilter{}, pageReq()); !errs.Is(err, errs.KindForbidden) {
		t.Errorf("without a reviewer store: %v", err)
	}
}
