package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/store/storetest"
)

func mustKind(t *testing.T, err error, kind errs.Kind, code string) {
	t.Helper()
	e, ok := err.(*errs.Error)
	if !ok || e.Kind != kind || code != "" && e.Code != code {
		t.Fatalf("err = %v, want %s %s", err, kind, code)
	}
}

// TestAllianceMobilisation runs a request through asks, answers, hours,
// release, rating and the incident's close, on both engines.
func TestAllianceMobilisation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		memA := allianceOrg(t, db, "member-a", org.KindAllianceMember, "Hà Nội")
		memB := allianceOrg(t, db, "member-b", org.KindAllianceMember, "Đà Nẵng")
		victim := allianceOrg(t, db, "victim", org.KindEnterprise, "Đà Nẵng")
		other := allianceOrg(t, db, "other", org.KindEnterprise, "Huế")
		coord := allianceUser(t, db, "coord@cert.example", auth.RoleCoordinator)
		r1 := allianceUser(t, db, "r1@a.example", auth.RoleResponder, memA.ID)
		r2 := allianceUser(t, db, "r2@b.example", auth.RoleResponder, memB.ID)
		pc := auth.Principal{UserID: coord.ID, Email: coord.Email, Role: auth.RoleCoordinator}
		p1 := auth.Principal{UserID: r1.ID, Email: r1.Email, Role: auth.RoleResponder, Orgs: []string{memA.ID}}
		p2 := auth.Principal{UserID: r2.ID, Email: r2.Email, Role: auth.RoleResponder, Orgs: []string{memB.ID}}
		prof1, err := db.SaveResponderProfile(ctx, auth.System(), all, profileOf(r1, memA.ID, "forensics"))
		if err != nil {
			t.Fatal(err)
		}
		prof2, err := db.SaveResponderProfile(ctx, auth.System(), all, profileOf(r2, memB.ID, "forensics"))
		if err != nil {
			t.Fatal(err)
		}
		for _, inc := range [][3]string{{"inc-1", "KH-2026-000001", victim.ID}, {"inc-2", "KH-2026-000002", other.ID}} {
			if err := db.AllianceIncidentForTest(ctx, inc[0], inc[1], inc[2], "AMBER", "triaged"); err != nil {
				t.Fatal(err)
			}
		}
		now := db.Now()

		victimScope := auth.Scope{Orgs: []string{victim.ID}}
		if _, err := db.MobilisationIncident(ctx, auth.Scope{Orgs: []string{other.ID}}, "inc-1"); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("incident outside scope: %v", err)
		}
		inc, err := db.MobilisationIncident(ctx, victimScope, "inc-1")
		if err != nil || inc.Reference != "KH-2026-000001" || inc.Province != "Đà Nẵng" || inc.TLP.String() != "AMBER" {
			t.Fatalf("incident = %+v, %v", inc, err)
		}
		req, err := db.CreateMobilisation(ctx, pc, inc, alliance.Request{IncidentID: inc.ID, Skills: []string{"forensics"}, Count: 2,
			Deadline: now.Add(2 * time.Hour).Truncate(time.Second), CreatedBy: coord.ID, CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Mobilisation(ctx, auth.Scope{Orgs: []string{other.ID}}, req.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("request outside scope: %v", err)
		}

		picks := []alliance.Candidate{{Responder: prof1, Score: alliance.Score{Total: 80, Skills: 40}}, {Responder: prof2, Score: alliance.Score{Total: 70}}}
		got, err := db.AskResponders(ctx, pc, all, req.ID, picks, now)
		if err != nil || len(got.Asks) != 2 || got.Asks[0].State != alliance.AskPending || got.Asks[0].Score.Total != 80 {
			t.Fatalf("asked = %+v, %v", got, err)
		}
		_, err = db.AskResponders(ctx, pc, all, req.ID, picks[:1], now)
		mustKind(t, err, errs.KindConflict, "alliance.already_asked")
		out, _ := db.AllianceOutboxForTest(ctx, inc.Reference)
		if !slices.Equal(out, [][2]string{{"mobilisation.request", r1.Email}, {"mobilisation.request", r2.Email}}) {
			t.Errorf("outbox = %v", out)
		}
		ask1 := got.Asks[slices.IndexFunc(got.Asks, func(a alliance.Ask) bool { return a.UserID == r1.ID })]
		ask2 := got.Asks[slices.IndexFunc(got.Asks, func(a alliance.Ask) bool { return a.UserID == r2.ID })]

		// Someone else's ask does not exist for r2.
		_, err = db.AnswerAsk(ctx, p2, ask1.ID, true, "", now)
		mustKind(t, err, errs.KindNotFound, "alliance.ask_not_found")
		if _, err := db.ResponderAsk(ctx, r2.ID, ask1.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("reading another's ask: %v", err)
		}
		// After the deadline an ask cannot be answered.
		_, err = db.AnswerAsk(ctx, p2, ask2.ID, true, "", now.Add(3*time.Hour))
		mustKind(t, err, errs.KindConflict, "alliance.deadline_passed")

		if ok, _ := db.AllianceMemberForTest(ctx, inc.ID, r1.ID); ok {
			t.Fatal("access before accepting")
		}
		a, err := db.AnswerAsk(ctx, p1, ask1.ID, true, "sẵn sàng", now.Add(time.Minute))
		if err != nil || a.State != alliance.AskAccepted || a.AnsweredAt.IsZero() {
			t.Fatalf("accept = %+v, %v", a, err)
		}
		if ok, _ := db.AllianceMemberForTest(ctx, inc.ID, r1.ID); !ok {
			t.Fatal("no access after accepting")
		}
		_, err = db.AnswerAsk(ctx, p1, ask1.ID, false, "", now.Add(time.Minute))
		mustKind(t, err, errs.KindConflict, "alliance.already_answered")
		if pr, _ := db.ResponderProfile(ctx, all, r1.ID); pr.Load != 1 {
			t.Errorf("load = %d, want 1", pr.Load)
		}
		d, err := db.AnswerAsk(ctx, p2, ask2.ID, false, "bận", now.Add(time.Minute))
		if err != nil || d.State != alliance.AskDeclined || d.Reason != "bận" {
			t.Fatalf("decline = %+v, %v", d, err)
		}
		out, _ = db.AllianceOutboxForTest(ctx, inc.Reference)
		if n := slices.Index(out, [2]string{"mobilisation.answer", coord.Email}); n < 0 {
			t.Errorf("coordinator not told of answers: %v", out)
		}

		// Hours: on one's own accepted ask only.
		today := now.In(alliance.Zone).Format(time.DateOnly)
		_, err = db.LogHours(ctx, p2, ask1.ID, alliance.NewHours{Date: today, Hours: 1}, now)
		mustKind(t, err, errs.KindNotFound, "alliance.ask_not_found")
		_, err = db.LogHours(ctx, p2, ask2.ID, alliance.NewHours{Date: today, Hours: 1}, now)
		mustKind(t, err, errs.KindConflict, "alliance.not_accepted")
		if _, err := db.LogHours(ctx, p1, ask1.ID, alliance.NewHours{Date: today, Hours: 2.5, Note: "thu thập log"}, now.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		hs, err := db.AskHours(ctx, pc, all, ask1.ID)
		if err != nil || len(hs) != 1 || hs[0].Minutes != 150 || hs[0].Note != "thu thập log" {
			t.Fatalf("hours = %+v, %v", hs, err)
		}
		if _, err := db.AskHours(ctx, p2, auth.Scope{}, ask1.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("another's hours: %v", err)
		}

		// Rating waits for the release; release revokes access.
		_, err = db.RateAsk(ctx, pc, all, ask1.ID, alliance.NewRating{Score: 5}, now)
		mustKind(t, err, errs.KindConflict, "alliance.rate_too_early")
		_, err = db.ReleaseAsk(ctx, pc, auth.Scope{Orgs: []string{other.ID}}, ask1.ID, "xong", now)
		mustKind(t, err, errs.KindNotFound, "alliance.ask_not_found")
		rel, err := db.ReleaseAsk(ctx, pc, victimScope, ask1.ID, "xong việc", now.Add(time.Hour))
		if err != nil || rel.State != alliance.AskReleased || rel.Minutes != 150 {
			t.Fatalf("release = %+v, %v", rel, err)
		}
		if ok, _ := db.AllianceMemberForTest(ctx, inc.ID, r1.ID); ok {
			t.Fatal("access after release")
		}
		_, err = db.ReleaseAsk(ctx, pc, victimScope, ask1.ID, "again", now.Add(time.Hour))
		mustKind(t, err, errs.KindConflict, "alliance.not_accepted")
		if _, err := db.RateAsk(ctx, pc, all, ask1.ID, alliance.NewRating{Score: 4, Comment: "tốt"}, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		_, err = db.RateAsk(ctx, pc, all, ask1.ID, alliance.NewRating{Score: 4}, now.Add(time.Hour))
		mustKind(t, err, errs.KindConflict, "alliance.already_rated")
		if pr, _ := db.ResponderProfile(ctx, all, r1.ID); pr.Load != 0 || pr.Ratings != 1 || pr.Rating != 4 {
			t.Errorf("after release: load %d rating %v×%d", pr.Load, pr.Rating, pr.Ratings)
		}
		mine, err := db.ResponderAsks(ctx, r1.ID)
		if err != nil || len(mine) != 1 || mine[0].Rating != 4 || mine[0].RatingNote != "tốt" {
			t.Fatalf("my asks = %+v, %v", mine, err)
		}

		// Closing an incident releases whoever still works it and expires pending asks.
		inc2, _ := db.MobilisationIncident(ctx, all, "inc-2")
		req2, err := db.CreateMobilisation(ctx, pc, inc2, alliance.Request{IncidentID: inc2.ID, Count: 2,
			Deadline: now.Add(time.Hour), CreatedBy: coord.ID, CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		got, err = db.AskResponders(ctx, pc, all, req2.ID, picks, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range got.Asks {
			if a.UserID == r1.ID {
				if _, err := db.AnswerAsk(ctx, p1, a.ID, true, "", now); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := db.AllianceIncidentStateForTest(ctx, "inc-2", "closed"); err != nil {
			t.Fatal(err)
		}
		if n, err := db.ReleaseFinishedMobilisations(ctx, now.Add(time.Minute)); err != nil || n != 1 {
			t.Fatalf("released on %d incidents, %v; want 1", n, err)
		}
		if n, err := db.ReleaseFinishedMobilisations(ctx, now.Add(2*time.Minute)); err != nil || n != 0 {
			t.Fatalf("a second sweep released on %d incidents, %v", n, err)
		}
		if ok, _ := db.AllianceMemberForTest(ctx, "inc-2", r1.ID); ok {
			t.Fatal("access after close")
		}
		after, _ := db.Mobilisation(ctx, all, req2.ID)
		for _, a := range after.Asks {
			if want := map[string]string{r1.ID: alliance.AskReleased, r2.ID: alliance.AskExpired}[a.UserID]; a.State != want {
				t.Errorf("after close %s is %s, want %s", a.Email, a.State, want)
			}
		}
		_, err = db.AskResponders(ctx, pc, all, req2.ID, picks, now)
		mustKind(t, err, errs.KindConflict, "alliance.incident_finished")

		es, _ := db.AuditEntriesForTest(ctx)
		var acts []string
		for _, e := range es {
			acts = append(acts, e.Action)
		}
		for _, want := range []string{"mobilisation.create", "mobilisation.ask", "mobilisation.accept", "mobilisation.decline",
			"incident.member.grant", "mobilisation.hours", "mobilisation.release", "incident.member.revoke", "mobilisation.rate"} {
			if !slices.Contains(acts, want) {
				t.Errorf("no %s in the audit log", want)
			}
		}
	})
}
