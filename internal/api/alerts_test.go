package api_test

import (
	"crypto/rand"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/tlp"
)

// alertOn records an indicator hit on an IPv4 value with the indicator's
// TLP. The first organisation owns the sensor that saw it; the others own
// the address.
func alertOn(t *testing.T, env *apptest.Env, value string, level tlp.Level, orgs ...string) alert.Alert {
	t.Helper()
	h := alert.Hit{Kind: alert.KindIndicator, Severity: 4, Title: "Connection to a known C2 address",
		Indicator: "ipv4|" + value, Field: "dst_ip", Value: value, TLP: level, Sources: []string{"c2-feed"},
		SensorID: "sensor-" + rand.Text(), EventID: rand.Text(), EventTime: time.Now().UTC(),
		Excerpt: `{"src_ip":"198.51.100.23","dest_ip":"` + value + `","event_type":"flow"}`}
	for i, o := range orgs {
		reason := alert.ReasonIPOwner
		if i == 0 {
			reason = alert.ReasonSensorOwner
		}
		h.Orgs = append(h.Orgs, alert.Involved{OrgID: o, Reason: reason})
	}
	out, err := env.App.Alerts.Record(t.Context(), []alert.Hit{h})
	must(t, err)
	if len(out) != 1 {
		t.Fatalf("recorded %d alerts, want 1", len(out))
	}
	return out[0]
}

// stateIs wants the alert vars[name] to be in state st, as the system sees it.
func stateIs(env *apptest.Env, name string, st alert.State) checkFn {
	return func(t *testing.T, _ *httptest.ResponseRecorder, v vars) {
		t.Helper()
		a, _, err := env.App.Alerts.Get(t.Context(), auth.System(), v[name])
		must(t, err)
		if a.State != st {
			t.Errorf("alert %s is %s, want %s", name, a.State, st)
		}
	}
}

// absent wants the answer's JSON to lack the named fields.
func absent(names ...string) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		t.Helper()
		got := apptest.JSON[map[string]any](t, rec)
		for _, n := range names {
			if _, ok := got[n]; ok {
				t.Errorf("the answer has %s = %v; it must be withheld", n, got[n])
			}
		}
	}
}

