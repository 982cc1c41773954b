package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/evidence"
)

// TestEvidenceShared: the holder shares an item of an incident's case with
// the incident's responders; a mobilised responder then reads exactly that
// item through the ordinary evidence endpoints, and nothing else.
func TestEvidenceShared(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := t.Context()
		inc := incidentB(t, env)
		_, err := env.App.Evidence.OpenCase(ctx, auth.System(), evidence.Case{ID: inc.ID, OrgID: inc.OrgID, Reference: inc.Reference})
		must(t, err)
		_, err = env.App.Evidence.Assign(ctx, auth.System(), inc.ID, env.Users[invest].ID, evidence.CaseInvestigator)
		must(t, err)
		m := sampleMeta
		m.CollectedAt = time.Now().Add(-time.Hour)
		it, err := env.App.Evidence.Add(ctx, principal(env, invest), inc.ID, m, evidence.Note{}, strings.NewReader("shared bytes"))
		must(t, err)
		other, err := env.App.Evidence.Add(ctx, principal(env, invest), inc.ID, m, evidence.Note{}, strings.NewReader("kept bytes"))
		must(t, err)
		v := baseVars(env)
		v["case"], v["item"], v["other"] = inc.ID, it.ID, other.ID
		const cases = "/api/v1/evidence/cases"
		item := "/api/v1/evidence/items/{item}"
		share := map[string]any{"shared": true, "reason": "đội ứng cứu cần"}
		run(t, env, v, []scenario{
			{name: "share needs a reason", as: invest, method: "POST", path: item + "/share", status: 422, field: "reason",
				body: map[string]any{"shared": true}, same: true},
			{name: "share needs a yes or no", as: invest, method: "POST", path: item + "/share", status: 422, field: "shared",
				body: map[string]any{"reason": "x"}, same: true},
			{name: "the responder cannot share", as: resp, method: "POST", path: item + "/share", status: 404, body: share, same: true},
			{name: "the holder shares", as: invest, method: "POST", path: item + "/share", status: 200, body: share,
				check: field("shared", true)},
			{name: "twice is a conflict", as: invest, method: "POST", path: item + "/share", status: 409,
				code: "evidence.already_shared", body: share},
			{name: "not mobilised: no cases", as: resp, method: "GET", path: cases, status: 200, check: count(0)},
			{name: "not mobilised: 404", as: resp, method: "GET", path: item, status: 404, same: true},
		})
		must(t, env.App.DB.GrantIncidentAccess(ctx, inc.ID, env.Users[resp].ID, "mobilised"))
		run(t, env, v, []scenario{
			{name: "mobilised: the case is listed", as: resp, method: "GET", path: cases, status: 200, check: count(1)},
			{name: "mobilised: the case", as: resp, method: "GET", path: cases + "/{case}", status: 200},
			{name: "mobilised: its shared item only", as: resp, method: "GET", path: cases + "/{case}/items", status: 200, check: count(1)},
			{name: "opening is a custody event", as: resp, method: "GET", path: item, status: 200,
				check: custodyKinds("collected", "received", "shared", "accessed")},
			{name: "download", as: resp, method: "GET", path: item + "/content?reason=analysis", status: 200, check: bodyIs("shared bytes")},
			{name: "the unshared item: 404", as: resp, method: "GET", path: "/api/v1/evidence/items/{other}", status: 404, same: true},
			{name: "no custody acts", as: resp, method: "POST", path: item + "/custody", status: 404, same: true,
				body: map[string]any{"kind": "analysed", "reason": "r"}},
			{name: "no transfers", as: resp, method: "POST", path: item + "/transfers", status: 404, same: true,
				body: map[string]any{"to": "{user.investigator}", "reason": "r"}},
			{name: "no export", as: resp, method: "POST", path: cases + "/{case}/export", status: 404, same: true,
				body: map[string]any{"to": "x", "reason": "r"}},
			{name: "no additions", as: resp, method: "POST", path: itemPath(""), status: 404, same: true, body: raw("x")},
			{name: "the holder withdraws it", as: invest, method: "POST", path: item + "/share", status: 200,
				body: map[string]any{"shared": false, "reason": "xong"}, check: field("shared", false)},
			{name: "unshared: 404", as: resp, method: "GET", path: item, status: 404, same: true},
			{name: "unshared: the case is gone", as: resp, method: "GET", path: cases + "/{case}/items", status: 404, same: true},
			{name: "shared again", as: invest, method: "POST", path: item + "/share", status: 200, body: share},
		})
		must(t, env.App.DB.RevokeIncidentAccess(ctx, inc.ID, env.Users[resp].ID, "released"))
		run(t, env, v, []scenario{
			{name: "released: 404", as: resp, method: "GET", path: item, status: 404, same: true},
			{name: "released: no cases", as: resp, method: "GET", path: cases, status: 200, check: count(0)},
		})
	})
}
