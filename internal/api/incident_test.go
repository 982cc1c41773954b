package api_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/tlp"
)

// incidentB reports an incident of organisation B, the first time.
func incidentB(t *testing.T, env *apptest.Env) incident.Incident {
	t.Helper()
	res, err := env.App.Incidents.List(t.Context(), principal(env, coord), incident.Filter{OrgID: env.OrgB.ID}, pageAll)
	must(t, err)
	if len(res.Items) > 0 {
		return res.Items[0]
	}
	inc, err := env.App.Incidents.Report(t.Context(), principal(env, adminB), incident.Report{OrgID: env.OrgB.ID,
		Title: "DDoS vào cổng B", Description: "Lưu lượng bất thường", DetectedAt: time.Now().Add(-time.Hour),
		SystemIDs: []string{systemB(t, env).ID}})
	must(t, err)
	return inc
}

var incidentFixtures = map[string]func(t *testing.T, env *apptest.Env) vars{
	"incident": func(t *testing.T, env *apptest.Env) vars { return vars{"id": incidentB(t, env).ID} },
	"incident_task": func(t *testing.T, env *apptest.Env) vars {
		inc := incidentB(t, env)
		ts, err := env.App.Incidents.AddTask(t.Context(), principal(env, coord), inc.ID, incident.TaskInput{Title: "Liên hệ ISP"}, "")
		must(t, err)
		return vars{"id": inc.ID, "task": ts[0].ID}
	},
	"incident_file": func(t *testing.T, env *apptest.Env) vars {
		inc := incidentB(t, env)
		f, err := env.App.Incidents.AttachFile(t.Context(), principal(env, adminB), inc.ID, "log.txt", "text/plain",
			incident.Shared, strings.NewReader("B's log"))
		must(t, err)
		return vars{"id": inc.ID, "file": f.ID}
	},
}

func saveIncident(t *testing.T, rec *httptest.ResponseRecorder, v vars) {
	b := apptest.JSON[incident.Incident](t, rec)
	if !regexp.MustCompile(`^KH-\d{4}-\d{6}$`).MatchString(b.Reference) {
		t.Fatalf("reference %q", b.Reference)
	}
	v["inc"], v["ref"] = b.ID, b.Reference
}

type incidentDetail struct {
	incident.Incident
	Timeline []incident.Entry `json:"timeline"`
	Next     []incident.State `json:"next_states"`
	Clocks   []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
	} `json:"clocks"`
}

func wantState(s incident.State) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		if b := apptest.JSON[incidentDetail](t, rec); b.State != s {
			t.Fatalf("state %s, want %s", b.State, s)
		}
	}
}

func noInternal(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
	b := apptest.JSON[incidentDetail](t, rec)
	if len(b.Timeline) == 0 {
		t.Fatal("empty timeline")
	}
	for _, e := range b.Timeline {
		if e.Visibility != incident.Shared {
			t.Fatalf("sees an internal entry: %+v", e)
		}
	}
}

func listCount(n int) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		if b := apptest.JSON[struct{ Items []incident.Incident }](t, rec); len(b.Items) != n {
			t.Fatalf("%d incidents, want %d", len(b.Items), n)
		}
	}
}