// Three alerts: one of A's sensor, one of B's sensor, and one seen by B's
// sensor on an address A owns, on a RED indicator.
func TestAlertScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		v := baseVars(env)
		v["a"] = alertOn(t, env, "203.0.113.66", tlp.Amber, env.OrgA.ID).ID
		v["b"] = alertOn(t, env, "203.0.113.77", tlp.Amber, env.OrgB.ID).ID
		v["red"] = alertOn(t, env, "192.0.2.99", tlp.Red, env.OrgB.ID, env.OrgA.ID).ID
		v["soon"] = time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
		const alerts = "/api/v1/alerts"
		run(t, env, v, []scenario{
			{name: "coordinator sees all", as: coord, method: "GET", path: alerts, status: 200, check: count(3)},
			{name: "leadership sees all", as: lead, method: "GET", path: alerts, status: 200, check: count(3)},
			{name: "admin A sees A's", as: adminA, method: "GET", path: alerts, status: 200, check: count(2)},
			{name: "analyst A sees A's", as: analystA, method: "GET", path: alerts, status: 200, check: count(2)},
			{name: "admin B sees B's", as: adminB, method: "GET", path: alerts, status: 200, check: count(2)},
			{name: "responder sees none", as: resp, method: "GET", path: alerts, status: 200, check: count(0)},
			{name: "admin A filters on B", as: adminA, method: "GET", path: alerts + "?org={orgB}", status: 200, check: count(1)},
			{name: "filter by organisation", as: coord, method: "GET", path: alerts + "?org={orgA}", status: 200, check: count(2)},
			{name: "filter by kind", as: coord, method: "GET", path: alerts + "?kind=rule", status: 200, check: count(0)},
			{name: "filter by value", as: coord, method: "GET", path: alerts + "?q=203.0.113", status: 200, check: count(2)},
			{name: "unknown state", as: coord, method: "GET", path: alerts + "?state=open", status: 422, field: "state"},
			{name: "first page", as: coord, method: "GET", path: alerts + "?limit=2", status: 200, check: both(count(2), saveCursor)},
			{name: "second page", as: coord, method: "GET", path: alerts + "?limit=2&cursor={cursor}", status: 200, check: count(1)},

			{name: "A reads its own", as: analystA, method: "GET", path: alerts + "/{a}", status: 200,
				check: both(field("matched_value", "203.0.113.66"), field("history", []any{}))},
			{name: "A reads the RED one without details", as: adminA, method: "GET", path: alerts + "/{red}", status: 200,
				check: both(field("redacted", true), absent("matched_value", "indicator", "sources", "excerpt", "sensor_id"))},
			{name: "B sees the excerpt but not the RED details", as: adminB, method: "GET", path: alerts + "/{red}", status: 200,
				check: both(field("redacted", true), absent("matched_value"), field("excerpt", `{"src_ip":"198.51.100.23","dest_ip":"192.0.2.99","event_type":"flow"}`))},
			{name: "the coordinator sees all of it", as: coord, method: "GET", path: alerts + "/{red}", status: 200,
				check: both(field("matched_value", "192.0.2.99"), absent("redacted"))},
			{name: "A cannot read B's", as: adminA, method: "GET", path: alerts + "/{b}", status: 404, code: "alert.not_found"},
			{name: "A cannot acknowledge B's", as: adminA, method: "POST", path: alerts + "/{b}/acknowledge", status: 404,
				code: "alert.not_found", same: true, check: stateIs(env, "b", alert.StateNew)},
			{name: "A cannot escalate B's", as: adminA, method: "POST", path: alerts + "/{b}/escalate", status: 404, code: "alert.not_found", same: true},

			{name: "leadership may not triage", as: lead, method: "POST", path: alerts + "/{a}/acknowledge", status: 403, code: "alert.forbidden",
				same: true, check: stateIs(env, "a", alert.StateNew)},
			{name: "analyst A acknowledges", as: analystA, method: "POST", path: alerts + "/{a}/acknowledge", status: 200,
				check: both(field("state", "acknowledged"), stateIs(env, "a", alert.StateAcknowledged))},
			{name: "a false positive needs a reason", as: analystA, method: "POST", path: alerts + "/{a}/false-positive", status: 422,
				field: "reason", same: true, body: map[string]any{"reason": " "}},
			{name: "a suppression end that is no time", as: analystA, method: "POST", path: alerts + "/{a}/false-positive", status: 422,
				field: "suppress_until", same: true, body: map[string]any{"reason": "scanner", "suppress_until": "tomorrow"}},
			{name: "a suppression end in the past", as: analystA, method: "POST", path: alerts + "/{a}/false-positive", status: 422,
				field: "suppress_until", same: true, body: map[string]any{"reason": "scanner", "suppress_until": "2020-01-01T00:00:00Z"}},
			{name: "analyst A marks a false positive", as: analystA, method: "POST", path: alerts + "/{a}/false-positive", status: 200,
				body: map[string]any{"reason": "Máy quét nội bộ", "suppress_until": "{soon}"}, check: field("state", "false_positive")},
			{name: "no longer open", as: analystA, method: "POST", path: alerts + "/{a}/acknowledge", status: 409, code: "alert.not_open", same: true},
			{name: "admin A closes without a body", as: adminA, method: "POST", path: alerts + "/{a}/close", status: 200, check: field("state", "closed")},
			{name: "the history", as: adminA, method: "GET", path: alerts + "/{a}", status: 200, check: historyOf("acknowledge", "false_positive", "close")},
			{name: "admin B closes with a note", as: adminB, method: "POST", path: alerts + "/{b}/close", status: 200,
				body: map[string]any{"note": "Đã chặn"}, check: field("state", "closed")},
			{name: "escalation reports an incident", as: adminA, method: "POST", path: alerts + "/{red}/escalate", status: 200,
				check: func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
					b := apptest.JSON[struct {
						Alert    struct{ State string }
						Incident string
					}](t, rec)
					if b.Alert.State != "escalated" || !strings.HasPrefix(b.Incident, "KH-") {
						t.Fatalf("escalation answered %+v", b)
					}
				}},
		})
	})
}

// historyOf wants the alert's history to hold these actions, in order.
func historyOf(actions ...string) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		t.Helper()
		got := apptest.JSON[struct {
			History []alert.Change `json:"history"`
		}](t, rec)
		if len(got.History) != len(actions) {
			t.Fatalf("history %v, want %v", got.History, actions)
		}
		for i, c := range got.History {
			if c.Action != actions[i] || c.Actor == "" {
				t.Errorf("history[%d] = %+v, want %s", i, c, actions[i])
			}
		}
	}
}
