package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// TestIncidentMergeStaysInOrganisation: merging a duplicate into another
// organisation's incident would write each organisation's reference and the
// merge note into the other's shared timeline; it is refused and changes
// nothing.
func TestIncidentMergeStaysInOrganisation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		v := baseVars(env)
		v["b"] = incidentB(t, env).ID
		a, err := env.App.Incidents.Report(t.Context(), principal(env, adminA), incident.Report{OrgID: env.OrgA.ID,
			Title: "Trùng", Description: "x", DetectedAt: time.Now().Add(-time.Hour)})
		must(t, err)
		v["a"] = a.ID
		run(t, env, v, []scenario{
			{name: "merge into another organisation's incident", as: coord, method: "POST", path: "/api/v1/incidents/{a}/merge",
				body: map[string]any{"into": "{b}", "note": "ghi chú nội bộ"}, status: 422, field: "into", same: true},
		})
	})
}

// TestIncidentSeverityReasonInternal: the reason for overriding the proposed
// severity is an internal timeline entry; the incident itself must not hand
// it to the reporting organisation.
func TestIncidentSeverityReasonInternal(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		v := baseVars(env)
		a, err := env.App.Incidents.Report(t.Context(), principal(env, adminA), incident.Report{OrgID: env.OrgA.ID,
			Title: "Lộ lọt", Description: "x", DetectedAt: time.Now().Add(-time.Hour)})
		must(t, err)
		v["a"] = a.ID
		noReason := func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
			if b := apptest.JSON[incidentDetail](t, rec); b.SeverityReason != "" {
				t.Fatalf("constituent sees the severity reason %q", b.SeverityReason)
			}
		}
		noReasonInList := func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
			for _, x := range apptest.JSON[struct{ Items []incident.Incident }](t, rec).Items {
				if x.SeverityReason != "" {
					t.Fatalf("constituent lists the severity reason %q", x.SeverityReason)
				}
			}
		}
		run(t, env, v, []scenario{
			{name: "override", as: coord, method: "POST", path: "/api/v1/incidents/{a}/triage",
				body:   map[string]any{"category": "malicious-code/infected-system", "severity": "S4", "severity_reason": "nghi APT nhà nước"},
				status: 200, check: func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
					if b := apptest.JSON[incidentDetail](t, rec); b.SeverityReason == "" {
						t.Fatal("the coordinator does not see the reason")
					}
				}},
			{name: "constituent reads", as: analystA, method: "GET", path: "/api/v1/incidents/{a}", status: 200, check: noReason},
			{name: "constituent lists", as: analystA, method: "GET", path: "/api/v1/incidents", status: 200, check: noReasonInList},
		})
	})
}

// TestIncidentAlertOfOrganisation: a linked alert's title goes on the
// incident's shared timeline, so even the coordinator may link only an
// alert that concerns the incident's organisation.
func TestIncidentAlertOfOrganisation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		v := baseVars(env)
		v["alertA"] = alertOn(t, env, "203.0.113.90", tlp.Red, env.OrgA.ID).ID
		v["alertB"] = alertOn(t, env, "203.0.113.91", tlp.Red, env.OrgB.ID).ID
		a, err := env.App.Incidents.Report(t.Context(), principal(env, adminA), incident.Report{OrgID: env.OrgA.ID,
			Title: "Kết nối C2", Description: "x", DetectedAt: time.Now().Add(-time.Hour)})
		must(t, err)
		v["a"] = a.ID
		run(t, env, v, []scenario{
			{name: "B's alert on A's incident", as: coord, method: "POST", path: "/api/v1/incidents/{a}/alerts",
				body: map[string]any{"alert_id": "{alertB}"}, status: 422, field: "alert_id", same: true},
			{name: "A's alert on A's incident", as: coord, method: "POST", path: "/api/v1/incidents/{a}/alerts",
				body: map[string]any{"alert_id": "{alertA}"}, status: 200},
		})
	})
}

// TestIncidentFileAfterRelease: a released responder's download of a shared
// file answers 404, as the incident itself does.
func TestIncidentFileAfterRelease(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := t.Context()
		inc := incidentB(t, env)
		must(t, env.App.DB.GrantIncidentAccess(ctx, inc.ID, env.Users[resp].ID, "mobilised"))
		f, err := env.App.Incidents.AttachFile(ctx, principal(env, coord), inc.ID, "../../etc/passwd", "text/html",
			incident.Shared, strings.NewReader("<script>alert(1)</script>"))
		must(t, err)
		if f.Name != "passwd" {
			t.Fatalf("stored name %q", f.Name)
		}
		path := "/api/v1/incidents/" + inc.ID + "/files/" + f.ID
		rec := env.As(t, resp, "GET", path, nil)
		apptest.Want(t, rec, http.StatusOK)
		if h := rec.Header(); h.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
			t.Fatalf("served with %v", h)
		}
		must(t, env.App.DB.RevokeIncidentAccess(ctx, inc.ID, env.Users[resp].ID, "released"))
		apptest.Want(t, env.As(t, resp, "GET", path, nil), http.StatusNotFound)
	})
}

// TestEscalationIsIdempotent: escalating an alert that already became an
// open incident (a retry after the alert's own update failed) answers that
// incident instead of opening a duplicate.
func TestEscalationIsIdempotent(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx, pc := t.Context(), principal(env, coord)
		id := alertOn(t, env, "203.0.113.88", tlp.Amber, env.OrgA.ID).ID
		a, _, err := env.App.Alerts.Get(ctx, pc, id)
		must(t, err)
		first, err := env.App.Incidents.Escalate(ctx, pc, a)
		must(t, err)
		again, err := env.App.Incidents.Escalate(ctx, pc, a)
		must(t, err)
		if first == "" || again != first {
			t.Fatalf("escalated twice: %q then %q", first, again)
		}
		res, err := env.App.Incidents.List(ctx, pc, incident.Filter{AlertID: id}, page.Request{})
		must(t, err)
		if len(res.Items) != 1 {
			t.Fatalf("%d incidents for one alert", len(res.Items))
		}
	})
}
