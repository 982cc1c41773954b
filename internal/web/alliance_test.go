package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/org"
)

// TestAlliancePages walks the alliance through the browser UI: a
// coordinator registers a responder (a refused form keeps what was typed and
// shows the problem beside the field), the responder fixes their schedule
// and shows on the roster, the coordinator mobilises them on an incident,
// the responder accepts and logs hours, and the coordinator releases and
// rates them. Another responder cannot answer someone else's request.
func TestAlliancePages(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	member, err := e.app.Org.CreateOrg(ctx, auth.System(), org.Org{Slug: "cong-ty-an-ninh", Name: "Công ty An ninh mạng",
		Kind: org.KindAllianceMember, Province: "Đà Nẵng"})
	if err != nil {
		t.Fatal(err)
	}
	coord := e.user("dieu.phoi@vncert.gov.vn", "vi", auth.RoleCoordinator)
	resp := e.user("ung.cuu@an-ninh.example", "vi", auth.RoleResponder, member.ID)
	other := e.user("khac@an-ninh.example", "en", auth.RoleResponder, member.ID)
	inc, err := e.app.Incidents.Report(ctx, auth.System(), incident.Report{OrgID: e.orgA.ID, Title: "Mã độc tống tiền",
		Description: "Máy chủ bị mã hoá", DetectedAt: e.clock.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}

	c := e.browser()
	c.enrol(coord.Email)
	p := c.get("/alliance")
	p.wantStatus(http.StatusOK)
	if n := len(p.all("#alliance-unregistered tbody tr")); n != 2 {
		t.Fatalf("%d responders without a profile, want 2", n)
	}
	p = c.get("/alliance/responders/" + resp.ID + "?org=" + member.ID)
	p.wantStatus(http.StatusOK)
	form := url.Values{"org_id": {member.ID}, "province": {"Đà Nẵng"}, "clearance": {"AMBER"}, "capacity": {"0"},
		"skills": {"forensics", "malware-analysis"}, "languages": {"vi"}, "active": {"on"},
		"certifications": {"GCFA | GIAC | 2028-01-31"}}
	p = c.post("/alliance/responders/"+resp.ID, form)
	p.wantStatus(http.StatusUnprocessableEntity)
	if !p.has("#profile-form .field.invalid #f-capacity") || !strings.Contains(p.text("#e-capacity"), "1") {
		t.Fatalf("no problem beside capacity:\n%s", p.main())
	}
	if got := attr(p.one(`#profile-form textarea[name="certifications"]`), "name"); got == "" || !strings.Contains(p.body, "GCFA | GIAC | 2028-01-31") {
		t.Error("the typed certifications are lost")
	}
	form.Set("capacity", "2")
	p = c.post("/alliance/responders/"+resp.ID, form)
	p.wantPath("/alliance/responders/" + resp.ID)
	if !strings.Contains(p.text("#responder-facts"), "Điều tra số") {
		t.Errorf("skills not shown:\n%s", p.text("#responder-facts"))
	}

	// The responder sets their schedule: a bad line is refused beside the field.
	r := e.browser()
	r.login(resp.Email)
	p = r.get("/alliance/me")
	p.wantPath("/alliance/responders/" + resp.ID)
	p = r.post("/alliance/responders/"+resp.ID+"/availability", url.Values{"weekly": {"Mon 08:00-17:30\nhằng ngày"}})
	p.wantStatus(http.StatusUnprocessableEntity)
	if !p.has("#availability-form .field.invalid #f-weekly") {
		t.Fatalf("no problem beside the schedule:\n%s", p.main())
	}
	every := "Sun 00:00-24:00\nMon 00:00-24:00\nTue 00:00-24:00\nWed 00:00-24:00\nThu 00:00-24:00\nFri 00:00-24:00\nSat 00:00-24:00"
	p = r.post("/alliance/responders/"+resp.ID+"/availability", url.Values{"weekly": {every},
		"unavailable": {"2030-01-01 08:00 | 2030-01-02 08:00 | nghỉ phép"}})
	p.wantPath("/alliance/responders/" + resp.ID)
	if p.text("#on-call") != "Đang trực" {
		t.Errorf("on-call badge %q", p.text("#on-call"))
	}
	p = c.get("/alliance/roster?skill=forensics")
	if rows := p.all("#roster tbody tr"); len(rows) != 1 || attr(rows[0], "data-id") != resp.ID {
		t.Fatalf("roster rows %d", len(rows))
	}
	if p = c.get("/alliance/roster?province=H%C3%A0+N%E1%BB%99i"); p.has("#roster") {
		t.Error("a Đà Nẵng responder is on the Hà Nội roster")
	}

	// Mobilise, from the panel on the incident's page.
	p = c.get("/incidents/" + inc.ID)
	p.wantStatus(http.StatusOK)
	if !p.has("#mobilise-panel #mobilise-form") || !p.has("#no-mobilisations") {
		t.Fatalf("no mobilisation panel on the incident page:\n%s", p.main())
	}
	p = c.get("/alliance/mobilisations/new?incident=" + inc.ID)
	p.wantStatus(http.StatusOK)
	deadline := e.clock.Now().Add(3 * time.Hour).In(alliance.Zone).Format("2006-01-02T15:04")
	p = c.post("/alliance/mobilisations", url.Values{"incident_id": {inc.ID}, "skills": {"forensics"}, "count": {"1"}, "deadline": {deadline}})
	if !strings.HasPrefix(p.url.Path, "/alliance/mobilisations/") {
		t.Fatalf("at %s\n%s", p.url.Path, p.main())
	}
	reqPath := p.url.Path
	cand := p.all("#candidates tbody tr")
	if len(cand) != 1 || attr(cand[0], "data-user") != resp.ID {
		t.Fatalf("%d candidates", len(cand))
	}
	p = c.post(reqPath+"/asks", url.Values{"user_ids": {resp.ID}})
	p.wantPath(reqPath)
	askRow := p.one("#asks tbody tr")
	askID := attr(askRow, "data-id")
	if p = c.get("/incidents/" + inc.ID); len(p.all("#mobilisations tbody tr")) != 1 {
		t.Errorf("the incident page does not list the request:\n%s", p.main())
	}

	// Someone else's request does not exist for another responder.
	o := e.browser()
	o.login(other.Email)
	p = o.post("/alliance/asks/"+askID+"/answer", url.Values{"decision": {"accept"}})
	p.wantStatus(http.StatusNotFound)

	if p = r.get("/incidents/" + inc.ID); p.status != http.StatusNotFound {
		t.Fatalf("a responder sees the incident before accepting: %d", p.status)
	}
	p = r.get("/alliance/asks")
	if n := len(p.all(".ask-pending")); n != 1 {
		t.Fatalf("%d pending asks", n)
	}
	p = r.post("/alliance/asks/"+askID+"/answer", url.Values{"decision": {"accept"}})
	p.wantPath("/alliance/asks")
	if n := len(p.all(".ask-working")); n != 1 {
		t.Fatalf("%d accepted asks\n%s", n, p.main())
	}
	if p = r.get("/incidents/" + inc.ID); p.status != http.StatusOK || p.has("#mobilise-panel") {
		t.Fatalf("after accepting: status %d, panel shown %v", p.status, p.has("#mobilise-panel"))
	}
	today := e.clock.Now().In(alliance.Zone).Format(time.DateOnly)
	p = r.post("/alliance/asks/"+askID+"/hours", url.Values{"date": {today}, "hours": {"1,5"}, "note": {"phân tích"}})
	p.wantPath("/alliance/asks")
	if got := p.text(".ask-working .hours tbody td.num"); got != "1.50" {
		t.Errorf("hours %q", got)
	}

	p = c.get(reqPath)
	p = c.post("/alliance/asks/"+askID+"/release", url.Values{"reason": {"xong"}, "request": {strings.TrimPrefix(reqPath, "/alliance/mobilisations/")}})
	p.wantPath(reqPath)
	if p := r.get("/incidents/" + inc.ID); p.status != http.StatusNotFound {
		t.Errorf("a released responder still sees the incident: %d", p.status)
	}
	if !p.has("#asks .rating-form") {
		t.Fatal("no rating form after release")
	}
	p = c.post("/alliance/asks/"+askID+"/rating", url.Values{"score": {"4"}, "comment": {"tốt"}, "request": {strings.TrimPrefix(reqPath, "/alliance/mobilisations/")}})
	p.wantPath(reqPath)
	if got := text(queryAll(p.one("#asks tbody tr"), "td")[5]); !strings.HasPrefix(got, "4/5") {
		t.Errorf("rating cell %q", got)
	}
}
