package api_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// firstItem saves the ID of a list's first item as name.
func firstItem(name string) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, v vars) {
		t.Helper()
		got := apptest.JSON[struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}](t, rec)
		if len(got.Items) == 0 {
			t.Fatalf("empty list: %s", rec.Body)
		}
		v[name] = got.Items[0].ID
	}
}

// TestPortalReviewScenarios: a report lands in the queue; the coordinator
// and the administrator confirm it (two different reviewers publish it);
// nobody confirms twice; other roles are refused; refusals change nothing.
func TestPortalReviewScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		if _, err := env.App.Portal.FileReport(t.Context(), auth.System(), portal.ReportInput{Kind: canon.KindDomain,
			Value: "www.vay-nhanh-24h.vn", Description: "Cho vay lãi thấp, đòi phí hồ sơ trước"}); err != nil {
			t.Fatal(err)
		}
		const v1 = "/api/v1/portal"
		run(t, env, baseVars(env), []scenario{
			{name: "no token", method: "GET", path: v1 + "/entries", status: 401},
			{name: "the queue", as: coord, method: "GET", path: v1 + "/entries?state=pending", status: 200,
				check: both(count(1), firstItem("e"))},
			{name: "a responder may not review", as: resp, method: "GET", path: v1 + "/entries", status: 403, code: "portal.forbidden"},
			{name: "unknown state", as: coord, method: "GET", path: v1 + "/entries?state=bogus", status: 422, same: true},
			{name: "the entry", as: coord, method: "GET", path: v1 + "/entries/{e}", status: 200, check: field("state", "pending")},
			{name: "its reports", as: coord, method: "GET", path: v1 + "/entries/{e}/reports", status: 200, check: count(1)},
			{name: "leadership may not confirm", as: lead, method: "POST", path: v1 + "/entries/{e}/confirm", status: 403,
				code: "portal.forbidden", same: true},
			{name: "first confirmation", as: coord, method: "POST", path: v1 + "/entries/{e}/confirm",
				body: map[string]any{"category": "loan"}, status: 200, check: field("state", "pending")},
			{name: "nobody confirms twice", as: coord, method: "POST", path: v1 + "/entries/{e}/confirm", status: 409,
				code: portal.CodeAlreadyConfirmed, same: true},
			{name: "a bad category", as: admin, method: "POST", path: v1 + "/entries/{e}/confirm",
				body: map[string]any{"category": "<script>"}, status: 422, field: "category", same: true},
			{name: "rejecting needs a reason", as: admin, method: "POST", path: v1 + "/entries/{e}/reject",
				body: map[string]any{}, status: 422, field: "reason", same: true},
			{name: "second reviewer publishes", as: admin, method: "POST", path: v1 + "/entries/{e}/confirm", status: 200,
				check: field("state", "published")},
			{name: "renew", as: admin, method: "POST", path: v1 + "/entries/{e}/renew", status: 200, check: field("state", "published")},
			{name: "unknown entry", as: coord, method: "GET", path: v1 + "/entries/nope", status: 404},
			{name: "a hotline report", as: admin, method: "POST", path: v1 + "/reports", status: 201,
				body: map[string]any{"kind": "phone", "value": "0912 345 678", "description": "Gọi tự xưng công an"}},
			{name: "a bad phone number", as: admin, method: "POST", path: v1 + "/reports", status: 422, field: "value", same: true,
				body: map[string]any{"kind": "phone", "value": "012"}},
			{name: "appeals", as: coord, method: "GET", path: v1 + "/appeals", status: 200, check: count(0)},
		})
		ans, err := env.App.Portal.Index().Check("https://shop.vay-nhanh-24h.vn/", time.Now())
		if err != nil || ans.Status != portal.StatusConfirmed {
			t.Errorf("look-up after publication: %+v, %v", ans, err)
		}
	})
}
