package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// nginxDraft is an advisory affecting nginx 1.20–1.25.2.
var nginxDraft = map[string]any{
	"title": "Heap overflow in nginx", "title_vi": "Lỗi tràn bộ nhớ heap trong nginx", "tlp": "CLEAR",
	"cves":     []string{"CVE-2026-1234"},
	"scores":   []map[string]any{{"vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
	"products": []map[string]any{{"cpe": "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*", "ranges": []map[string]any{{"scheme": "cpe", "lower": "1.20", "lower_inclusive": true, "upper": "1.25.3"}}}},
}

// nginxIn adds nginx 1.24.0 to a system of organisation orgID.
func nginxIn(t *testing.T, env *apptest.Env, orgID string) org.Software {
	t.Helper()
	res, err := env.App.Org.ListSystems(t.Context(), auth.System(), org.SystemFilter{OrgID: orgID}, pageAll)
	must(t, err)
	var sys org.System
	if len(res.Items) > 0 {
		sys = res.Items[0]
	} else {
		sys, err = env.App.Org.CreateSystem(t.Context(), auth.System(), org.System{OrgID: orgID, Name: "Web " + orgID[:4], Level: 4})
		must(t, err)
	}
	sw, err := env.App.Org.AddSoftware(t.Context(), auth.System(), org.Software{SystemID: sys.ID,
		CPE: "cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*"})
	must(t, err)
	return sw
}

// actionIn publishes the nginx advisory once nginx runs in orgID and
// returns orgID's action item.
func actionIn(t *testing.T, env *apptest.Env, orgID string) advisory.ActionItem {
	t.Helper()
	nginxIn(t, env, orgID)
	ctx, sys := t.Context(), auth.System()
	res, err := env.App.Advisory.ListActions(ctx, sys, advisory.ActionFilter{OrgID: orgID}, page.Request{})
	must(t, err)
	if len(res.Items) > 0 {
		return res.Items[0]
	}
	var rec advisory.Record
	rec.Title, rec.TLP = "nginx "+orgID, 1
	rec.Products = []advisory.Product{{CPE: "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*"}}
	rec.Scores = []advisory.Score{{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}
	r, err := env.App.Advisory.Create(ctx, sys, rec)
	must(t, err)
	_, _, err = env.App.Advisory.Publish(ctx, sys, r.ID)
	must(t, err)
	res, err = env.App.Advisory.ListActions(ctx, sys, advisory.ActionFilter{OrgID: orgID}, page.Request{})
	must(t, err)
	if len(res.Items) == 0 {
		t.Fatal("publishing opened no action item")
	}
	return res.Items[0]
}

var actionFixtures = map[string]func(t *testing.T, env *apptest.Env) vars{
	"action": func(t *testing.T, env *apptest.Env) vars {
		return vars{"id": actionIn(t, env, env.OrgB.ID).ID}
	},
	"action_exception": func(t *testing.T, env *apptest.Env) vars {
		it := actionIn(t, env, env.OrgB.ID)
		x, err := env.App.Advisory.RequestException(t.Context(), auth.System(), it.ID, "decommissioned next month",
			it.CreatedAt.AddDate(0, 1, 0))
		must(t, err)
		return vars{"id": x.ID}
	},
}

// TestAdvisoryScenario: a coordinator writes and publishes an advisory; an
// action item appears for the affected organisation only; its constituent
// works it; the coordinator verifies; roles without the permission are
// refused and nothing changes.
func TestAdvisoryScenario(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		nginxIn(t, env, env.OrgA.ID)
		// Constituents may not write advisories.
		before := snapshot(t, env)
		rec := env.As(t, apptest.AdminA, "POST", "/api/v1/advisories", nginxDraft)
		apptest.Want(t, rec, http.StatusForbidden)
		unchanged(t, env, before)
		// Bad input: every problem named, nothing written.
		bad := map[string]any{"title": "x", "tlp": "CLEAR", "cves": []string{"CVE-26-1"},
			"scores":   []map[string]any{{"vector": "CVSS:3.1/AV:N"}},
			"products": []map[string]any{{"cpe": "cpe:/a:nginx"}, {"purl": "npm/lodash"}, {"cpe": "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*", "ranges": []map[string]any{{"scheme": "semver", "upper": "not a version"}}}}}
		rec = env.As(t, apptest.Coordinator, "POST", "/api/v1/advisories", bad)
		apptest.Want(t, rec, http.StatusUnprocessableEntity)
		fields := map[string]bool{}
		for _, f := range apptest.Problem(t, rec).Fields {
			fields[f.Field] = true
		}
		for _, f := range []string{"cves[0]", "scores[0].vector", "products[0].cpe", "products[1].purl", "products[2].ranges[0].upper"} {
			if !fields[f] {
				t.Errorf("no problem on %s; got %v", f, fields)
			}
		}
		unchanged(t, env, before)

		rec = env.As(t, apptest.Coordinator, "POST", "/api/v1/advisories", nginxDraft)
		apptest.Want(t, rec, http.StatusCreated)
		adv := apptest.JSON[advisory.Record](t, rec)
		if adv.Severity != "critical" || adv.Status != "draft" {
			t.Fatalf("created %+v", adv)
		}
		// A draft is invisible to constituents.
		apptest.Want(t, env.As(t, apptest.AdminA, "GET", "/api/v1/advisories/"+adv.ID, nil), http.StatusNotFound)
		rec = env.As(t, apptest.Coordinator, "POST", "/api/v1/advisories/"+adv.ID+"/publish", nil)
		apptest.Want(t, rec, http.StatusOK)
		if m := apptest.JSON[struct{ Matched advisory.SyncResult }](t, rec).Matched; m.Opened != 1 || m.Orgs != 1 {
			t.Fatalf("publish matched %+v, want one item in one organisation", m)
		}
		// A sees its item; B sees none; leadership sees it.
		list := apptest.JSON[page.Result[advisory.ActionItem]](t, env.As(t, apptest.AnalystA, "GET", "/api/v1/actions", nil))
		if len(list.Items) != 1 || list.Items[0].OrgID != env.OrgA.ID {
			t.Fatalf("A's actions = %+v", list.Items)
		}
		item := list.Items[0]
		if l := apptest.JSON[page.Result[advisory.ActionItem]](t, env.As(t, apptest.AdminB, "GET", "/api/v1/actions", nil)); len(l.Items) != 0 {
			t.Errorf("B sees %d action items", len(l.Items))
		}
		apptest.Want(t, env.As(t, apptest.AdminB, "GET", "/api/v1/actions/"+item.ID, nil), http.StatusNotFound)
		apptest.Want(t, env.As(t, apptest.Leadership, "GET", "/api/v1/actions/"+item.ID, nil), http.StatusOK)
		// Leadership reads but does not work items.
		apptest.Want(t, env.As(t, apptest.Leadership, "POST", "/api/v1/actions/"+item.ID+"/transitions", map[string]any{"action": "acknowledge"}), http.StatusForbidden)

		step := func(who, action string, extra map[string]any, want int) advisory.ActionItem {
			t.Helper()
			body := map[string]any{"action": action}
			for k, v := range extra {
				body[k] = v
			}
			rec := env.As(t, who, "POST", "/api/v1/actions/"+item.ID+"/transitions", body)
			apptest.Want(t, rec, want)
			if want != http.StatusOK {
				return advisory.ActionItem{}
			}
			return apptest.JSON[advisory.ActionItem](t, rec)
		}
		step(apptest.AnalystA, "acknowledge", nil, http.StatusOK)
		step(apptest.AnalystA, "acknowledge", nil, http.StatusConflict)
		step(apptest.AnalystA, "remediate", nil, http.StatusUnprocessableEntity)
		step(apptest.AnalystA, "verify", nil, http.StatusForbidden)
		if it := step(apptest.AnalystA, "remediate", map[string]any{"note": "Nâng cấp nginx 1.26.2"}, http.StatusOK); it.State != advisory.StateRemediated {
			t.Fatalf("after remediate: %s", it.State)
		}
		if it := step(apptest.Coordinator, "verify", nil, http.StatusOK); it.State != advisory.StateVerified || it.Reviewer == "" {
			t.Fatalf("after verify: %+v", it)
		}
		// Debt: A sees its own; B sees only its own (nothing); CSV for leadership.
		rep := apptest.JSON[advisory.DebtReport](t, env.As(t, apptest.AdminA, "GET", "/api/v1/debt", nil))
		for _, d := range rep.Ranking {
			if d.Key != env.OrgA.ID {
				t.Errorf("A's debt lists %s", d.Key)
			}
		}
		apptest.Want(t, env.As(t, apptest.AnalystA, "GET", "/api/v1/debt", nil), http.StatusNotFound)
		rec = env.As(t, apptest.Leadership, "GET", "/api/v1/debt.csv?by=sector", nil)
		apptest.Want(t, rec, http.StatusOK)
		if !strings.HasPrefix(rec.Body.String(), "rank,sector,name,score") {
			t.Errorf("CSV starts %q", rec.Body.String()[:min(40, rec.Body.Len())])
		}
	})
}

// TestInventoryChangeMatches: adding affected software to an inventory opens
// an action item for that organisation at once; removing it closes it.
func TestInventoryChangeMatches(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		rec := env.As(t, apptest.Coordinator, "POST", "/api/v1/advisories", nginxDraft)
		apptest.Want(t, rec, http.StatusCreated)
		adv := apptest.JSON[advisory.Record](t, rec)
		apptest.Want(t, env.As(t, apptest.Coordinator, "POST", "/api/v1/advisories/"+adv.ID+"/publish", nil), http.StatusOK)
		sw := nginxIn(t, env, env.OrgB.ID)
		list := apptest.JSON[page.Result[advisory.ActionItem]](t, env.As(t, apptest.AdminB, "GET", "/api/v1/actions", nil))
		if len(list.Items) != 1 || list.Items[0].State != advisory.StateOpen {
			t.Fatalf("after adding nginx: %+v", list.Items)
		}
		apptest.Want(t, env.As(t, apptest.AdminB, "DELETE", "/api/v1/software/"+sw.ID, nil), http.StatusNoContent)
		list = apptest.JSON[page.Result[advisory.ActionItem]](t, env.As(t, apptest.AdminB, "GET", "/api/v1/actions", nil))
		if len(list.Items) != 1 || list.Items[0].State != advisory.StateNoLongerAffected {
			t.Fatalf("after removing nginx: %+v", list.Items)
		}
	})
}

