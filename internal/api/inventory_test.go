package api_test

import (
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
)

func csvBody(lines ...string) apptest.Raw {
	return apptest.Raw{ContentType: "text/csv; charset=utf-8", Body: []byte(strings.Join(lines, "\n") + "\n")}
}

// Writes by roles that may see the object but not change it are in
// TestWriteWithoutPermission; other tenants' objects in TestCrossTenant.
func TestInventoryScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		nginx := map[string]any{"cpe": "cpe:2.3:a:nginx:nginx:1.24.0:*:*:*:*:*:*:*"}
		run(t, env, baseVars(env), []scenario{
			{name: "a system", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/systems", status: 201,
				body: map[string]any{"name": "Cổng", "security_level": 2}, check: save("sys")},
			{name: "analyst A adds by CPE", as: analystA, method: "POST", path: "/api/v1/systems/{sys}/software", body: nginx, status: 201,
				check: both(save("sw"), field("product", "nginx"), field("version", "1.24.0"), field("org_id", "{orgA}"))},
			{name: "admin A adds by purl", as: adminA, method: "POST", path: "/api/v1/systems/{sys}/software", status: 201,
				body: map[string]any{"purl": "pkg:npm/lodash@4.17.21"}, check: field("product", "lodash")},
			{name: "a CPE that does not parse", as: adminA, method: "POST", path: "/api/v1/systems/{sys}/software", status: 422,
				body: map[string]any{"cpe": "cpe:2.3:x:nonsense"}, field: "cpe"},
			{name: "admin B cannot see the system", as: adminB, method: "POST", path: "/api/v1/systems/{sys}/software", body: nginx, status: 404, code: "system.not_found"},
			{name: "admin A lists", as: adminA, method: "GET", path: "/api/v1/systems/{sys}/software", status: 200, check: allIn(2, "orgA")},
			{name: "search", as: lead, method: "GET", path: "/api/v1/systems/{sys}/software?q=lodash&sort=vendor", status: 200, check: count(1)},
			{name: "admin B cannot list", as: adminB, method: "GET", path: "/api/v1/systems/{sys}/software", status: 404, code: "system.not_found"},

			{name: "CSV import", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/inventory.csv", status: 201,
				body: csvBody("system;product;version", "Cổng;OpenSSL;3.0.13", "{sys};Postfix;3.8.5"), check: field("created", 2)},
			{name: "CSV with a bad row", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/inventory.csv", status: 422,
				body: csvBody("system,cpe", "Cổng,cpe:2.3:a:nginx:nginx:1.25.0:*:*:*:*:*:*:*", "Cổng,cpe:bogus"), code: "inventory.bad_rows", field: "rows[3].cpe"},
			{name: "CSV naming an unknown system", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/inventory.csv", status: 422,
				body: csvBody("system,product", "Nowhere,Exim"), field: "rows[2].system"},
			{name: "CSV with an unknown column", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/inventory.csv", status: 422,
				body: csvBody("system,colour", "Cổng,blue"), code: "inventory.bad_csv", field: "file"},
			{name: "CSV as JSON", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/inventory.csv", status: 400,
				body: map[string]any{"csv": "no"}, code: "request.content_type"},
			{name: "nothing bad was imported", as: adminA, method: "GET", path: "/api/v1/systems/{sys}/software?limit=500", status: 200, check: count(4)},
			{name: "leadership may not import", as: lead, method: "POST", path: "/api/v1/orgs/{orgA}/inventory.csv", status: 403,
				body: csvBody("system,product", "Cổng,Exim"), code: "org.forbidden"},
			{name: "admin B cannot import into A", as: adminB, method: "POST", path: "/api/v1/orgs/{orgA}/inventory.csv", status: 404,
				body: csvBody("system,product", "Cổng,Exim"), code: "org.not_found"},

			{name: "analyst A removes", as: analystA, method: "DELETE", path: "/api/v1/software/{sw}", status: 204},
			{name: "removed is gone", as: analystA, method: "DELETE", path: "/api/v1/software/{sw}", status: 404, code: "software.not_found"},
		})
	})
}
