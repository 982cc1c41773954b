package api_test

import (
	"net/http/httptest"
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
)

// Writes by roles that may see the object but not change it are in
// TestWriteWithoutPermission; other tenants' objects in TestCrossTenant.
func TestOrgScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		const orgs = "/api/v1/orgs"
		run(t, env, baseVars(env), []scenario{
			{name: "no token", method: "GET", path: orgs, status: 401, code: "auth.required", check: header("WWW-Authenticate", `Bearer realm="khien"`)},
			{name: "unknown token", as: badToken, method: "GET", path: orgs, status: 401, code: "auth.bad_token"},
			{name: "coordinator sees all", as: coord, method: "GET", path: orgs, status: 200, check: count(3)},
			{name: "administrator sees all", as: admin, method: "GET", path: orgs, status: 200, check: count(3)},
			{name: "leadership sees all", as: lead, method: "GET", path: orgs, status: 200, check: count(3)},
			{name: "investigator sees all", as: invest, method: "GET", path: orgs, status: 200, check: count(3)},
			{name: "admin A sees A", as: adminA, method: "GET", path: orgs, status: 200, check: allIn(1, "orgA")},
			{name: "analyst A sees A", as: analystA, method: "GET", path: orgs, status: 200, check: allIn(1, "orgA")},
			{name: "admin B sees B", as: adminB, method: "GET", path: orgs, status: 200, check: allIn(1, "orgB")},
			{name: "responder sees its CERT", as: resp, method: "GET", path: orgs, status: 200, check: allIn(1, "cert")},
			{name: "filter by kind", as: coord, method: "GET", path: orgs + "?kind=enterprise", status: 200, check: count(2)},
			{name: "filter by folded name", as: coord, method: "GET", path: orgs + "?q=cong+ty+a", status: 200, check: allIn(1, "orgA")},
			{name: "unknown kind", as: coord, method: "GET", path: orgs + "?kind=bank", status: 422, field: "kind"},
			{name: "first page", as: coord, method: "GET", path: orgs + "?sort=-name&limit=2", status: 200, check: both(count(2), saveCursor)},
			{name: "second page", as: coord, method: "GET", path: orgs + "?sort=-name&limit=2&cursor={cursor}", status: 200, check: count(1)},
			{name: "forged cursor", as: coord, method: "GET", path: orgs + "?cursor=bm9wZQ", status: 422, code: "page.bad_cursor", field: "cursor"},
			{name: "limit not a number", as: coord, method: "GET", path: orgs + "?limit=ten", status: 422, code: "page.bad_limit", field: "limit"},

			{name: "coordinator creates", as: coord, method: "POST", path: orgs, status: 201,
				body: map[string]any{"slug": "org-c", "name": "Công ty C", "kind": "isp"}, check: save("orgC")},
			{name: "slug taken", as: coord, method: "POST", path: orgs, status: 409, code: "org.slug_taken", field: "slug",
				body: map[string]any{"slug": "org-c", "name": "Công ty C2", "kind": "isp"}},
			{name: "admin A may not create", as: adminA, method: "POST", path: orgs, status: 403, code: "org.forbidden",
				body: map[string]any{"slug": "org-d", "name": "D", "kind": "isp"}},
			{name: "leadership may not create", as: lead, method: "POST", path: orgs, status: 403, code: "org.forbidden",
				body: map[string]any{"slug": "org-d", "name": "D", "kind": "isp"}},

			{name: "admin A reads A", as: adminA, method: "GET", path: orgs + "/{orgA}", status: 200, check: field("slug", "org-a")},
			{name: "admin A reads A by slug", as: adminA, method: "GET", path: orgs + "/org-a", status: 200, check: field("id", "{orgA}")},
			{name: "admin A cannot see B", as: adminA, method: "GET", path: orgs + "/{orgB}", status: 404, code: "org.not_found"},
			{name: "admin A cannot see B by slug", as: adminA, method: "GET", path: orgs + "/org-b", status: 404, code: "org.not_found"},
			{name: "admin A renames A", as: adminA, method: "PATCH", path: orgs + "/{orgA}", status: 200,
				body: map[string]any{"name": "Công ty A mới"}, check: field("name", "Công ty A mới")},
			{name: "admin A cannot change its slug", as: adminA, method: "PATCH", path: orgs + "/{orgA}", status: 200,
				body: map[string]any{"slug": "mine"}, check: field("slug", "org-a")},
			{name: "analyst A may not edit A", as: analystA, method: "PATCH", path: orgs + "/{orgA}", status: 403, code: "org.forbidden",
				body: map[string]any{"name": "x"}},
			{name: "leadership may not edit", as: lead, method: "PATCH", path: orgs + "/{orgA}", status: 403, code: "org.forbidden",
				body: map[string]any{"name": "x"}},
			{name: "an org below itself", as: coord, method: "PATCH", path: orgs + "/{orgA}", status: 422, code: "org.parent_cycle", field: "parent_id",
				body: map[string]any{"parent_id": "{orgA}"}},
			{name: "coordinator moves C under A", as: coord, method: "PATCH", path: orgs + "/{orgC}", status: 200,
				body: map[string]any{"parent_id": "{orgA}"}, check: field("parent_id", "{orgA}")},
			{name: "filter by parent", as: coord, method: "GET", path: orgs + "?parent={orgA}", status: 200, check: count(1)},
		})
	})
}

func header(name, want string) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		t.Helper()
		if got := rec.Header().Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

func saveCursor(t *testing.T, rec *httptest.ResponseRecorder, v vars) {
	t.Helper()
	next := apptest.JSON[items](t, rec).Next
	if next == "" {
		t.Fatal("no next_cursor")
	}
	v["cursor"] = next
}

