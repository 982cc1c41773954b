package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/tlp"
)

// allianceMember makes (once) an alliance member company and a responder of
// it with an API token.
func allianceMember(t *testing.T, env *apptest.Env, slug, province string) (org.Org, auth.User, string) {
	t.Helper()
	ctx := t.Context()
	o, err := env.App.Org.CreateOrg(ctx, auth.System(), org.Org{Slug: slug, Name: "Công ty " + slug, Kind: org.KindAllianceMember, Province: province})
	must(t, err)
	u, err := env.App.Auth.CreateUser(ctx, auth.System(), auth.NewUser{Email: "responder@" + slug + ".example.vn",
		Name: "Chuyên gia " + slug, Role: auth.RoleResponder, Password: apptest.Password, Orgs: []string{o.ID}})
	must(t, err)
	_, secret, err := env.App.Auth.CreateToken(ctx, auth.System(), auth.NewToken{UserID: u.ID, Name: "alliance test"})
	must(t, err)
	return o, u, secret
}

func allianceProfile(u auth.User, orgID string, skills ...string) alliance.Profile {
	all := alliance.Availability{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		all.Weekly = append(all.Weekly, alliance.Slot{Day: d, Start: 0, End: 1440})
	}
	return alliance.Profile{UserID: u.ID, OrgID: orgID, Skills: skills, Clearance: tlp.Amber, Languages: []string{"vi"},
		Province: "Đà Nẵng", Capacity: 2, Active: true, Availability: all}
}

// allianceFixtures make a responder, a request on organisation B's incident
// and an ask, for the cross-tenant test.
var allianceFixtures = map[string]func(t *testing.T, env *apptest.Env) vars{
	"responder": func(t *testing.T, env *apptest.Env) vars {
		return vars{"id": fixtureAsk(t, env).UserID}
	},
	"mobilisation": func(t *testing.T, env *apptest.Env) vars {
		return vars{"id": fixtureAsk(t, env).RequestID}
	},
	"mobilisation_ask": func(t *testing.T, env *apptest.Env) vars {
		return vars{"id": fixtureAsk(t, env).ID}
	},
}

// fixtureAsk asks a responder of a member company on organisation B's
// incident, once per Env.
func fixtureAsk(t *testing.T, env *apptest.Env) alliance.Ask {
	t.Helper()
	ctx, pc := t.Context(), principal(env, coord)
	inc := incidentB(t, env)
	if rs, err := env.App.Alliance.Requests(ctx, pc, inc.ID); err == nil && len(rs) > 0 && len(rs[0].Asks) > 0 {
		return rs[0].Asks[0]
	}
	o, u, _ := allianceMember(t, env, "fixture-member", "Hà Nội")
	_, err := env.App.Alliance.SaveProfile(ctx, pc, allianceProfile(u, o.ID, "forensics"))
	must(t, err)
	req, err := env.App.Alliance.CreateRequest(ctx, pc, alliance.NewRequest{IncidentID: inc.ID, Count: 1, Deadline: time.Now().Add(time.Hour)})
	must(t, err)
	req, err = env.App.Alliance.Ask(ctx, pc, req.ID, []string{u.ID})
	must(t, err)
	return req.Asks[0]
}

type timelineBody struct {
	Timeline []struct {
		Visibility string `json:"visibility"`
	} `json:"timeline"`
}

// sharedOnly wants an incident whose timeline the caller sees holds only
// shared entries.
func sharedOnly(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
	t.Helper()
	b := apptest.JSON[timelineBody](t, rec)
	if len(b.Timeline) == 0 {
		t.Fatal("no timeline")
	}
	for _, e := range b.Timeline {
		if e.Visibility != string(incident.Shared) {
			t.Errorf("a %q timeline entry is shown to a responder", e.Visibility)
		}
	}
}

func saveAsk(t *testing.T, rec *httptest.ResponseRecorder, v vars) {
	t.Helper()
	r := apptest.JSON[alliance.Request](t, rec)
	if len(r.Asks) != 1 || r.Asks[0].State != alliance.AskPending {
		t.Fatalf("asks = %+v", r.Asks)
	}
	v["ask"] = r.Asks[0].ID
}

func askState(want string) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		t.Helper()
		if a := apptest.JSON[alliance.Ask](t, rec); a.State != want {
			t.Errorf("ask state %q, want %q", a.State, want)
		}
	}
}

