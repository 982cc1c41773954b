package api_test

import (
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
)

// TestBadInput sends input that must be refused with a clear status, code
// and field, and checks that each refusal changed nothing at all.
func TestBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		v := baseVars(env)
		badInputSetUp(t, env, v)
		huge := strings.Repeat("x", 1<<20+1)
		contacts := "/api/v1/orgs/{orgA}/contacts"
		bad := []scenario{
			{name: "prefix longer than 32", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/resources", status: 422, field: "value",
				body: map[string]any{"type": "cidr", "value": "10.0.0.0/33"}},
			{name: "a CIDR already claimed by A", as: adminB, method: "POST", path: "/api/v1/orgs/{orgB}/resources", status: 409,
				code: "resource.claimed", field: "value", body: map[string]any{"type": "cidr", "value": "198.51.100.0/24"}},
			{name: "the same CIDR written differently", as: adminB, method: "POST", path: "/api/v1/orgs/{orgB}/resources", status: 409,
				code: "resource.claimed", body: map[string]any{"type": "cidr", "value": "198.51.100.77/24"}},
			{name: "a domain that is not one", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/resources", status: 422, field: "value",
				body: map[string]any{"type": "domain", "value": "not a domain!"}},
			{name: "a CPE that does not parse", as: adminA, method: "POST", path: "/api/v1/systems/{sys}/software", status: 422, field: "cpe",
				body: map[string]any{"cpe": "cpe:2.3:a:only-vendor"}},
			{name: "security level 6", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/systems", status: 422, field: "security_level",
				body: map[string]any{"name": "Sáu", "security_level": 6}},
			{name: "security level 6 by patch", as: adminA, method: "PATCH", path: "/api/v1/systems/{sys}", status: 422, field: "security_level",
				body: map[string]any{"security_level": 6}},
			{name: "a CSV with one bad row", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/inventory.csv", status: 422,
				code: "inventory.bad_rows", field: "rows[3].cpe",
				body: csvBody("system,cpe,product", "Cổng,,Nginx", "Cổng,cpe:2.3:nonsense,", "Cổng,,Postfix")},
			{name: "a JSON body over 1 MiB", as: adminA, method: "POST", path: contacts, status: 413, code: "request.too_large",
				body: map[string]any{"name": huge, "role": "abuse", "email": "a@a.example.vn"}},
			{name: "a CSV body over 5 MiB", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/inventory.csv", status: 413, code: "request.too_large",
				body: csvBody("system,product", strings.Repeat("Cổng,Nginx\n", 500_000))},
			{name: "an unknown JSON field", as: adminA, method: "POST", path: contacts, status: 400, code: "request.unknown_field", field: "colour",
				body: map[string]any{"name": "X", "role": "abuse", "email": "x@a.example.vn", "colour": "red"}},
			{name: "a field that is read-only", as: adminA, method: "POST", path: contacts, status: 400, code: "request.unknown_field", field: "org_id",
				body: map[string]any{"name": "X", "role": "abuse", "email": "x@a.example.vn", "org_id": "{orgB}"}},
			{name: "a field of the wrong type", as: adminA, method: "POST", path: contacts, status: 422, code: "request.bad_type", field: "name",
				body: map[string]any{"name": 7, "role": "abuse", "email": "x@a.example.vn"}},
			{name: "a SQL-looking sort", as: coord, method: "GET", path: "/api/v1/orgs?sort=name%3BDROP%20TABLE%20orgs", status: 422,
				code: "page.bad_sort", field: "sort"},
			{name: "an unlisted sort", as: coord, method: "GET", path: "/api/v1/resources?sort=-org_id", status: 422, code: "page.bad_sort", field: "sort"},
			{name: "a form instead of JSON", as: adminA, method: "POST", path: contacts, status: 400, code: "request.content_type",
				body: apptest.Raw{ContentType: "application/x-www-form-urlencoded", Body: []byte("name=X&role=abuse&email=x%40a.example.vn")}},
			{name: "not JSON at all", as: adminA, method: "POST", path: contacts, status: 400, code: "request.bad_json",
				body: apptest.Raw{ContentType: "application/json", Body: []byte(`{"name": `)}},
			{name: "two JSON values", as: adminA, method: "POST", path: contacts, status: 400, code: "request.trailing_data",
				body: apptest.Raw{ContentType: "application/json", Body: []byte(`{"name":"X","role":"abuse","email":"x@a.example.vn"} {}`)}},
			{name: "an empty body", as: adminA, method: "POST", path: contacts, status: 400, code: "request.empty",
				body: apptest.Raw{ContentType: "application/json"}},
			{name: "an unknown query parameter", as: coord, method: "GET", path: "/api/v1/orgs?owner=me", status: 400,
				code: "request.unknown_parameter", field: "owner"},
			{name: "a filter of another list", as: coord, method: "GET", path: "/api/v1/orgs?status=pending", status: 400,
				code: "request.unknown_parameter", field: "status"},
			{name: "a repeated query parameter", as: coord, method: "GET", path: "/api/v1/orgs?kind=isp&kind=agency", status: 400,
				code: "request.repeated_parameter", field: "kind"},
			{name: "a malformed query", as: coord, method: "GET", path: "/api/v1/orgs?q=%zz", status: 400, code: "request.bad_query"},
		}
		for i := range bad {
			bad[i].same = true
		}
		run(t, env, v, bad)
	})
}

// badInputSetUp makes what the bad input refers to: a system of A and a
// CIDR claimed by A.
func badInputSetUp(t *testing.T, env *apptest.Env, v vars) {
	t.Helper()
	run(t, env, v, []scenario{
		{name: "a system", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/systems", status: 201,
			body: map[string]any{"name": "Cổng", "security_level": 2}, check: save("sys")},
		{name: "a claim by A", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/resources", status: 201,
			body: map[string]any{"type": "cidr", "value": "198.51.100.0/24"}},
	})
}