// TestActionExceptionScenario: a constituent asks for an exception (a past
// date is refused), a constituent may not decide it, a coordinator approves
// it and is named as approver; the item is then not overdue until the date.
func TestActionExceptionScenario(t *testing.T) {
	env := apptest.New(t, firstEngine(t))
	it := actionIn(t, env, env.OrgA.ID)
	path := "/api/v1/actions/" + it.ID + "/exceptions"
	rec := env.As(t, apptest.AnalystA, "POST", path, map[string]any{"reason": "Tạm ngừng hệ thống", "until": "2001-01-01"})
	apptest.Want(t, rec, http.StatusUnprocessableEntity)
	if p := apptest.Problem(t, rec); len(p.Fields) != 1 || p.Fields[0].Field != "until" {
		t.Errorf("problems %+v", p.Fields)
	}
	until := it.CreatedAt.AddDate(0, 3, 0).Format("2006-01-02")
	rec = env.As(t, apptest.AnalystA, "POST", path, map[string]any{"reason": "Tạm ngừng hệ thống", "until": until})
	apptest.Want(t, rec, http.StatusCreated)
	x := apptest.JSON[advisory.Exception](t, rec)
	apptest.Want(t, env.As(t, apptest.AnalystA, "POST", path, map[string]any{"reason": "again", "until": until}), http.StatusConflict)
	decide := "/api/v1/action-exceptions/" + x.ID + "/decide"
	apptest.Want(t, env.As(t, apptest.AdminA, "POST", decide, map[string]any{"approve": true}), http.StatusForbidden)
	apptest.Want(t, env.As(t, apptest.AdminB, "POST", decide, map[string]any{"approve": true}), http.StatusNotFound)
	queue := apptest.JSON[struct{ Items []advisory.Exception }](t, env.As(t, apptest.Coordinator, "GET", "/api/v1/action-exceptions?state=requested", nil))
	if len(queue.Items) != 1 {
		t.Fatalf("review queue %+v", queue.Items)
	}
	rec = env.As(t, apptest.Coordinator, "POST", decide, map[string]any{"approve": true, "note": "Đồng ý đến hết quý."})
	apptest.Want(t, rec, http.StatusOK)
	if got := apptest.JSON[advisory.Exception](t, rec); got.State != advisory.ExceptionApproved || got.Approver != "coordinator@example.vn" {
		t.Errorf("decided %+v", got)
	}
	apptest.Want(t, env.As(t, apptest.Coordinator, "POST", decide, map[string]any{"approve": false}), http.StatusConflict)
	d := apptest.JSON[struct {
		advisory.ActionItem
		Exceptions []advisory.Exception `json:"exceptions"`
	}](t, env.As(t, apptest.AnalystA, "GET", "/api/v1/actions/"+it.ID, nil))
	if d.ExceptionUntil.IsZero() || len(d.Exceptions) != 1 {
		t.Errorf("item after approval: until %v, %d exceptions", d.ExceptionUntil, len(d.Exceptions))
	}
}