// TestIncidentScenarios walks one incident through its life as every role,
// including a responder before, during and after mobilisation.
func TestIncidentScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		v := baseVars(env)
		sysA, err := env.App.Org.CreateSystem(t.Context(), auth.System(), org.System{OrgID: env.OrgA.ID, Name: "Core banking", Level: 4})
		must(t, err)
		v["sysA"], v["sysB"] = sysA.ID, systemB(t, env).ID
		detected := time.Now().Add(-3 * time.Hour).UTC().Format(time.RFC3339)
		report := map[string]any{"org_id": "{orgA}", "title": "Mã độc tống tiền", "description": "Tệp bị mã hoá",
			"detected_at": detected, "impact": "high", "system_ids": []string{"{sysA}"}}
		withB := map[string]any{"org_id": "{orgA}", "title": "x", "description": "y", "detected_at": detected,
			"system_ids": []string{"{sysA}", "{sysB}"}}
		forB := map[string]any{"org_id": "{orgB}", "title": "x", "description": "y", "detected_at": detected}
		grant := func(t *testing.T, _ *httptest.ResponseRecorder, v vars) {
			must(t, env.App.DB.GrantIncidentAccess(t.Context(), v["inc"], v["user."+resp], "mobilised"))
		}
		revoke := func(t *testing.T, _ *httptest.ResponseRecorder, v vars) {
			must(t, env.App.DB.RevokeIncidentAccess(t.Context(), v["inc"], v["user."+resp], "released"))
		}
		run(t, env, v, []scenario{
			{name: "a system of another organisation is a field error", as: adminA, method: "POST", path: "/api/v1/incidents",
				body: withB, status: 422, code: "incident.invalid", field: "system_ids", same: true},
			{name: "reporting for another organisation is 404", as: adminA, method: "POST", path: "/api/v1/incidents",
				body: forB, status: 404, same: true},
			{name: "a responder cannot report", as: resp, method: "POST", path: "/api/v1/incidents",
				body: report, status: 404, same: true},
			{name: "constituent reports", as: adminA, method: "POST", path: "/api/v1/incidents", body: report, status: 201, check: saveIncident},
			{name: "analyst of A reads it", as: analystA, method: "GET", path: "/api/v1/incidents/{inc}", status: 200},
			{name: "B does not see it", as: adminB, method: "GET", path: "/api/v1/incidents/{inc}", status: 404},
			{name: "responder before mobilisation", as: resp, method: "GET", path: "/api/v1/incidents/{inc}", status: 404},
			{name: "responder lists nothing", as: resp, method: "GET", path: "/api/v1/incidents", status: 200, check: listCount(0)},
			{name: "leadership reads", as: lead, method: "GET", path: "/api/v1/incidents/{inc}", status: 200},
			{name: "administrator reads", as: admin, method: "GET", path: "/api/v1/incidents/{inc}", status: 200},
			{name: "investigator reads", as: invest, method: "GET", path: "/api/v1/incidents/{inc}", status: 200},
			{name: "constituent cannot triage", as: adminA, method: "POST", path: "/api/v1/incidents/{inc}/triage",
				body: map[string]any{"category": "malicious-code/infected-system"}, status: 403, code: "incident.not_allowed", same: true},
			{name: "override needs a reason", as: coord, method: "POST", path: "/api/v1/incidents/{inc}/triage",
				body: map[string]any{"category": "malicious-code/infected-system", "severity": "S1"}, status: 422, field: "severity_reason", same: true},
			{name: "unknown category", as: coord, method: "POST", path: "/api/v1/incidents/{inc}/triage",
				body: map[string]any{"category": "made-up/thing"}, status: 422, field: "category", same: true},
			{name: "coordinator triages", as: coord, method: "POST", path: "/api/v1/incidents/{inc}/triage",
				body: map[string]any{"category": `ecsirt:malicious-code="ransomware"`, "severity": "S3", "severity_reason": "một máy chủ",
					"owner_id": "{user." + coord + "}"}, status: 200, check: wantState(incident.StateTriaged)},
			{name: "closing a triaged incident is no move", as: coord, method: "POST", path: "/api/v1/incidents/{inc}/transition",
				body: map[string]any{"state": "closed"}, status: 409, code: "incident.bad_transition", same: true},
			{name: "internal note", as: coord, method: "POST", path: "/api/v1/incidents/{inc}/notes",
				body: map[string]any{"body": "nghi APT", "visibility": "internal"}, status: 201},
			{name: "constituent may not write internal notes", as: adminA, method: "POST", path: "/api/v1/incidents/{inc}/notes",
				body: map[string]any{"body": "x", "visibility": "internal"}, status: 403, same: true},
			{name: "constituent answers with a shared note", as: adminA, method: "POST", path: "/api/v1/incidents/{inc}/notes",
				body: map[string]any{"body": "đã cách ly", "visibility": "shared"}, status: 201},
			{name: "constituent sees shared entries only", as: adminA, method: "GET", path: "/api/v1/incidents/{inc}", status: 200, check: noInternal},
			{name: "constituent cannot add tasks", as: adminA, method: "POST", path: "/api/v1/incidents/{inc}/tasks",
				body: map[string]any{"title": "x"}, status: 403, same: true},
			{name: "coordinator applies a template", as: coord, method: "POST", path: "/api/v1/incidents/{inc}/tasks",
				body: map[string]any{"template": "malware"}, status: 201},
			{name: "mobilised: the responder sees it", as: coord, method: "GET", path: "/api/v1/incidents/{inc}", status: 200, check: grant},
			{name: "responder reads, shared only", as: resp, method: "GET", path: "/api/v1/incidents/{inc}", status: 200, check: noInternal},
			{name: "responder lists only it", as: resp, method: "GET", path: "/api/v1/incidents", status: 200, check: listCount(1)},
			{name: "responder starts work", as: resp, method: "POST", path: "/api/v1/incidents/{inc}/transition",
				body: map[string]any{"state": "in_progress"}, status: 200, check: wantState(incident.StateInProgress)},
			{name: "responder contains", as: resp, method: "POST", path: "/api/v1/incidents/{inc}/transition",
				body: map[string]any{"state": "contained"}, status: 200},
			{name: "responder resolves", as: resp, method: "POST", path: "/api/v1/incidents/{inc}/transition",
				body: map[string]any{"state": "resolved", "note": "đã khôi phục"}, status: 200},
			{name: "a constituent closing", as: adminA, method: "POST", path: "/api/v1/incidents/{inc}/transition",
				body: map[string]any{"state": "closed"}, status: 403, code: "incident.not_allowed", same: true},
			{name: "a responder closing", as: resp, method: "POST", path: "/api/v1/incidents/{inc}/transition",
				body: map[string]any{"state": "closed"}, status: 403, code: "incident.not_allowed", same: true},
			{name: "the coordinator closes", as: coord, method: "POST", path: "/api/v1/incidents/{inc}/transition",
				body: map[string]any{"state": "closed"}, status: 200, check: wantState(incident.StateClosed)},
			{name: "released", as: coord, method: "GET", path: "/api/v1/incidents/{inc}", status: 200, check: revoke},
			{name: "responder after release", as: resp, method: "GET", path: "/api/v1/incidents/{inc}", status: 404},
			{name: "statistics count it", as: lead, method: "GET", path: "/api/v1/reports/incidents", status: 200,
				check: func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
					b := apptest.JSON[struct {
						Total          int `json:"total"`
						Finished       int `json:"finished"`
						MajorIncidents int `json:"major_incidents"`
					}](t, rec)
					if b.Total != 1 || b.Finished != 1 || b.MajorIncidents != 1 {
						t.Fatalf("statistics %+v", b)
					}
				}},
			{name: "constituents have no statistics", as: adminA, method: "GET", path: "/api/v1/reports/incidents", status: 403},
			{name: "a bad year", as: lead, method: "GET", path: "/api/v1/reports/incidents?year=soon", status: 422, field: "year"},
			{name: "list filters", as: coord, method: "GET", path: "/api/v1/incidents?state=closed&severity=S3&category=malicious-code",
				status: 200, check: listCount(1)},
			{name: "bad filter", as: coord, method: "GET", path: "/api/v1/incidents?state=done", status: 422},
		})
	})
}

