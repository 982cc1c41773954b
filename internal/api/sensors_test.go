package api_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/ingest"
)

// sensorIn registers a sensor in an organisation.
func sensorIn(t *testing.T, env *apptest.Env, orgID, name string) ingest.Sensor {
	t.Helper()
	s, _, err := env.App.Ingest.Register(t.Context(), auth.System(), ingest.Sensor{OrgID: orgID, Name: name, Kind: ingest.KindSuricata})
	must(t, err)
	return s
}

// saveToken stores the answer's sensor id and token as vars[name] and
// vars[name+".token"], checking the token's form.
func saveToken(name string) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, v vars) {
		t.Helper()
		got := apptest.JSON[struct {
			Sensor struct {
				ID string `json:"id"`
			} `json:"sensor"`
			Token string `json:"token"`
		}](t, rec)
		if got.Sensor.ID == "" || !strings.HasPrefix(got.Token, ingest.TokenPrefix) {
			t.Fatalf("sensor %q, token %q", got.Sensor.ID, got.Token)
		}
		v[name], v[name+".token"] = got.Sensor.ID, got.Token
	}
}

// tokenWorks wants the token in vars[name] to authenticate, or not.
func tokenWorks(env *apptest.Env, name string, works bool) checkFn {
	return func(t *testing.T, _ *httptest.ResponseRecorder, v vars) {
		t.Helper()
		_, err := env.App.Ingest.Authenticate(t.Context(), v[name])
		if (err == nil) != works {
			t.Errorf("token %s authenticates: %v, want %v", name, err == nil, works)
		}
	}
}

// Other tenants' sensors are in TestCrossTenant.
func TestSensorScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		const sensors = "/api/v1/orgs/{orgA}/sensors"
		suricata := map[string]any{"name": "Suricata biên", "kind": "suricata"}
		run(t, env, baseVars(env), []scenario{
			{name: "admin A registers", as: adminA, method: "POST", path: sensors, body: suricata, status: 201,
				check: both(saveToken("s"), tokenWorks(env, "s.token", true))},
			{name: "the default cadence", as: adminA, method: "GET", path: "/api/v1/sensors/{s}", status: 200, check: field("cadence_seconds", 900)},
			{name: "name taken", as: adminA, method: "POST", path: sensors, body: suricata, status: 409, code: "sensor.name_taken", field: "name", same: true},
			{name: "analyst A may not register", as: analystA, method: "POST", path: sensors, status: 403, code: "sensor.forbidden", same: true,
				body: map[string]any{"name": "Zeek", "kind": "zeek"}},
			{name: "leadership may not register", as: lead, method: "POST", path: sensors, status: 403, code: "sensor.forbidden", same: true,
				body: map[string]any{"name": "Zeek", "kind": "zeek"}},
			{name: "responder cannot see A", as: resp, method: "POST", path: sensors, status: 404, code: "org.not_found", same: true,
				body: map[string]any{"name": "Zeek", "kind": "zeek"}},
			{name: "syslog needs a source", as: adminA, method: "POST", path: sensors, status: 422, field: "source_cidr", same: true,
				body: map[string]any{"name": "Syslog", "kind": "syslog"}},
			{name: "cadence too short", as: adminA, method: "POST", path: sensors, status: 422, code: "sensor.invalid", field: "cadence_seconds", same: true,
				body: map[string]any{"name": "Zeek", "kind": "zeek", "cadence_seconds": 5}},
			{name: "unknown kind", as: adminA, method: "POST", path: sensors, status: 422, field: "kind", same: true,
				body: map[string]any{"name": "Snort", "kind": "snort"}},
			{name: "syslog with a source", as: adminA, method: "POST", path: sensors, status: 201, check: saveToken("syslog"),
				body: map[string]any{"name": "Syslog", "kind": "syslog", "source_cidr": "203.0.113.7/28", "cadence_seconds": 3600}},
			{name: "the source is masked", as: adminA, method: "GET", path: "/api/v1/sensors/{syslog}", status: 200,
				check: both(field("source_cidr", "203.0.113.0/28"), field("cadence_seconds", 3600))},
			{name: "coordinator registers in B", as: coord, method: "POST", path: "/api/v1/orgs/{orgB}/sensors", body: suricata, status: 201},

			{name: "admin A lists A", as: adminA, method: "GET", path: sensors, status: 200, check: allIn(2, "orgA")},
			{name: "analyst A lists A by slug", as: analystA, method: "GET", path: "/api/v1/orgs/org-a/sensors?sort=-name&limit=1", status: 200,
				check: both(allIn(1, "orgA"), saveCursor)},
			{name: "second page", as: analystA, method: "GET", path: "/api/v1/orgs/org-a/sensors?sort=-name&limit=1&cursor={cursor}", status: 200, check: count(1)},
			{name: "leadership lists B", as: lead, method: "GET", path: "/api/v1/orgs/{orgB}/sensors", status: 200, check: allIn(1, "orgB")},
			{name: "admin A cannot list B", as: adminA, method: "GET", path: "/api/v1/orgs/{orgB}/sensors", status: 404, code: "org.not_found"},
			{name: "none silent yet", as: adminA, method: "GET", path: sensors + "?silent=true", status: 200, check: count(0)},
			{name: "silent is a boolean", as: adminA, method: "GET", path: sensors + "?silent=maybe", status: 422, field: "silent"},

			{name: "admin A changes the cadence", as: adminA, method: "PATCH", path: "/api/v1/sensors/{s}", status: 200,
				body: map[string]any{"cadence_seconds": 1800}, check: both(field("cadence_seconds", 1800), field("kind", "suricata"))},
			{name: "a negative cadence", as: adminA, method: "PATCH", path: "/api/v1/sensors/{s}", status: 422, field: "cadence_seconds", same: true,
				body: map[string]any{"cadence_seconds": -1}},
			{name: "the kind does not change", as: adminA, method: "PATCH", path: "/api/v1/sensors/{s}", status: 400, code: "request.unknown_field",
				field: "kind", same: true, body: map[string]any{"kind": "zeek"}},
			{name: "analyst A may not change it", as: analystA, method: "PATCH", path: "/api/v1/sensors/{s}", status: 403, code: "sensor.forbidden",
				same: true, body: map[string]any{"name": "x"}},
			{name: "analyst A may not rotate", as: analystA, method: "POST", path: "/api/v1/sensors/{s}/rotate-token", status: 403, same: true},
			{name: "admin A rotates", as: adminA, method: "POST", path: "/api/v1/sensors/{s}/rotate-token", status: 200,
				check: both(tokenWorks(env, "s.token", false), saveToken("s"), tokenWorks(env, "s.token", true))},
			{name: "admin A disables", as: adminA, method: "PATCH", path: "/api/v1/sensors/{s}", status: 200,
				body: map[string]any{"disabled": true}, check: both(field("disabled", true), tokenWorks(env, "s.token", false))},
			{name: "health", as: analystA, method: "GET", path: "/api/v1/sensors/{s}/health", status: 200,
				check: both(field("minutes", []any{}), field("rejects", []any{}))},
			{name: "no such sensor", as: coord, method: "GET", path: "/api/v1/sensors/nope/health", status: 404, code: "sensor.not_found"},
		})
	})
}