// Writes by roles that may see the object but not change it are in
// TestWriteWithoutPermission; other tenants' objects in TestCrossTenant.
func TestContactScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		duty := map[string]any{"name": "Trực ban", "role": "duty-24x7", "email": "soc@a.example.vn"}
		ciso := map[string]any{"name": "Giám đốc ATTT", "role": "ciso", "email": "ciso@a.example.vn", "language": "en"}
		run(t, env, baseVars(env), []scenario{
			{name: "admin A adds", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/contacts", body: duty, status: 201, check: save("contact")},
			{name: "admin A adds by slug", as: adminA, method: "POST", path: "/api/v1/orgs/org-a/contacts", body: ciso, status: 201, check: field("org_id", "{orgA}")},
			{name: "coordinator adds to B", as: coord, method: "POST", path: "/api/v1/orgs/{orgB}/contacts", body: duty, status: 201},
			{name: "bad e-mail", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/contacts", status: 422, field: "email",
				body: map[string]any{"name": "x", "role": "abuse", "email": "not an address"}},
			{name: "unknown role", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/contacts", status: 422, field: "role",
				body: map[string]any{"name": "x", "role": "boss", "email": "x@a.example.vn"}},
			{name: "admin A lists A", as: adminA, method: "GET", path: "/api/v1/orgs/{orgA}/contacts", status: 200, check: allIn(2, "orgA")},
			{name: "analyst A lists A", as: analystA, method: "GET", path: "/api/v1/orgs/{orgA}/contacts", status: 200, check: allIn(2, "orgA")},
			{name: "filter by role", as: analystA, method: "GET", path: "/api/v1/orgs/{orgA}/contacts?role=ciso", status: 200, check: count(1)},
			{name: "responder cannot see A", as: resp, method: "GET", path: "/api/v1/orgs/{orgA}/contacts", status: 404, code: "org.not_found"},
			{name: "leadership lists B", as: lead, method: "GET", path: "/api/v1/orgs/{orgB}/contacts", status: 200, check: allIn(1, "orgB")},
			{name: "admin A replaces", as: adminA, method: "PUT", path: "/api/v1/contacts/{contact}", status: 200,
				body: map[string]any{"name": "Trực ban 24/7", "role": "duty-24x7", "email": "duty@a.example.vn"}, check: field("email", "duty@a.example.vn")},
			{name: "admin A confirms", as: adminA, method: "POST", path: "/api/v1/contacts/{contact}/confirm", status: 200, check: field("id", "{contact}")},
			{name: "admin A deletes", as: adminA, method: "DELETE", path: "/api/v1/contacts/{contact}", status: 204},
			{name: "deleted is gone", as: adminA, method: "POST", path: "/api/v1/contacts/{contact}/confirm", status: 404, code: "contact.not_found"},
		})
	})
}

// Writes by roles that may see the object but not change it are in
// TestWriteWithoutPermission; other tenants' objects in TestCrossTenant.
func TestSystemScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		portal := map[string]any{"name": "Cổng thông tin", "security_level": 3, "internet_facing": true}
		run(t, env, baseVars(env), []scenario{
			{name: "admin A registers", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/systems", body: portal, status: 201, check: save("sys")},
			{name: "analyst A registers", as: analystA, method: "POST", path: "/api/v1/orgs/{orgA}/systems", status: 201,
				body: map[string]any{"name": "Hệ thống thư", "security_level": 2, "parent_id": "{sys}"}, check: save("component")},
			{name: "name taken", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/systems", body: portal, status: 409, code: "system.name_taken", field: "name"},
			{name: "responder cannot see A", as: resp, method: "POST", path: "/api/v1/orgs/{orgA}/systems", body: portal, status: 404, code: "org.not_found"},
			{name: "level out of range", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/systems", status: 422, field: "security_level",
				body: map[string]any{"name": "X", "security_level": 0}},
			{name: "level of the wrong type", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/systems", status: 422, code: "request.bad_type", field: "security_level",
				body: map[string]any{"name": "X", "security_level": "three"}},
			{name: "admin A lists", as: adminA, method: "GET", path: "/api/v1/orgs/{orgA}/systems", status: 200, check: allIn(2, "orgA")},
			{name: "filter by level", as: adminA, method: "GET", path: "/api/v1/orgs/{orgA}/systems?level=3", status: 200, check: count(1)},
			{name: "level filter not a number", as: adminA, method: "GET", path: "/api/v1/orgs/{orgA}/systems?level=high", status: 422, field: "level"},
			{name: "sort by level", as: adminA, method: "GET", path: "/api/v1/orgs/{orgA}/systems?sort=-security_level", status: 200, check: count(2)},
			{name: "leadership reads", as: lead, method: "GET", path: "/api/v1/systems/{sys}", status: 200, check: field("security_level", 3)},
			{name: "admin B cannot", as: adminB, method: "GET", path: "/api/v1/systems/{sys}", status: 404, code: "system.not_found"},
			{name: "analyst A raises the level", as: analystA, method: "PATCH", path: "/api/v1/systems/{sys}", status: 200,
				body: map[string]any{"security_level": 4}, check: both(field("security_level", 4), field("name", "Cổng thông tin"))},
			{name: "a component raises the composite", as: analystA, method: "PATCH", path: "/api/v1/systems/{component}", status: 200,
				body: map[string]any{"security_level": 5}},
			{name: "effective level", as: analystA, method: "GET", path: "/api/v1/systems/{sys}", status: 200, check: field("effective_level", 5)},
		})
	})
}