// TestAllianceScenarios runs the alliance through every role: registering
// responders, the roster, a mobilisation from request to rating, and a
// responder's access to the incident before (404), during (that incident
// only, shared timeline) and after release (404).
func TestAllianceScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := t.Context()
		memX, r1, tok1 := allianceMember(t, env, "member-x", "Đà Nẵng")
		memY, r2, tok2 := allianceMember(t, env, "member-y", "Hà Nội")
		incB := incidentB(t, env)
		incA, err := env.App.Incidents.Report(ctx, principal(env, adminA), incident.Report{OrgID: env.OrgA.ID,
			Title: "Lộ lọt dữ liệu A", Description: "x", DetectedAt: time.Now().Add(-time.Hour)})
		must(t, err)
		v := baseVars(env)
		v["r1"], v["r2"], v["tok1"], v["tok2"] = r1.ID, r2.ID, tok1, tok2
		v["memX"], v["memY"], v["incB"], v["incA"] = memX.ID, memY.ID, incB.ID, incA.ID
		v["deadline"] = time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
		v["today"] = time.Now().In(alliance.Zone).Format(time.DateOnly)
		profile := func(org string, capacity int, conflicts ...string) map[string]any {
			return map[string]any{"org_id": org, "skills": []string{"forensics", "malware-analysis"}, "clearance": "AMBER",
				"languages": []string{"vi", "en"}, "province": "Đà Nẵng", "capacity": capacity, "conflicts": conflicts,
				"availability": map[string]any{"weekly": []string{"Sun 00:00-24:00", "Mon 00:00-24:00", "Tue 00:00-24:00",
					"Wed 00:00-24:00", "Thu 00:00-24:00", "Fri 00:00-24:00", "Sat 00:00-24:00"}}}
		}
		run(t, env, v, []scenario{
			{name: "coordinator registers r1", as: coord, method: "PUT", path: "/api/v1/alliance/responders/{r1}",
				body: profile("{memX}", 2), status: http.StatusOK, check: field("capacity", 2)},
			{name: "coordinator registers r2 with a conflict with B", as: coord, method: "PUT", path: "/api/v1/alliance/responders/{r2}",
				body: profile("{memY}", 1, "{orgB}"), status: http.StatusOK},
			{name: "bad capacity changes nothing", as: coord, method: "PUT", path: "/api/v1/alliance/responders/{r1}",
				body: profile("{memX}", 0), status: http.StatusUnprocessableEntity, field: "capacity", same: true},
			{name: "bad slot changes nothing", as: coord, method: "PUT", path: "/api/v1/alliance/responders/{r1}/availability",
				body: map[string]any{"weekly": []string{"Mon 18:00-08:00"}}, status: http.StatusBadRequest, same: true},
			{name: "constituent cannot register", as: adminA, method: "PUT", path: "/api/v1/alliance/responders/{r1}",
				body: profile("{memX}", 2), status: http.StatusNotFound, same: true},
			{name: "a responder sees their own company", as: "{tok1}", method: "GET", path: "/api/v1/alliance/responders",
				status: http.StatusOK, check: count(1)},
			{name: "a responder sets their own availability", as: "{tok1}", method: "PUT", path: "/api/v1/alliance/responders/{r1}/availability",
				body: map[string]any{"weekly": []string{"Sun 00:00-24:00", "Mon 00:00-24:00", "Tue 00:00-24:00", "Wed 00:00-24:00",
					"Thu 00:00-24:00", "Fri 00:00-24:00", "Sat 00:00-24:00"}, "unavailable": []any{}}, status: http.StatusOK},
			{name: "but not another's", as: "{tok1}", method: "PUT", path: "/api/v1/alliance/responders/{r2}/availability",
				body: map[string]any{"weekly": []string{}}, status: http.StatusNotFound, same: true},
			{name: "leadership sees members", as: lead, method: "GET", path: "/api/v1/alliance/members", status: http.StatusOK, check: count(2)},
			{name: "constituents do not", as: adminA, method: "GET", path: "/api/v1/alliance/members", status: http.StatusForbidden},
			{name: "nor investigators", as: invest, method: "GET", path: "/api/v1/alliance/members", status: http.StatusForbidden},
			{name: "administrators read the roster", as: admin, method: "GET", path: "/api/v1/alliance/roster?now=false", status: http.StatusOK, check: count(2)},
			{name: "a responder of no member company sees no responders", as: resp, method: "GET", path: "/api/v1/alliance/responders",
				status: http.StatusOK, check: count(0)},
			{name: "an analyst has no asks", as: analystA, method: "GET", path: "/api/v1/alliance/asks", status: http.StatusForbidden},
			{name: "a bad roster filter", as: coord, method: "GET", path: "/api/v1/alliance/roster?skill=juggling", status: http.StatusUnprocessableEntity, field: "skill"},
			{name: "roster", as: coord, method: "GET", path: "/api/v1/alliance/roster?skill=forensics", status: http.StatusOK, check: count(2)},
			{name: "roster filter by province", as: coord, method: "GET", path: "/api/v1/alliance/roster?province=ha%20noi", status: http.StatusOK, check: count(0)},
			{name: "before: r1 cannot see B's incident", as: "{tok1}", method: "GET", path: "/api/v1/incidents/{incB}", status: http.StatusNotFound},
			{name: "constituent cannot mobilise", as: adminB, method: "POST", path: "/api/v1/alliance/mobilisations",
				body: map[string]any{"incident_id": "{incB}", "count": 1, "deadline": "{deadline}"}, status: http.StatusForbidden, same: true},
			{name: "deadline in the past", as: coord, method: "POST", path: "/api/v1/alliance/mobilisations",
				body:   map[string]any{"incident_id": "{incB}", "count": 1, "deadline": "2020-01-01T00:00:00Z"},
				status: http.StatusUnprocessableEntity, field: "deadline", same: true},
			{name: "coordinator asks for one forensics responder", as: coord, method: "POST", path: "/api/v1/alliance/mobilisations",
				body:   map[string]any{"incident_id": "{incB}", "skills": []string{"forensics"}, "count": 1, "deadline": "{deadline}"},
				status: http.StatusCreated, check: save("req")},
			{name: "candidates rank r1 and leave out r2", as: coord, method: "GET", path: "/api/v1/alliance/mobilisations/{req}/candidates",
				status: http.StatusOK, check: func(t *testing.T, rec *httptest.ResponseRecorder, v vars) {
					rk := apptest.JSON[alliance.Ranking](t, rec)
					if len(rk.Ranked) != 1 || rk.Ranked[0].Responder.UserID != v["r1"] || rk.Ranked[0].Score.Skills != alliance.WeightSkills ||
						!rk.Ranked[0].Score.SameProvince {
						t.Errorf("ranked %+v", rk.Ranked)
					}
					if len(rk.Excluded) != 1 || rk.Excluded[0].Excluded != alliance.ExcludedConflict {
						t.Errorf("excluded %+v", rk.Excluded)
					}
				}},
			{name: "asking a conflicted responder is refused", as: coord, method: "POST", path: "/api/v1/alliance/mobilisations/{req}/asks",
				body: map[string]any{"user_ids": []string{"{r2}"}}, status: http.StatusUnprocessableEntity,
				field: "user_ids[0]", same: true},
			{name: "coordinator asks r1", as: coord, method: "POST", path: "/api/v1/alliance/mobilisations/{req}/asks",
				body: map[string]any{"user_ids": []string{"{r1}"}}, status: http.StatusOK, check: saveAsk},
			{name: "r2 has nothing to answer", as: "{tok2}", method: "GET", path: "/api/v1/alliance/asks", status: http.StatusOK, check: count(0)},
			{name: "r2 cannot answer r1's ask", as: "{tok2}", method: "POST", path: "/api/v1/alliance/asks/{ask}/answer",
				body: map[string]any{"accept": true}, status: http.StatusNotFound, same: true},
			{name: "still no access while pending", as: "{tok1}", method: "GET", path: "/api/v1/incidents/{incB}", status: http.StatusNotFound},
			{name: "r1 sees the ask", as: "{tok1}", method: "GET", path: "/api/v1/alliance/asks/{ask}", status: http.StatusOK, check: askState(alliance.AskPending)},
			{name: "r1 accepts", as: "{tok1}", method: "POST", path: "/api/v1/alliance/asks/{ask}/answer",
				body: map[string]any{"accept": true, "reason": "đang rảnh"}, status: http.StatusOK, check: askState(alliance.AskAccepted)},
			{name: "answering twice is a conflict", as: "{tok1}", method: "POST", path: "/api/v1/alliance/asks/{ask}/answer",
				body: map[string]any{"accept": false}, status: http.StatusConflict, code: "alliance.already_answered", same: true},
			{name: "during: r1 sees B's incident, shared timeline only", as: "{tok1}", method: "GET", path: "/api/v1/incidents/{incB}",
				status: http.StatusOK, check: sharedOnly},
			{name: "during: that incident only", as: "{tok1}", method: "GET", path: "/api/v1/incidents", status: http.StatusOK, check: count(1)},
			{name: "during: not another incident", as: "{tok1}", method: "GET", path: "/api/v1/incidents/{incA}", status: http.StatusNotFound},
			{name: "r1 logs hours", as: "{tok1}", method: "POST", path: "/api/v1/alliance/asks/{ask}/hours",
				body: map[string]any{"date": "{today}", "hours": 2.5, "note": "thu thập nhật ký"}, status: http.StatusCreated, check: field("minutes", 150)},
			{name: "hours in thirds are refused", as: "{tok1}", method: "POST", path: "/api/v1/alliance/asks/{ask}/hours",
				body: map[string]any{"date": "{today}", "hours": 0.33}, status: http.StatusUnprocessableEntity, field: "hours", same: true},
			{name: "coordinator sees the hours", as: coord, method: "GET", path: "/api/v1/alliance/asks/{ask}/hours", status: http.StatusOK, check: count(1)},
			{name: "r2 does not", as: "{tok2}", method: "GET", path: "/api/v1/alliance/asks/{ask}/hours", status: http.StatusNotFound},
			{name: "rating waits for the release", as: coord, method: "POST", path: "/api/v1/alliance/asks/{ask}/rating",
				body: map[string]any{"score": 5}, status: http.StatusConflict, code: "alliance.rate_too_early", same: true},
			{name: "a responder cannot release", as: "{tok1}", method: "POST", path: "/api/v1/alliance/asks/{ask}/release",
				body: map[string]any{"reason": "x"}, status: http.StatusNotFound, same: true},
			{name: "coordinator releases r1", as: coord, method: "POST", path: "/api/v1/alliance/asks/{ask}/release",
				body: map[string]any{"reason": "đã xử lý xong"}, status: http.StatusOK, check: askState(alliance.AskReleased)},
			{name: "after: r1 cannot see B's incident", as: "{tok1}", method: "GET", path: "/api/v1/incidents/{incB}", status: http.StatusNotFound},
			{name: "after: no incident listed", as: "{tok1}", method: "GET", path: "/api/v1/incidents", status: http.StatusOK, check: count(0)},
			{name: "coordinator rates r1", as: coord, method: "POST", path: "/api/v1/alliance/asks/{ask}/rating",
				body: map[string]any{"score": 5, "comment": "nhanh"}, status: http.StatusCreated},
			{name: "the rating feeds the profile", as: coord, method: "GET", path: "/api/v1/alliance/responders/{r1}",
				status: http.StatusOK, check: both(field("ratings", 1), field("rating", 5), field("load", 0))},
			{name: "the request shows the whole story", as: coord, method: "GET", path: "/api/v1/alliance/mobilisations/{req}",
				status: http.StatusOK, check: func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
					r := apptest.JSON[alliance.Request](t, rec)
					if len(r.Asks) != 1 || r.Asks[0].State != alliance.AskReleased || r.Asks[0].Minutes != 150 || r.Asks[0].Rating != 5 {
						t.Errorf("request = %+v", r)
					}
				}},
		})
	})
}