// A task of another incident answers 404, even to someone who may work both.
func TestIncidentTaskTampering(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := t.Context()
		one := incidentB(t, env)
		two, err := env.App.Incidents.Report(ctx, principal(env, adminA), incident.Report{OrgID: env.OrgA.ID, Title: "Khác",
			Description: "x", DetectedAt: time.Now().Add(-time.Minute)})
		must(t, err)
		ts, err := env.App.Incidents.AddTask(ctx, principal(env, coord), two.ID, incident.TaskInput{Title: "Của sự cố hai"}, "")
		must(t, err)
		must(t, env.App.DB.GrantIncidentAccess(ctx, one.ID, env.Users[resp].ID, "mobilised"))
		before := snapshot(t, env)
		rec := env.As(t, resp, "PATCH", "/api/v1/incidents/"+one.ID+"/tasks/"+ts[0].ID, map[string]any{"state": "done"})
		apptest.Want(t, rec, http.StatusNotFound)
		unchanged(t, env, before)
		// The coordinator's own task is not the responder's to change.
		mine, err := env.App.Incidents.AddTask(ctx, principal(env, coord), one.ID,
			incident.TaskInput{Title: "Của điều phối", AssigneeID: env.Users[coord].ID}, "")
		must(t, err)
		rec = env.As(t, resp, "PATCH", "/api/v1/incidents/"+one.ID+"/tasks/"+mine[0].ID, map[string]any{"state": "done"})
		apptest.Want(t, rec, http.StatusForbidden)
		// A task of nobody's may be taken and done.
		free, err := env.App.Incidents.AddTask(ctx, principal(env, coord), one.ID, incident.TaskInput{Title: "Tự do"}, "")
		must(t, err)
		rec = env.As(t, resp, "PATCH", "/api/v1/incidents/"+one.ID+"/tasks/"+free[0].ID,
			map[string]any{"state": "done", "assignee_id": env.Users[resp].ID})
		apptest.Want(t, rec, http.StatusOK)
		if got := apptest.JSON[incident.Task](t, rec); got.State != incident.TaskDone || got.AssigneeID != env.Users[resp].ID {
			t.Fatalf("task %+v", got)
		}
	})
}

