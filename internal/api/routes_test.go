package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/api"
	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/store/storetest"
)

// anyIDs fills every path parameter with an ID that names nothing.
var anyIDs = vars{"id": "no-such-id", "org": "no-such-org", "user": "no-such-user", "task": "no-such-task", "file": "no-such-file"}

// TestEveryRouteNeedsAToken sends each route of the table without a token
// and with a session cookie instead of one.
func TestEveryRouteNeedsAToken(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		for _, rt := range api.Routes() {
			if rt.Public {
				continue
			}
			t.Run(rt.Pattern(), func(t *testing.T) {
				rec := env.Do(t, "", rt.Method, fillPath(t, anyIDs, rt.Path), nil)
				checkProblem(t, rec, http.StatusUnauthorized, "auth.required", "")
				if got := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate %q, want Bearer", got)
				}
			})
		}
		req := newRequest(t, "GET", "/api/v1/me")
		req.AddCookie(&http.Cookie{Name: "khien_session", Value: "anything"})
		if rec := serve(env, req); rec.Code != http.StatusUnauthorized {
			t.Errorf("a cookie instead of a token: status %d, want 401", rec.Code)
		}
	})
}

// TestEveryRouteRefusesUnknownParameters sends each route a query parameter
// it does not list: 400 naming it, before the handler runs.
func TestEveryRouteRefusesUnknownParameters(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		before := snapshot(t, env)
		for _, rt := range api.Routes() {
			t.Run(rt.Pattern(), func(t *testing.T) {
				rec := env.As(t, admin, rt.Method, fillPath(t, anyIDs, rt.Path)+"?debug=1", nil)
				checkProblem(t, rec, http.StatusBadRequest, "request.unknown_parameter", "debug")
			})
		}
		unchanged(t, env, before)
	})
}

func TestNoRoute(t *testing.T) {
	env := apptest.New(t, firstEngine(t))
	run(t, env, baseVars(env), []scenario{
		{name: "unknown path", as: coord, method: "GET", path: "/api/v1/nothing", status: 404, code: "api.no_route"},
		{name: "unknown version", as: coord, method: "GET", path: "/api/v2/orgs", status: 404, code: "api.no_route"},
		{name: "wrong method", as: coord, method: "DELETE", path: "/api/v1/orgs", status: 404, code: "api.method_not_allowed",
			check: header("Allow", "GET, POST")},
		{name: "security headers", as: coord, method: "GET", path: "/api/v1/me", status: 200, check: both(
			header("X-Content-Type-Options", "nosniff"),
			header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
			header("Cache-Control", "no-store"))},
	})
}

// TestWriteWithoutPermission: a caller who may see an object but lacks the
// permission to change it gets 403 and nothing changes. (Objects the caller
// may not see answer 404: that is the cross-tenant matrix.)
func TestWriteWithoutPermission(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		v := baseVars(env)
		fixturesInA(t, env, v)
		contact := map[string]any{"name": "X", "role": "abuse", "email": "x@a.example.vn"}
		cases := []scenario{
			{as: analystA, method: "POST", path: "/api/v1/orgs/{orgA}/contacts", body: contact},
			{as: analystA, method: "PUT", path: "/api/v1/contacts/{contact}", body: contact},
			{as: analystA, method: "DELETE", path: "/api/v1/contacts/{contact}"},
			{as: analystA, method: "POST", path: "/api/v1/contacts/{contact}/confirm"},
			{as: analystA, method: "PATCH", path: "/api/v1/orgs/{orgA}", body: map[string]any{"name": "X"}},
			{as: analystA, method: "POST", path: "/api/v1/resources/{resource}/approve"},
			{as: lead, method: "POST", path: "/api/v1/orgs/{orgA}/systems", body: map[string]any{"name": "X", "security_level": 1}},
			{as: lead, method: "PATCH", path: "/api/v1/systems/{system}", body: map[string]any{"name": "X"}},
			{as: lead, method: "POST", path: "/api/v1/orgs/{orgA}/resources", body: map[string]any{"type": "asn", "value": "AS64511"}},
			{as: lead, method: "DELETE", path: "/api/v1/resources/{resource}"},
			{as: lead, method: "POST", path: "/api/v1/resources/{resource}/reject", body: map[string]any{"reason": "X"}},
			{as: lead, method: "POST", path: "/api/v1/systems/{system}/software", body: map[string]any{"product": "X"}},
			{as: lead, method: "DELETE", path: "/api/v1/software/{software}"},
			{as: lead, method: "POST", path: "/api/v1/orgs/{orgA}/inventory.csv", body: csvBody("system,product", "Web A,X")},
			{as: invest, method: "PATCH", path: "/api/v1/orgs/{orgA}", body: map[string]any{"name": "X"}},
			{as: invest, method: "POST", path: "/api/v1/orgs/{orgA}/contacts", body: contact},
			{as: resp, method: "POST", path: "/api/v1/orgs/{cert}/systems", body: map[string]any{"name": "X", "security_level": 1}},
			{as: adminA, method: "POST", path: "/api/v1/audit/verify"},
		}
		for _, sc := range cases {
			t.Run(sc.as+" "+sc.method+" "+sc.path, func(t *testing.T) {
				before := snapshot(t, env)
				rec := env.Do(t, env.Tokens[sc.as], sc.method, fillPath(t, v, sc.path), fillBody(t, v, sc.body))
				want := sc.status
				if want == 0 {
					want = http.StatusForbidden
				}
				if rec.Code != want {
					t.Errorf("status %d, want %d; body: %s", rec.Code, want, rec.Body)
				}
				unchanged(t, env, before)
			})
		}
	})
}

// fixturesInA makes one object of each kind in organisation A and names
// them in v.
func fixturesInA(t *testing.T, env *apptest.Env, v vars) {
	t.Helper()
	ctx, sys, a := t.Context(), auth.System(), env.OrgA.ID
	c, err := env.App.Org.CreateContact(ctx, sys, org.Contact{OrgID: a, Name: "Abuse A", Role: org.ContactAbuse, Email: "abuse@a.example.vn"})
	must(t, err)
	s, err := env.App.Org.CreateSystem(ctx, sys, org.System{OrgID: a, Name: "Web A", Level: 2})
	must(t, err)
	sw, err := env.App.Org.AddSoftware(ctx, sys, org.Software{SystemID: s.ID, Product: "Nginx"})
	must(t, err)
	r, err := env.App.Org.ClaimResource(ctx, sys, org.Resource{OrgID: a, Type: org.ResourceDomain, Value: "a.example.vn"})
	must(t, err)
	v["contact"], v["system"], v["software"], v["resource"] = c.ID, s.ID, sw.ID, r.ID
}

func firstEngine(t *testing.T) storetest.Engine { return storetest.Engines(t)[0] }

func newRequest(t *testing.T, method, path string) *http.Request {
	return httptest.NewRequestWithContext(t.Context(), method, path, nil)
}

func serve(env *apptest.Env, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	env.App.Handler().ServeHTTP(rec, req)
	return rec
}