// TestAllianceCloseReleases: closing an incident ends the mobilisation of
// whoever still works it, and their access with it.
func TestAllianceCloseReleases(t *testing.T) {
	env := apptest.New(t, firstEngine(t))
	ctx, pc := t.Context(), principal(env, coord)
	memX, r1, tok1 := allianceMember(t, env, "member-x", "Đà Nẵng")
	_, err := env.App.Alliance.SaveProfile(ctx, pc, allianceProfile(r1, memX.ID, "forensics"))
	must(t, err)
	inc := incidentB(t, env)
	req, err := env.App.Alliance.CreateRequest(ctx, pc, alliance.NewRequest{IncidentID: inc.ID, Count: 1, Deadline: time.Now().Add(time.Hour)})
	must(t, err)
	req, err = env.App.Alliance.Ask(ctx, pc, req.ID, []string{r1.ID})
	must(t, err)
	p1 := auth.Principal{UserID: r1.ID, Email: r1.Email, Role: r1.Role, Orgs: r1.Orgs}
	_, err = env.App.Alliance.Answer(ctx, p1, req.Asks[0].ID, true, "")
	must(t, err)
	apptest.Want(t, env.Do(t, tok1, "GET", "/api/v1/incidents/"+inc.ID, nil), http.StatusOK)

	_, err = env.App.Incidents.Triage(ctx, pc, inc.ID, incident.Triage{Category: "availability/ddos", OwnerID: pc.UserID})
	must(t, err)
	for _, to := range []incident.State{incident.StateInProgress, incident.StateContained, incident.StateResolved, incident.StateClosed} {
		_, err := env.App.Incidents.Transition(ctx, pc, inc.ID, to, "")
		must(t, err)
	}
	// Closing released the responder in its own transaction: no sweep ran.
	apptest.Want(t, env.Do(t, tok1, "GET", "/api/v1/incidents/"+inc.ID, nil), http.StatusNotFound)
	n, err := env.App.Alliance.ReleaseFinished(ctx)
	must(t, err)
	if n != 0 {
		t.Fatalf("the sweep still released on %d incidents, want 0", n)
	}
	a, err := env.App.Alliance.MyAsk(ctx, p1, req.Asks[0].ID)
	must(t, err)
	if a.State != alliance.AskReleased || a.Reason != "incident closed" {
		t.Errorf("after close the ask is %s (%q)", a.State, a.Reason)
	}
}
