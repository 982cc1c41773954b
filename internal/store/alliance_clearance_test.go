package store_test

import (
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

// TestAllianceAcceptRechecksClearance: a responder asked while cleared for
// the incident's TLP cannot accept (and so gain access to the incident) once
// the incident is marked above their clearance, or their clearance was
// lowered below the incident's marking; the ask stays pending, nothing is
// granted, and declining still works.
func TestAllianceAcceptRechecksClearance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		mem := allianceOrg(t, db, "member-a", org.KindAllianceMember, "Hà Nội")
		victim := allianceOrg(t, db, "victim", org.KindEnterprise, "Đà Nẵng")
		coord := allianceUser(t, db, "coord@cert.example", auth.RoleCoordinator)
		r1 := allianceUser(t, db, "r1@a.example", auth.RoleResponder, mem.ID)
		r2 := allianceUser(t, db, "r2@a.example", auth.RoleResponder, mem.ID)
		pc := auth.Principal{UserID: coord.ID, Email: coord.Email, Role: auth.RoleCoordinator}
		p1 := auth.Principal{UserID: r1.ID, Email: r1.Email, Role: auth.RoleResponder, Orgs: []string{mem.ID}}
		p2 := auth.Principal{UserID: r2.ID, Email: r2.Email, Role: auth.RoleResponder, Orgs: []string{mem.ID}}
		prof1, err := db.SaveResponderProfile(ctx, auth.System(), all, profileOf(r1, mem.ID, "forensics"))
		if err != nil {
			t.Fatal(err)
		}
		prof2, err := db.SaveResponderProfile(ctx, auth.System(), all, profileOf(r2, mem.ID, "forensics"))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AllianceIncidentForTest(ctx, "inc-1", "KH-2026-000001", victim.ID, "AMBER", "triaged"); err != nil {
			t.Fatal(err)
		}
		now := db.Now()
		inc, err := db.MobilisationIncident(ctx, all, "inc-1")
		if err != nil {
			t.Fatal(err)
		}
		req, err := db.CreateMobilisation(ctx, pc, inc, alliance.Request{IncidentID: inc.ID, Skills: []string{"forensics"}, Count: 2,
			Deadline: now.Add(2 * time.Hour).Truncate(time.Second), CreatedBy: coord.ID, CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.AskResponders(ctx, pc, all, req.ID, []alliance.Candidate{{Responder: prof1}, {Responder: prof2}}, now)
		if err != nil || len(got.Asks) != 2 {
			t.Fatalf("asked = %+v, %v", got, err)
		}
		askOf := func(uid string) string {
			for _, a := range got.Asks {
				if a.UserID == uid {
					return a.ID
				}
			}
			t.Fatalf("no ask for %s", uid)
			return ""
		}

		// The incident is marked RED after the asks went out (both were
		// cleared for AMBER only).
		if err := db.AllianceIncidentTLPForTest(ctx, "inc-1", "RED"); err != nil {
			t.Fatal(err)
		}
		_, err = db.AnswerAsk(ctx, p1, askOf(r1.ID), true, "", now.Add(time.Minute))
		mustKind(t, err, errs.KindConflict, "alliance.not_cleared")
		if ok, _ := db.AllianceMemberForTest(ctx, "inc-1", r1.ID); ok {
			t.Fatal("a responder not cleared for the incident's TLP was granted access")
		}
		if a, err := db.ResponderAsk(ctx, r1.ID, askOf(r1.ID)); err != nil || a.State != alliance.AskPending {
			t.Fatalf("ask after refused accept = %+v, %v", a, err)
		}

		// Back to AMBER, but r2's clearance was lowered to GREEN meanwhile.
		if err := db.AllianceIncidentTLPForTest(ctx, "inc-1", "AMBER"); err != nil {
			t.Fatal(err)
		}
		low := prof2
		low.Clearance = tlp.Green
		if _, err := db.SaveResponderProfile(ctx, auth.System(), all, low); err != nil {
			t.Fatal(err)
		}
		_, err = db.AnswerAsk(ctx, p2, askOf(r2.ID), true, "", now.Add(time.Minute))
		mustKind(t, err, errs.KindConflict, "alliance.not_cleared")
		if ok, _ := db.AllianceMemberForTest(ctx, "inc-1", r2.ID); ok {
			t.Fatal("a responder whose clearance was lowered was granted access")
		}
		if d, err := db.AnswerAsk(ctx, p2, askOf(r2.ID), false, "not cleared", now.Add(time.Minute)); err != nil || d.State != alliance.AskDeclined {
			t.Fatalf("decline = %+v, %v", d, err)
		}

		// r1, still cleared for AMBER, accepts.
		if a, err := db.AnswerAsk(ctx, p1, askOf(r1.ID), true, "", now.Add(time.Minute)); err != nil || a.State != alliance.AskAccepted {
			t.Fatalf("accept = %+v, %v", a, err)
		}
		if ok, _ := db.AllianceMemberForTest(ctx, "inc-1", r1.ID); !ok {
			t.Fatal("no access after accepting")
		}
	})
}
