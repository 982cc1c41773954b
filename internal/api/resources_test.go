package api_test

import (
	"net/http/httptest"
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
)

// Writes by roles that may see the object but not change it are in
// TestWriteWithoutPermission; other tenants' objects in TestCrossTenant.
func TestResourceScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		cidr := map[string]any{"type": "cidr", "value": "203.0.113.0/24", "note": "trung tâm dữ liệu"}
		run(t, env, baseVars(env), []scenario{
			{name: "admin A claims", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/resources", body: cidr, status: 201,
				check: both(save("cidr"), field("status", "pending"))},
			{name: "admin B claims the same", as: adminB, method: "POST", path: "/api/v1/orgs/{orgB}/resources", body: cidr, status: 409,
				code: "resource.claimed", field: "value"},
			{name: "analyst A claims a domain", as: analystA, method: "POST", path: "/api/v1/orgs/{orgA}/resources", status: 201,
				body: map[string]any{"type": "domain", "value": "Mail.A.Example.VN."}, check: both(save("domain"), field("value", "mail.a.example.vn"))},
			{name: "admin B claims an ASN", as: adminB, method: "POST", path: "/api/v1/orgs/{orgB}/resources", status: 201,
				body: map[string]any{"type": "asn", "value": "64500"}, check: both(save("asn"), field("value", "AS64500"))},
			{name: "unknown type", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/resources", status: 422, field: "type",
				body: map[string]any{"type": "ipv4", "value": "192.0.2.1"}},

			{name: "pending is not an owner", as: coord, method: "GET", path: "/api/v1/ownership?q=203.0.113.7", status: 404, code: "ownership.not_found"},
			{name: "the approval queue", as: coord, method: "GET", path: "/api/v1/resources?status=pending", status: 200, check: count(3)},
			{name: "admin A sees its claims", as: adminA, method: "GET", path: "/api/v1/resources", status: 200, check: allIn(2, "orgA")},
			{name: "filter by type", as: coord, method: "GET", path: "/api/v1/resources?type=asn", status: 200, check: allIn(1, "orgB")},
			{name: "filter by org", as: coord, method: "GET", path: "/api/v1/resources?org={orgA}&sort=value", status: 200, check: allIn(2, "orgA")},
			{name: "unknown status", as: coord, method: "GET", path: "/api/v1/resources?status=maybe", status: 422, field: "status"},
			{name: "admin A may not approve", as: adminA, method: "POST", path: "/api/v1/resources/{cidr}/approve", status: 403, code: "resource.forbidden"},
			{name: "admin B cannot see A's claim", as: adminB, method: "POST", path: "/api/v1/resources/{cidr}/approve", status: 404, code: "resource.not_found"},
			{name: "coordinator approves", as: coord, method: "POST", path: "/api/v1/resources/{cidr}/approve", status: 200, check: field("status", "approved")},
			{name: "approved twice", as: coord, method: "POST", path: "/api/v1/resources/{cidr}/approve", status: 409, code: "resource.decided"},
			{name: "a rejection needs a reason", as: coord, method: "POST", path: "/api/v1/resources/{asn}/reject", status: 422,
				body: map[string]any{"reason": " "}, field: "reason"},
			{name: "coordinator rejects", as: coord, method: "POST", path: "/api/v1/resources/{asn}/reject", status: 200,
				body: map[string]any{"reason": "thuộc nhà mạng"}, check: both(field("status", "rejected"), field("reason", "thuộc nhà mạng"))},
			{name: "admin A reads its claim", as: adminA, method: "GET", path: "/api/v1/resources/{cidr}", status: 200, check: field("status", "approved")},

			{name: "owner of an address", as: coord, method: "GET", path: "/api/v1/ownership?q=203.0.113.7", status: 200,
				check: both(field("resource", "203.0.113.0/24"), ownerIs("orgA"))},
			{name: "owner as the owner", as: analystA, method: "GET", path: "/api/v1/ownership?q=203.0.113.200", status: 200, check: ownerIs("orgA")},
			{name: "owner as leadership", as: lead, method: "GET", path: "/api/v1/ownership?q=203.0.113.7", status: 200, check: ownerIs("orgA")},
			{name: "another tenant learns nothing", as: adminB, method: "GET", path: "/api/v1/ownership?q=203.0.113.7", status: 404, code: "ownership.not_found"},
			{name: "outside the prefix", as: coord, method: "GET", path: "/api/v1/ownership?q=203.0.114.1", status: 404, code: "ownership.not_found"},
			{name: "pending domain is no owner", as: coord, method: "GET", path: "/api/v1/ownership?q=mail.a.example.vn", status: 404},
			{name: "rejected ASN is no owner", as: coord, method: "GET", path: "/api/v1/ownership?q=AS64500", status: 404},
			{name: "no query", as: coord, method: "GET", path: "/api/v1/ownership", status: 422, field: "q"},
			{name: "not a resource", as: coord, method: "GET", path: "/api/v1/ownership?q=not%20a%20thing!", status: 422, code: "ownership.bad_query", field: "q"},

			{name: "admin A withdraws", as: adminA, method: "DELETE", path: "/api/v1/resources/{cidr}", status: 204},
			{name: "withdrawn leaves the index", as: coord, method: "GET", path: "/api/v1/ownership?q=203.0.113.7", status: 404},
			{name: "withdrawn is gone", as: adminA, method: "GET", path: "/api/v1/resources/{cidr}", status: 404, code: "resource.not_found"},
		})
	})
}

// TestOwnershipLookup is the story of the brief: a CIDR approved for A
// answers A for an address inside it; a pending claim answers nothing.
func TestOwnershipLookup(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		run(t, env, baseVars(env), []scenario{
			{name: "claim", as: adminA, method: "POST", path: "/api/v1/orgs/{orgA}/resources", status: 201,
				body: map[string]any{"type": "cidr", "value": "203.0.113.0/24"}, check: save("id")},
			{name: "pending answers nothing", as: coord, method: "GET", path: "/api/v1/ownership?q=203.0.113.7", status: 404},
			{name: "approve", as: coord, method: "POST", path: "/api/v1/resources/{id}/approve", status: 200},
			{name: "approved answers A", as: coord, method: "GET", path: "/api/v1/ownership?q=203.0.113.7", status: 200,
				check: both(ownerIs("orgA"), field("query", "203.0.113.7"), field("resource", "203.0.113.0/24"))},
		})
	})
}

func ownerIs(org string) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, v vars) {
		t.Helper()
		got := apptest.JSON[struct {
			Org item `json:"org"`
		}](t, rec)
		if got.Org.ID != v[org] {
			t.Errorf("owner %s (%s), want %s", got.Org.ID, got.Org.Slug, org)
		}
	}
}
