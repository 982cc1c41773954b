package api_test

import (
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/apptest"
)

// TestEvidenceDisposal: the caller's case list; legal hold, retention and
// destruction with their safeguards; and an item above a case
// assignment's TLP ceiling answering 404.
func TestEvidenceDisposal(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		v := baseVars(env)
		v["case"] = "case-a"
		v["confirm"] = sha(content)[:12]
		v["past"] = time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)
		v["future"] = time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339)
		const cases = "/api/v1/evidence/cases"
		item := "/api/v1/evidence/items/{item}"
		run(t, env, v, []scenario{
			{name: "no cases yet", as: invest, method: "GET", path: cases, status: 200, check: count(0)},
			{name: "open", as: coord, method: "POST", path: cases, status: 201, body: map[string]any{"id": "case-a", "org_id": "{orgA}"}},
			{name: "a bad ceiling", as: admin, method: "POST", path: cases + "/{case}/assignments", status: 422, field: "clearance", same: true,
				body: map[string]any{"user_id": "{user.investigator}", "role": "investigator", "clearance": "PURPLE"}},
			{name: "assign the investigator", as: admin, method: "POST", path: cases + "/{case}/assignments", status: 201,
				body: map[string]any{"user_id": "{user.investigator}", "role": "investigator"}},
			{name: "assign the coordinator up to AMBER", as: admin, method: "POST", path: cases + "/{case}/assignments", status: 201,
				body: map[string]any{"user_id": "{user.coordinator}", "role": "coordinator", "clearance": "AMBER"}, check: field("clearance", "AMBER")},
			{name: "the investigator's case list", as: invest, method: "GET", path: cases, status: 200, check: count(1)},
			{name: "a bad sort", as: invest, method: "GET", path: cases + "?sort=role", status: 422, field: "sort"},
			{name: "the administrator works with no evidence", as: admin, method: "GET", path: cases, status: 403},
			{name: "add an item", as: invest, method: "POST", path: itemPath(""), body: raw(content), status: 201, check: save("item")},
			{name: "add a RED item", as: invest, method: "POST", path: redItemPath(), body: raw("red"), status: 201, check: save("red")},
			{name: "RED above the coordinator's ceiling: 404", as: coord, method: "GET", path: "/api/v1/evidence/items/{red}", status: 404,
				code: "evidence.not_found", same: true},
			{name: "its content too", as: coord, method: "GET", path: "/api/v1/evidence/items/{red}/content?reason=x", status: 404, same: true},
			{name: "the AMBER item is seen", as: coord, method: "GET", path: item, status: 200},
			{name: "the investigator cannot release the hold", as: invest, method: "POST", path: item + "/hold", status: 404, same: true,
				body: map[string]any{"hold": false, "reason": "r"}},
			{name: "a hold needs a yes or no", as: coord, method: "POST", path: item + "/hold", status: 422, field: "hold", same: true,
				body: map[string]any{"reason": "r"}},
			{name: "destroying on hold", as: coord, method: "POST", path: item + "/destroy", status: 409, code: "evidence.on_hold", same: true,
				body: map[string]any{"confirm": "{confirm}", "reason": "QĐ 5"}},
			{name: "release", as: coord, method: "POST", path: item + "/hold", status: 200, check: field("legal_hold", false),
				body: map[string]any{"hold": false, "reason": "investigation closed"}},
			{name: "release again", as: coord, method: "POST", path: item + "/hold", status: 409, code: "evidence.hold_unchanged", same: true,
				body: map[string]any{"hold": false, "reason": "again"}},
			{name: "no retention date", as: coord, method: "POST", path: item + "/destroy", status: 409, code: "evidence.no_retention", same: true,
				body: map[string]any{"confirm": "{confirm}", "reason": "QĐ 5"}},
			{name: "retention in a year", as: coord, method: "POST", path: item + "/retention", status: 200,
				body: map[string]any{"retain_until": "{future}", "reason": "by law"}},
			{name: "retained", as: coord, method: "POST", path: item + "/destroy", status: 409, code: "evidence.retained", same: true,
				body: map[string]any{"confirm": "{confirm}", "reason": "QĐ 5"}},
			{name: "retention shortened by decision", as: coord, method: "POST", path: item + "/retention", status: 200,
				body: map[string]any{"retain_until": "{past}", "reason": "decision 7"}},
			{name: "a wrong confirmation", as: coord, method: "POST", path: item + "/destroy", status: 422, field: "confirm", same: true,
				body: map[string]any{"confirm": "000000000000", "reason": "QĐ 5"}},
			{name: "too short a confirmation", as: coord, method: "POST", path: item + "/destroy", status: 422, field: "confirm", same: true,
				body: map[string]any{"confirm": "{confirm}"[:0] + sha(content)[:6], "reason": "QĐ 5"}},
			{name: "destroy", as: coord, method: "POST", path: item + "/destroy", status: 200, check: field("state", "destroyed"),
				body: map[string]any{"confirm": "{confirm}", "reason": "QĐ 5"}},
			{name: "the content is gone", as: invest, method: "GET", path: item + "/content?reason=x", status: 409},
		})
	})
}

func redItemPath() string {
	return "/api/v1/evidence/cases/{case}/items?name=ram.raw&collected_by=A&collected_at=2026-01-02T03:04:05Z&legal_basis=L&tlp=RED"
}
