package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
	"github.com/khien-cert/khien/internal/portal/guard"
	"github.com/khien-cert/khien/internal/store/storetest"
)

// TestPortalTrustedReviewers: a coordinator designates an alliance
// member's user (not a user of another kind of organisation, not a
// disabled one, not twice); the trusted member and a coordinator publish
// an entry together, the member alone cannot (two different reviewers);
// the member sees no reporter contact and decides no appeal; revocation
// takes effect at once; every change is audited.
func TestPortalTrustedReviewers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		c := &testClock{t: time.Now().UTC()}
		s := portal.New(portal.Deps{Store: db.DB, Reviewers: db.DB, Now: c.now, PoWKey: []byte("k"),
			PoW:    guard.PoWOptions{Bits: 2, MinAge: -1},
			Report: guard.LimitOptions{Every: time.Millisecond, Burst: 1000}})
		coord, err := db.CreateUser(ctx, auth.System(), auth.User{Email: "dieu.phoi@cert.example", Role: auth.RoleCoordinator,
			Language: "vi"}, "x")
		if err != nil {
			t.Fatal(err)
		}
		cp := auth.Principal{UserID: coord.ID, Email: coord.Email, Role: auth.RoleCoordinator}
		mem := allianceOrg(t, db, "an-ninh-a", org.KindAllianceMember, "Hà Nội")
		other := allianceOrg(t, db, "so-a", org.KindProvince, "Hà Nội")
		u := allianceUser(t, db, "chuyen.gia@an-ninh-a.vn", auth.RoleResponder, mem.ID)
		outsider := allianceUser(t, db, "can.bo@so-a.gov.vn", auth.RoleResponder, other.ID)
		off := allianceUser(t, db, "nghi.viec@an-ninh-a.vn", auth.RoleResponder, mem.ID)
		offAfter := off
		offAfter.Disabled = true
		if _, err := db.UpdateUser(ctx, auth.System(), off, offAfter, true); err != nil {
			t.Fatal(err)
		}
		up := auth.Principal{UserID: u.ID, Email: u.Email, Role: auth.RoleResponder, Orgs: []string{mem.ID}}

		for _, tc := range []struct{ email, code string }{
			{outsider.Email, portal.CodeNotEligible}, {off.Email, "portal.reviewer_disabled"},
			{"khong.co@ai.vn", "portal.reviewer_unknown"}, {"", "portal.email_required"},
		} {
			_, err := s.Designate(ctx, cp, tc.email, "chuyên gia lừa đảo")
			wantField(t, err, "email", tc.code)
		}
		_, err = s.Designate(ctx, cp, u.Email, "  ")
		wantField(t, err, "reason", "")
		if _, err := s.Designate(ctx, up, u.Email, "tự cấp"); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("a member designating: %v", err)
		}
		if ds, _ := s.Reviewers(ctx, cp, true); len(ds) != 0 {
			t.Fatalf("refusals stored %+v", ds)
		}
		if _, err := s.Queue(ctx, up, portal.EntryFilter{}, pageReq()); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("queue before designation: %v", err)
		}

		d, err := s.Designate(ctx, cp, " Chuyen.Gia@an-ninh-a.vn ", "chuyên gia lừa đảo")
		if err != nil || d.UserID != u.ID || d.Org != "an-ninh-a" || d.GrantedByEmail != coord.Email || !d.Active() {
			t.Fatalf("Designate = %+v, %v", d, err)
		}
		_, err = s.Designate(ctx, cp, u.Email, "again")
		wantKind(t, err, errs.KindConflict, portal.CodeAlreadyReviewer)

		submit(t, s, portal.ReportInput{Kind: canon.KindDomain, Value: "vay-nhanh.example", Description: "lừa",
			Contact: "victim@mail.example"})
		cq, err := s.Queue(ctx, cp, portal.EntryFilter{}, pageReq())
		if err != nil || len(cq.Items) != 1 {
			t.Fatalf("queue = %+v, %v", cq, err)
		}
		e := cq.Items[0]
		if q, err := s.Queue(ctx, up, portal.EntryFilter{}, pageReq()); err != nil || len(q.Items) != 1 {
			t.Fatalf("member's queue = %+v, %v", q, err)
		}
		rs, err := s.Reports(ctx, up, e.ID)
		if err != nil || len(rs) != 1 || rs[0].Contact != "" || rs[0].Description != "lừa" {
			t.Errorf("member's reports = %+v, %v", rs, err)
		}
		if rs, err := s.Reports(ctx, cp, e.ID); err != nil || rs[0].Contact != "victim@mail.example" {
			t.Errorf("coordinator's reports = %+v, %v", rs, err)
		}
		if e, err = s.Confirm(ctx, up, e.ID, "loan", "checked"); err != nil || e.State != portal.StatePending {
			t.Fatalf("member's confirmation = %+v, %v", e, err)
		}
		_, err = s.Confirm(ctx, up, e.ID, "", "")
		wantKind(t, err, errs.KindConflict, portal.CodeAlreadyConfirmed)
		if e, err = s.Confirm(ctx, cp, e.ID, "", ""); err != nil || e.State != portal.StatePublished {
			t.Fatalf("coordinator's confirmation = %+v, %v", e, err)
		}
		if _, err := s.Appeals(ctx, up, portal.AppealFilter{}, pageReq()); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("member listing appeals: %v", err)
		}
		if _, err := s.DecideAppeal(ctx, up, "any", true, "x"); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("member deciding an appeal: %v", err)
		}

		c.t = c.t.Add(time.Minute)
		r, err := s.RevokeReviewer(ctx, cp, u.ID)
		if err != nil || r.Active() || r.RevokedBy != coord.ID {
			t.Fatalf("Revoke = %+v, %v", r, err)
		}
		if _, err := s.RevokeReviewer(ctx, cp, u.ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("revoking twice: %v", err)
		}
		if _, err := s.Queue(ctx, up, portal.EntryFilter{}, pageReq()); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("queue after revocation: %v", err)
		}
		if _, _, err := s.Entry(ctx, up, e.ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("entry after revocation: %v", err)
		}
		if ds, _ := s.Reviewers(ctx, cp, false); len(ds) != 0 {
			t.Errorf("active after revocation: %+v", ds)
		}
		if ds, _ := s.Reviewers(ctx, cp, true); len(ds) != 1 || ds[0].RevokedAt.IsZero() {
			t.Errorf("all after revocation: %+v", ds)
		}
		// Designated again after a revocation: a new row, the old kept.
		if _, err := s.Designate(ctx, cp, u.Email, "back"); err != nil {
			t.Fatal(err)
		}
		if ds, _ := s.Reviewers(ctx, cp, true); len(ds) != 2 || !ds[0].Active() || ds[1].Active() {
			t.Errorf("history = %+v", ds)
		}
		// A token never acts on a designation.
		tok := up
		tok.TokenID, tok.TokenPerm = "t1", []auth.Permission{auth.PermOrgRead}
		if s.MayReview(ctx, tok) || !s.MayReview(ctx, up) {
			t.Error("MayReview: a token acts on the designation, or the session does not")
		}
		acts := auditActions(t, db)
		if n := countOf(acts, "portal.reviewer_designate"); n != 2 {
			t.Errorf("designations audited %d times: %v", n, acts)
		}
		if n := countOf(acts, "portal.reviewer_revoke"); n != 1 {
			t.Errorf("revocations audited %d times", n)
		}
	})
}

func countOf(xs []string, x string) int {
	n := 0
	for v := range slices.Values(xs) {
		if v == x {
			n++
		}
	}
	return n
}

func wantField(t *testing.T, err error, field, code string) {
	t.Helper()
	e, ok := err.(*errs.Error)
	if !ok {
		t.Fatalf("want a field error on %s, got %v", field, err)
	}
	for _, f := range e.Fields {
		if f.Field == field && (code == "" || f.Code == code) {
			return
		}
	}
	t.Errorf("want %s on %s, got %+v", code, field, e.Fields)
}
