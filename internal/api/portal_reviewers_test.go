package api_test

import (
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// trustedCandidate makes an alliance member company and a responder of it
// with an API token.
func trustedCandidate(t *testing.T, env *apptest.Env) (auth.User, string) {
	t.Helper()
	ctx := t.Context()
	o, err := env.App.Org.CreateOrg(ctx, auth.System(), org.Org{Slug: "an-ninh-tin-cay", Name: "Công ty An ninh Tin cậy",
		Kind: org.KindAllianceMember})
	must(t, err)
	u, err := env.App.Auth.CreateUser(ctx, auth.System(), auth.NewUser{Email: "chuyen.gia@an-ninh-tin-cay.vn",
		Name: "Chuyên gia", Role: auth.RoleResponder, Password: apptest.Password, Orgs: []string{o.ID}})
	must(t, err)
	_, secret, err := env.App.Auth.CreateToken(ctx, auth.System(), auth.NewToken{UserID: u.ID, Name: "member"})
	must(t, err)
	return u, secret
}

// TestPortalReviewerScenarios: a coordinator designates an alliance
// member's responder (a responder of no alliance member is refused on the
// email field, nothing stored), lists and revokes the designation; only
// coordinators manage designations; the member, working the queue through
// a session, and a coordinator publish an entry together, while the member
// alone cannot; the member decides no appeal; after revocation the queue
// is refused; a member's API token never acts on the designation.
func TestPortalReviewerScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := t.Context()
		u, memberToken := trustedCandidate(t, env)
		v := baseVars(env)
		v["member"], v["memberToken"], v["memberEmail"] = u.ID, memberToken, u.Email
		v["respEmail"] = env.Users[resp].Email
		const v1 = "/api/v1/portal/reviewers"
		run(t, env, v, []scenario{
			{name: "not a member of the alliance", as: coord, method: "POST", path: v1, status: 422, field: "email",
				code: portal.CodeBadDesignation, body: map[string]any{"email": "{respEmail}", "reason": "giỏi"}, same: true},
			{name: "no reason", as: coord, method: "POST", path: v1, status: 422, field: "reason",
				body: map[string]any{"email": "{memberEmail}"}, same: true},
			{name: "a responder may not designate", as: resp, method: "POST", path: v1, status: 403, code: "portal.forbidden",
				body: map[string]any{"email": "{memberEmail}", "reason": "tự cấp"}, same: true},
			{name: "designate", as: coord, method: "POST", path: v1, status: 201, check: field("user_id", u.ID),
				body: map[string]any{"email": "{memberEmail}", "reason": "Chuyên gia phân tích lừa đảo"}},
			{name: "not twice", as: coord, method: "POST", path: v1, status: 409, code: portal.CodeAlreadyReviewer,
				body: map[string]any{"email": "{memberEmail}", "reason": "again"}, same: true},
			{name: "the list", as: coord, method: "GET", path: v1, status: 200, check: count(1)},
			{name: "bad all", as: coord, method: "GET", path: v1 + "?all=maybe", status: 422, field: "all"},
			{name: "leadership may not list", as: lead, method: "GET", path: v1, status: 403},
			{name: "the member's token does not review", as: "{memberToken}", method: "GET", path: "/api/v1/portal/entries",
				status: 403, code: "portal.forbidden"},
			{name: "the member's token does not list reviewers", as: "{memberToken}", method: "GET", path: v1, status: 403},
		})

		// The member works the queue through a browser session.
		member := auth.Principal{UserID: u.ID, Email: u.Email, Role: u.Role, Orgs: u.Orgs}
		_, err := env.App.Portal.FileReport(ctx, auth.System(), portal.ReportInput{Kind: canon.KindDomain,
			Value: "dau-tu-sieu-loi.vn", Description: "Mời đầu tư lãi 30%/tháng", Contact: "nan.nhan@mail.vn"})
		must(t, err)
		q, err := env.App.Portal.Queue(ctx, member, portal.EntryFilter{State: portal.StatePending}, page.Request{Limit: 10})
		if err != nil || len(q.Items) != 1 {
			t.Fatalf("member's queue = %+v, %v", q, err)
		}
		id := q.Items[0].ID
		if e, err := env.App.Portal.Confirm(ctx, member, id, "investment", "đã kiểm tra"); err != nil || e.State != portal.StatePending {
			t.Fatalf("member's confirmation = %+v, %v", e, err)
		}
		if _, err := env.App.Portal.Confirm(ctx, member, id, "", ""); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("the member confirmed twice: %v", err)
		}
		if e, _, _ := env.App.Portal.Entry(ctx, member, id); e.State != portal.StatePending {
			t.Fatalf("one reviewer published: %+v", e)
		}
		if e, err := env.App.Portal.Confirm(ctx, principal(env, coord), id, "", ""); err != nil || e.State != portal.StatePublished {
			t.Fatalf("coordinator's confirmation = %+v, %v", e, err)
		}
		if _, err := env.App.Portal.DecideAppeal(ctx, member, "any", true, "x"); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("the member decided an appeal: %v", err)
		}

		run(t, env, v, []scenario{
			{name: "revoke", as: coord, method: "DELETE", path: v1 + "/{member}", status: 200, check: field("user_id", u.ID)},
			{name: "revoke again", as: coord, method: "DELETE", path: v1 + "/{member}", status: 404, same: true},
			{name: "active list empty", as: coord, method: "GET", path: v1, status: 200, check: count(0)},
			{name: "history kept", as: coord, method: "GET", path: v1 + "?all=true", status: 200, check: count(1)},
		})
		if _, err := env.App.Portal.Queue(ctx, member, portal.EntryFilter{}, page.Request{Limit: 10}); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("queue after revocation: %v", err)
		}
		if _, _, err := env.App.Portal.Entry(ctx, member, id); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("entry after revocation: %v", err)
		}
	})
}