// TestIncidentCoordination covers the coordinator's other operations:
// linking alerts, pausing and resuming clocks, merging a duplicate and
// rejecting, each refused to constituents and checked for bad input.
func TestIncidentCoordination(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		v := baseVars(env)
		v["alertA"] = alertOn(t, env, "203.0.113.80", tlp.Amber, env.OrgA.ID).ID
		v["alertB"] = alertOn(t, env, "203.0.113.81", tlp.Amber, env.OrgB.ID).ID
		detected := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		rep := func(title string) map[string]any {
			return map[string]any{"org_id": "{orgA}", "title": title, "description": "x", "detected_at": detected}
		}
		save := func(name string) checkFn {
			return func(t *testing.T, rec *httptest.ResponseRecorder, v vars) {
				b := apptest.JSON[incident.Incident](t, rec)
				v[name], v[name+".ref"] = b.ID, b.Reference
			}
		}
		saveFile := func(name string) checkFn {
			return func(t *testing.T, rec *httptest.ResponseRecorder, v vars) {
				v["file."+name] = apptest.JSON[incident.File](t, rec).ID
			}
		}
		clockPaused := func(want bool) checkFn {
			return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
				b := apptest.JSON[struct {
					Clocks []struct {
						Name   string `json:"name"`
						Paused bool   `json:"paused"`
						Status string `json:"status"`
					} `json:"clocks"`
				}](t, rec)
				for _, c := range b.Clocks {
					if c.Name == "triage" {
						if c.Paused != want {
							t.Fatalf("triage clock paused=%v, want %v", c.Paused, want)
						}
						return
					}
				}
				t.Fatalf("no triage clock in %+v", b.Clocks)
			}
		}
		run(t, env, v, []scenario{
			{name: "first", as: adminA, method: "POST", path: "/api/v1/incidents", body: rep("Lừa đảo"), status: 201, check: save("one")},
			{name: "duplicate", as: analystA, method: "POST", path: "/api/v1/incidents", body: rep("Lừa đảo (lặp)"), status: 201, check: save("dup")},
			{name: "third", as: adminA, method: "POST", path: "/api/v1/incidents", body: rep("Quét"), status: 201, check: save("three")},
			{name: "A links its alert", as: adminA, method: "POST", path: "/api/v1/incidents/{one}/alerts",
				body: map[string]any{"alert_id": "{alertA}"}, status: 200},
			{name: "linking twice", as: coord, method: "POST", path: "/api/v1/incidents/{one}/alerts",
				body: map[string]any{"alert_id": "{alertA}"}, status: 409, same: true},
			{name: "A cannot link B's alert", as: adminA, method: "POST", path: "/api/v1/incidents/{one}/alerts",
				body: map[string]any{"alert_id": "{alertB}"}, status: 422, field: "alert_id", same: true},
			{name: "constituent cannot pause", as: adminA, method: "POST", path: "/api/v1/incidents/{one}/clocks/pause",
				body: map[string]any{"reason": "x"}, status: 403, same: true},
			{name: "pause needs a reason", as: coord, method: "POST", path: "/api/v1/incidents/{one}/clocks/pause",
				body: map[string]any{"reason": " "}, status: 422, field: "reason", same: true},
			{name: "pause", as: coord, method: "POST", path: "/api/v1/incidents/{one}/clocks/pause",
				body: map[string]any{"reason": "chờ nhật ký"}, status: 200, check: clockPaused(true)},
			{name: "pause twice", as: coord, method: "POST", path: "/api/v1/incidents/{one}/clocks/pause",
				body: map[string]any{"reason": "x"}, status: 409, same: true},
			{name: "resume", as: coord, method: "POST", path: "/api/v1/incidents/{one}/clocks/resume", status: 200, check: clockPaused(false)},
			{name: "merge into itself", as: coord, method: "POST", path: "/api/v1/incidents/{dup}/merge",
				body: map[string]any{"into": "{dup}"}, status: 422, field: "into", same: true},
			{name: "constituent cannot merge", as: adminA, method: "POST", path: "/api/v1/incidents/{dup}/merge",
				body: map[string]any{"into": "{one.ref}"}, status: 403, same: true},
			{name: "merge by reference", as: coord, method: "POST", path: "/api/v1/incidents/{dup}/merge",
				body: map[string]any{"into": "{one.ref}", "note": "trùng"}, status: 200, check: wantState(incident.StateMerged)},
			{name: "a merged incident cannot be rejected", as: coord, method: "POST", path: "/api/v1/incidents/{dup}/reject",
				body: map[string]any{"reason": "x"}, status: 409, code: "incident.bad_transition", same: true},
			{name: "reject needs a reason", as: coord, method: "POST", path: "/api/v1/incidents/{three}/reject",
				body: map[string]any{"reason": ""}, status: 422, field: "reason", same: true},
			{name: "reject", as: coord, method: "POST", path: "/api/v1/incidents/{three}/reject",
				body: map[string]any{"reason": "kiểm thử được phép"}, status: 200, check: wantState(incident.StateRejected)},
			{name: "closing a rejected incident", as: coord, method: "POST", path: "/api/v1/incidents/{three}/transition",
				body: map[string]any{"state": "closed"}, status: 409, code: "incident.bad_transition", same: true},
			{name: "unknown state", as: coord, method: "POST", path: "/api/v1/incidents/{one}/transition",
				body: map[string]any{"state": "finished"}, status: 422, field: "state", same: true},
			{name: "A attaches a shared file", as: adminA, method: "POST", path: "/api/v1/incidents/{one}/files?name=proxy.log",
				body: apptest.Raw{ContentType: "text/plain", Body: []byte("CONNECT 203.0.113.9")}, status: 201, check: saveFile("shared")},
			{name: "coordinator attaches an internal file", as: coord, method: "POST", path: "/api/v1/incidents/{one}/files?visibility=internal",
				body: apptest.Raw{ContentType: "application/octet-stream", Body: []byte("note")}, status: 201, check: saveFile("internal")},
			{name: "A may not attach internal files", as: adminA, method: "POST", path: "/api/v1/incidents/{one}/files?visibility=internal",
				body: apptest.Raw{ContentType: "text/plain", Body: []byte("x")}, status: 403, same: true},
			{name: "bad visibility", as: adminA, method: "POST", path: "/api/v1/incidents/{one}/files?visibility=public",
				body: apptest.Raw{ContentType: "text/plain", Body: []byte("x")}, status: 422, field: "visibility", same: true},
			{name: "empty file", as: adminA, method: "POST", path: "/api/v1/incidents/{one}/files",
				body: apptest.Raw{ContentType: "text/plain", Body: []byte{}}, status: 422, field: "file"},
			{name: "A downloads the shared file", as: analystA, method: "GET", path: "/api/v1/incidents/{one}/files/{file.shared}", status: 200,
				check: func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
					if rec.Body.String() != "CONNECT 203.0.113.9" || rec.Header().Get("Content-Type") != "application/octet-stream" {
						t.Fatalf("download %q %q", rec.Body, rec.Header().Get("Content-Type"))
					}
				}},
			{name: "A cannot get the internal file", as: adminA, method: "GET", path: "/api/v1/incidents/{one}/files/{file.internal}", status: 404},
			{name: "a file named under another incident", as: coord, method: "GET", path: "/api/v1/incidents/{three}/files/{file.shared}", status: 404},
			{name: "unknown body field", as: coord, method: "POST", path: "/api/v1/incidents/{one}/transition",
				body: map[string]any{"state": "in_progress", "force": true}, status: 400, same: true},
		})
	})
}
