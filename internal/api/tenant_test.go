package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/api"
	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/tlp"
)

// tenantFixtures make one object of each tenant kind in organisation B and
// return the path parameters that name it. A route whose Tenant has no
// fixture here fails TestCrossTenant: add one.
var tenantFixtures = map[string]func(t *testing.T, env *apptest.Env) vars{
	"org": func(t *testing.T, env *apptest.Env) vars {
		return vars{"id": env.OrgB.ID, "org": env.OrgB.ID}
	},
	"contact": func(t *testing.T, env *apptest.Env) vars {
		c, err := env.App.Org.CreateContact(t.Context(), auth.System(),
			org.Contact{OrgID: env.OrgB.ID, Name: "Abuse B", Role: org.ContactAbuse, Email: "abuse@b.example.vn"})
		must(t, err)
		return vars{"id": c.ID}
	},
	"system": func(t *testing.T, env *apptest.Env) vars {
		return vars{"id": systemB(t, env).ID}
	},
	"resource": func(t *testing.T, env *apptest.Env) vars {
		r, err := env.App.Org.ClaimResource(t.Context(), auth.System(),
			org.Resource{OrgID: env.OrgB.ID, Type: org.ResourceCIDR, Value: "192.0.2.0/24"})
		must(t, err)
		return vars{"id": r.ID}
	},
	"software": func(t *testing.T, env *apptest.Env) vars {
		s, err := env.App.Org.AddSoftware(t.Context(), auth.System(),
			org.Software{SystemID: systemB(t, env).ID, Product: "Exim", Version: "4.97"})
		must(t, err)
		return vars{"id": s.ID}
	},
	"user": func(t *testing.T, env *apptest.Env) vars {
		return vars{"id": env.Users[adminB].ID}
	},
	"membership": func(t *testing.T, env *apptest.Env) vars {
		return vars{"id": env.Users[adminB].ID, "org": env.OrgB.ID}
	},
	"token": func(t *testing.T, env *apptest.Env) vars {
		ts, err := env.App.Auth.ListTokens(t.Context(), auth.System(), env.Users[adminB].ID)
		must(t, err)
		return vars{"id": ts[0].ID}
	},
	"sensor": func(t *testing.T, env *apptest.Env) vars {
		return vars{"id": sensorIn(t, env, env.OrgB.ID, "Suricata B").ID}
	},
	"alert": func(t *testing.T, env *apptest.Env) vars {
		return vars{"id": alertOn(t, env, "203.0.113.66", tlp.Amber, env.OrgB.ID).ID}
	},
	"evidence_case":       evidenceFixtures["evidence_case"],
	"evidence_assignment": evidenceFixtures["evidence_assignment"],
	"evidence_item":       evidenceFixtures["evidence_item"],
	"evidence_upload":     evidenceFixtures["evidence_upload"],
	"evidence_transfer":   evidenceFixtures["evidence_transfer"],
	"notification":        notifyFixtures["notification"],
	"webhook":             notifyFixtures["webhook"],
	"action":              actionFixtures["action"],
	"action_exception":    actionFixtures["action_exception"],
	"incident":            incidentFixtures["incident"],
	"incident_task":       incidentFixtures["incident_task"],
	"incident_file":       incidentFixtures["incident_file"],
	"responder":           allianceFixtures["responder"],
	"mobilisation":        allianceFixtures["mobilisation"],
	"mobilisation_ask":    allianceFixtures["mobilisation_ask"],
}

// systemB returns organisation B's system, registering it the first time.
func systemB(t *testing.T, env *apptest.Env) org.System {
	t.Helper()
	res, err := env.App.Org.ListSystems(t.Context(), auth.System(), org.SystemFilter{OrgID: env.OrgB.ID}, pageAll)
	must(t, err)
	if len(res.Items) > 0 {
		return res.Items[0]
	}
	s, err := env.App.Org.CreateSystem(t.Context(), auth.System(), org.System{OrgID: env.OrgB.ID, Name: "SCADA B", Level: 4})
	must(t, err)
	return s
}

// TestCrossTenant calls every route that names a tenant object with
// organisation B's object, as A's constituent admin and analyst. Each must
// answer 404, exactly as for an object that does not exist, and change
// nothing. The routes come from the route table and the bodies from the
// examples in openapi.yaml, so a route added later is covered without
// touching this test (or fails it, when its kind of object has no fixture).
func TestCrossTenant(t *testing.T) {
	s := loadSpec(t)
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		made := map[string]vars{}
		covered := 0
		for _, rt := range api.Routes() {
			if rt.Tenant == "" {
				continue
			}
			fixture, ok := tenantFixtures[rt.Tenant]
			if !ok {
				t.Errorf("%s names a %q, which has no entry in tenantFixtures", rt.Pattern(), rt.Tenant)
				continue
			}
			if made[rt.Tenant] == nil {
				made[rt.Tenant] = fixture(t, env)
			}
			path := fillPath(t, made[rt.Tenant], rt.Path)
			var body any
			if ex, ok := example(t, s, rt); ok {
				body = ex
			}
			for _, as := range []string{adminA, analystA} {
				t.Run(rt.Pattern()+" as "+as, func(t *testing.T) {
					before := snapshot(t, env)
					rec := env.As(t, as, rt.Method, path, body)
					if rec.Code != http.StatusNotFound {
						t.Fatalf("%s %s: status %d, want 404; body: %s", rt.Method, path, rec.Code, rec.Body)
					}
					if p := apptest.Problem(t, rec); !strings.HasSuffix(p.Code, "not_found") {
						t.Errorf("code %q, want a *.not_found code", p.Code)
					}
					unchanged(t, env, before)
				})
				covered++
			}
		}
		if covered == 0 {
			t.Fatal("no tenant routes in the route table")
		}
	})
}
