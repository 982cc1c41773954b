package api_test

import (
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
)

func TestUserScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		newUser := map[string]any{"email": "new@b.example.vn", "name": "Người mới", "role": "constituent-analyst",
			"password": "a long enough passphrase", "orgs": []string{"{orgB}"}}
		run(t, env, baseVars(env), []scenario{
			{name: "me", as: analystA, method: "GET", path: "/api/v1/me", status: 200, check: mePerms(auth.PermOrgRead, auth.PermSystemWrite, auth.PermResourceClaim, auth.PermInventoryWrite,
				auth.PermIntelRead, auth.PermAlertRead, auth.PermAlertTriage, auth.PermIncidentReport, auth.PermIncidentRead,
				auth.PermAdvisoryRead, auth.PermActionRead, auth.PermActionWork)},
			{name: "administrator lists everyone", as: admin, method: "GET", path: "/api/v1/users", status: 200, check: count(len(apptest.Personas))},
			{name: "admin A sees only itself", as: adminA, method: "GET", path: "/api/v1/users", status: 200, check: count(1)},
			{name: "filter by role", as: admin, method: "GET", path: "/api/v1/users?role=constituent-admin", status: 200, check: count(2)},
			{name: "filter by org", as: admin, method: "GET", path: "/api/v1/users?org={orgA}&sort=-email", status: 200, check: count(2)},
			{name: "administrator creates", as: admin, method: "POST", path: "/api/v1/users", body: newUser, status: 201, check: save("new")},
			{name: "e-mail taken", as: admin, method: "POST", path: "/api/v1/users", body: newUser, status: 409, code: "user.email_taken", field: "email"},
			{name: "coordinator may not manage users", as: coord, method: "POST", path: "/api/v1/users", body: newUser, status: 403, code: "user.forbidden"},
			{name: "admin A may not either", as: adminA, method: "POST", path: "/api/v1/users", body: newUser, status: 403, code: "user.forbidden"},
			{name: "short password", as: admin, method: "POST", path: "/api/v1/users", status: 422, field: "password",
				body: map[string]any{"email": "x@b.example.vn", "name": "X", "role": "leadership", "password": "short"}},
			{name: "a user reads itself", as: analystA, method: "GET", path: "/api/v1/users/{user.analyst-a}", status: 200, check: field("role", "constituent-analyst")},
			{name: "a user renames itself", as: analystA, method: "PATCH", path: "/api/v1/users/{user.analyst-a}", status: 200,
				body: map[string]any{"name": "Phân tích viên", "language": "en"}, check: field("language", "en")},
			{name: "nobody promotes themself", as: analystA, method: "PATCH", path: "/api/v1/users/{user.analyst-a}", status: 403,
				body: map[string]any{"role": "administrator"}, code: "user.self_change"},
			{name: "administrator adds a membership", as: admin, method: "POST", path: "/api/v1/users/{new}/memberships", status: 200,
				body: map[string]any{"org_id": "{orgA}"}, check: memberships(2)},
			{name: "membership needs an org", as: admin, method: "POST", path: "/api/v1/users/{new}/memberships", status: 422,
				body: map[string]any{}, field: "org_id"},
			{name: "administrator removes one", as: admin, method: "DELETE", path: "/api/v1/users/{new}/memberships/{orgB}", status: 204},
			{name: "the last one stays", as: admin, method: "DELETE", path: "/api/v1/users/{new}/memberships/{orgA}", status: 422, code: "user.needs_org"},
			{name: "administrator disables", as: admin, method: "PATCH", path: "/api/v1/users/{new}", status: 200,
				body: map[string]any{"disabled": true}, check: field("disabled", true)},
		})
	})
}

// memberships wants a user answer with n organisations.
func memberships(n int) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		t.Helper()
		if u := apptest.JSON[auth.User](t, rec); len(u.Orgs) != n {
			t.Errorf("orgs %v, want %d", u.Orgs, n)
		}
	}
}

// mePerms wants /me to list exactly perms.
func mePerms(perms ...auth.Permission) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		t.Helper()
		got := apptest.JSON[struct {
			Permissions []auth.Permission `json:"permissions"`
		}](t, rec)
		if !slices.Equal(got.Permissions, perms) {
			t.Errorf("permissions %v, want %v", got.Permissions, perms)
		}
	}
}

func TestTokenScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		v := baseVars(env)
		run(t, env, v, []scenario{
			{name: "own tokens", as: analystA, method: "GET", path: "/api/v1/tokens", status: 200, check: count(1)},
			{name: "a narrower token", as: analystA, method: "POST", path: "/api/v1/tokens", status: 201,
				body: map[string]any{"name": "read only", "permissions": []string{"org:read"}}, check: saveSecret},
			{name: "it reads", as: "{secret}", method: "GET", path: "/api/v1/me", status: 200, check: mePerms(auth.PermOrgRead)},
			{name: "beyond the role", as: analystA, method: "POST", path: "/api/v1/tokens", status: 422, field: "permissions",
				body: map[string]any{"name": "greedy", "permissions": []string{"resource:approve"}}},
			{name: "a token cannot widen itself", as: "{secret}", method: "POST", path: "/api/v1/tokens", status: 403, code: "token.exceeds_creator",
				body: map[string]any{"name": "wider", "permissions": []string{"system:write"}}},
			{name: "two tokens now", as: analystA, method: "GET", path: "/api/v1/tokens", status: 200, check: count(2)},
			{name: "admin B cannot list A's", as: adminB, method: "GET", path: "/api/v1/tokens?user={user.analyst-a}", status: 404},
			{name: "administrator can", as: admin, method: "GET", path: "/api/v1/tokens?user={user.analyst-a}", status: 200, check: count(2)},
			{name: "revoke", as: analystA, method: "DELETE", path: "/api/v1/tokens/{token}", status: 204},
			{name: "revoked twice is fine", as: analystA, method: "DELETE", path: "/api/v1/tokens/{token}", status: 204},
			{name: "a revoked token is refused", as: "{secret}", method: "GET", path: "/api/v1/me", status: 401, code: "auth.bad_token",
				check: header("WWW-Authenticate", `Bearer realm="khien", error="invalid_token"`)},
		})
	})
}

// saveSecret keeps a new token's ID and secret.
func saveSecret(t *testing.T, rec *httptest.ResponseRecorder, v vars) {
	t.Helper()
	got := apptest.JSON[struct {
		Token  auth.Token `json:"token"`
		Secret string     `json:"secret"`
	}](t, rec)
	if got.Secret == "" || got.Token.ID == "" {
		t.Fatalf("no token: %s", rec.Body)
	}
	v["token"], v["secret"] = got.Token.ID, got.Secret
}

func TestAuditScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		run(t, env, baseVars(env), []scenario{
			{name: "a change to find", as: adminA, method: "PATCH", path: "/api/v1/orgs/{orgA}", body: map[string]any{"sector": "Ngân hàng"}, status: 200},
			{name: "coordinator reads", as: coord, method: "GET", path: "/api/v1/audit?action=org.update", status: 200,
				check: auditAll(func(e audit.Entry) bool { return e.Action == "org.update" }, 1)},
			{name: "admin A reads A's part", as: adminA, method: "GET", path: "/api/v1/audit", status: 200,
				check: auditAll(func(e audit.Entry) bool { return e.OrgID == env.OrgA.ID }, -1)},
			{name: "filter by actor", as: coord, method: "GET", path: "/api/v1/audit?actor={user.admin-a}&org={orgA}", status: 200,
				check: auditAll(func(e audit.Entry) bool { return e.ActorID == env.Users[adminA].ID }, 1)},
			{name: "a window", as: coord, method: "GET", path: "/api/v1/audit?from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z&limit=1", status: 200, check: count(1)},
			{name: "a window backwards", as: coord, method: "GET", path: "/api/v1/audit?from=2020-01-01T00:00:00Z&to=2019-01-01T00:00:00Z", status: 422, field: "to"},
			{name: "a bad time", as: coord, method: "GET", path: "/api/v1/audit?from=yesterday", status: 422, field: "from"},
			{name: "analyst A may not read", as: analystA, method: "GET", path: "/api/v1/audit", status: 403, code: "audit.forbidden"},
			{name: "leadership may not read", as: lead, method: "GET", path: "/api/v1/audit", status: 403, code: "audit.forbidden"},
			{name: "coordinator verifies", as: coord, method: "POST", path: "/api/v1/audit/verify", status: 200, check: both(field("ok", true), field("first_bad", -1))},
			{name: "admin A may not verify", as: adminA, method: "POST", path: "/api/v1/audit/verify", status: 403, code: "audit.forbidden"},
		})
	})
}

// auditAll wants every entry to satisfy ok, and n entries (-1: at least one).
func auditAll(ok func(audit.Entry) bool, n int) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		t.Helper()
		got := apptest.JSON[struct {
			Items []audit.Entry `json:"items"`
		}](t, rec)
		if n >= 0 && len(got.Items) != n || n < 0 && len(got.Items) == 0 {
			t.Errorf("%d entries, want %d", len(got.Items), n)
		}
		for _, e := range got.Items {
			if !ok(e) {
				t.Errorf("entry %d (%s, org %q, actor %q) should not be listed", e.Index, e.Action, e.OrgID, e.ActorID)
			}
		}
	}
}
