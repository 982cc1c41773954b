package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// silentIn makes a sensor of orgID fall silent, which enqueues a
// sensor.silent notice to the organisation's duty contact (and to every
// webhook that wants it), and returns the outbox rows it made.
func silentIn(t *testing.T, env *apptest.Env, orgID, name string) []notify.Delivery {
	t.Helper()
	ctx := t.Context()
	_, err := env.App.Org.CreateContact(ctx, auth.System(), org.Contact{OrgID: orgID, Name: "Trực 24/7 " + name,
		Role: org.ContactDuty, Email: "duty-" + strings.ToLower(strings.ReplaceAll(name, " ", "")) + "@example.vn"})
	must(t, err)
	s := sensorIn(t, env, orgID, name)
	changed, err := env.App.DB.SetSilent(ctx, s.ID, true, time.Now())
	must(t, err)
	if !changed {
		t.Fatal("the sensor was not flagged")
	}
	res, err := env.App.DB.ListDeliveries(ctx, auth.Scope{All: true}, notify.Filter{OrgID: orgID, Kind: notify.KindSensorSilent},
		page.Request{Limit: 100, Sort: "created_at"})
	must(t, err)
	if len(res.Items) == 0 {
		t.Fatal("no delivery enqueued")
	}
	return res.Items
}

// notifyFixtures make organisation B's notification objects for the
// cross-tenant matrix.
var notifyFixtures = map[string]func(t *testing.T, env *apptest.Env) vars{
	"notification": func(t *testing.T, env *apptest.Env) vars {
		return vars{"id": silentIn(t, env, env.OrgB.ID, "Sensor B silent")[0].ID}
	},
	"webhook": func(t *testing.T, env *apptest.Env) vars {
		h, _, err := env.App.Notify.CreateWebhook(t.Context(), auth.System(), notify.Webhook{OrgID: env.OrgB.ID, Name: "B SOAR",
			URL: "https://soar.b.example.vn/h"})
		must(t, err)
		return vars{"id": h.ID}
	},
}

// TestNotificationPreferences: every user reads and sets their own
// preferences; an unknown kind is refused on its field and changes nothing.
func TestNotificationPreferences(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		type prefs struct {
			Preferences []struct {
				Kind  string `json:"kind"`
				Email bool   `json:"email"`
			} `json:"preferences"`
		}
		on := func(p prefs, kind string) bool {
			i := slices.IndexFunc(p.Preferences, func(x struct {
				Kind  string `json:"kind"`
				Email bool   `json:"email"`
			}) bool {
				return x.Kind == kind
			})
			if i < 0 {
				t.Fatalf("kind %s not listed", kind)
			}
			return p.Preferences[i].Email
		}
		rec := env.As(t, analystA, "GET", "/api/v1/me/notifications", nil)
		apptest.Want(t, rec, http.StatusOK)
		p := apptest.JSON[prefs](t, rec)
		if len(p.Preferences) != len(notify.KindNames()) || !on(p, notify.KindIncidentNote) {
			t.Fatalf("defaults: %+v", p)
		}
		before := env.AuditSize(t)
		rec = env.As(t, analystA, "PUT", "/api/v1/me/notifications", map[string]any{"preferences": map[string]bool{
			notify.KindIncidentNote: false, "incident.nope": false}})
		apptest.Want(t, rec, http.StatusUnprocessableEntity)
		if prob := apptest.Problem(t, rec); len(prob.Fields) != 1 || prob.Fields[0].Field != "preferences.incident.nope" ||
			prob.Fields[0].Code != "notify.unknown_kind" {
			t.Errorf("problem: %+v", prob)
		}
		if env.AuditSize(t) != before || !on(apptest.JSON[prefs](t, env.As(t, analystA, "GET", "/api/v1/me/notifications", nil)), notify.KindIncidentNote) {
			t.Fatal("a refused change changed something")
		}
		rec = env.As(t, analystA, "PUT", "/api/v1/me/notifications", map[string]any{"preferences": map[string]bool{notify.KindIncidentNote: false}})
		apptest.Want(t, rec, http.StatusOK)
		if on(apptest.JSON[prefs](t, rec), notify.KindIncidentNote) || env.AuditSize(t) != before+1 {
			t.Error("the change was not kept or not audited")
		}
		// Another user's preferences are their own.
		if !on(apptest.JSON[prefs](t, env.As(t, adminA, "GET", "/api/v1/me/notifications", nil)), notify.KindIncidentNote) {
			t.Error("one user's choice changed another's")
		}
	})
}

// TestNotificationOutbox: coordinators and administrators list the outbox
// and retry failed deliveries; others may not.
func TestNotificationOutbox(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ds := silentIn(t, env, env.OrgA.ID, "HN-1")
		for _, who := range []string{coord, admin} {
			rec := env.As(t, who, "GET", "/api/v1/notifications?state=pending&kind=sensor.silent", nil)
			apptest.Want(t, rec, http.StatusOK)
			if res := apptest.JSON[page.Result[notify.Delivery]](t, rec); len(res.Items) != len(ds) || res.Items[0].Kind != notify.KindSensorSilent {
				t.Errorf("%s lists %+v", who, res.Items)
			}
		}
		for _, who := range []string{adminA, analystA, lead, resp, invest} {
			apptest.Want(t, env.As(t, who, "GET", "/api/v1/notifications", nil), http.StatusForbidden)
		}
		apptest.Want(t, env.As(t, coord, "GET", "/api/v1/notifications?state=lost", nil), http.StatusUnprocessableEntity)

		// A pending delivery cannot be retried; a failed one can.
		id := ds[0].ID
		apptest.Want(t, env.As(t, coord, "POST", "/api/v1/notifications/"+id+"/retry", nil), http.StatusConflict)
		claimed, err := env.App.DB.ClaimDeliveries(t.Context(), time.Now().Add(time.Second), []string{notify.ChannelEmail}, 10, time.Minute)
		must(t, err)
		for _, d := range claimed {
			must(t, env.App.DB.MarkFailed(t.Context(), d.ID, d.Claim, "550 no such user"))
		}
		before := env.AuditSize(t)
		apptest.Want(t, env.As(t, adminA, "POST", "/api/v1/notifications/"+id+"/retry", nil), http.StatusNotFound)
		rec := env.As(t, coord, "POST", "/api/v1/notifications/"+id+"/retry", nil)
		apptest.Want(t, rec, http.StatusOK)
		if d := apptest.JSON[notify.Delivery](t, rec); d.State != notify.StatePending || d.Attempts != 0 {
			t.Errorf("retried: %+v", d)
		}
		if env.AuditSize(t) != before+1 {
			t.Error("the retry was not audited")
		}
	})
}

// TestWebhooksAPI: an organisation's admin manages its webhooks, sees the
// secret once, cannot register a non-https address or a national webhook;
// the analyst cannot see them.
func TestWebhooksAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		before, auditBefore := snapshot(t, env), env.AuditSize(t)
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"org_id": env.OrgA.ID, "name": "SOAR", "url": "http://soar.a.example.vn/h"}, "url"},
			{map[string]any{"org_id": env.OrgA.ID, "name": "SOAR", "url": "https://u:p@soar.a.example.vn/h"}, "url"},
			{map[string]any{"org_id": env.OrgA.ID, "name": "", "url": "https://soar.a.example.vn/h"}, "name"},
			{map[string]any{"org_id": env.OrgA.ID, "name": "SOAR", "url": "https://soar.a.example.vn/h", "kinds": []string{"incident.lost"}}, "kinds"},
		} {
			rec := env.As(t, adminA, "POST", "/api/v1/webhooks", bad.body)
			apptest.Want(t, rec, http.StatusUnprocessableEntity)
			if p := apptest.Problem(t, rec); len(p.Fields) == 0 || p.Fields[0].Field != bad.field {
				t.Errorf("%v: problem %+v, want field %s", bad.body, p, bad.field)
			}
		}
		apptest.Want(t, env.As(t, adminA, "POST", "/api/v1/webhooks", map[string]any{"name": "N", "url": "https://n.example.vn/h"}), http.StatusForbidden)
		apptest.Want(t, env.As(t, adminA, "POST", "/api/v1/webhooks", map[string]any{"org_id": env.OrgB.ID, "name": "N", "url": "https://n.example.vn/h"}), http.StatusNotFound)
		apptest.Want(t, env.As(t, analystA, "POST", "/api/v1/webhooks", map[string]any{"org_id": env.OrgA.ID, "name": "N", "url": "https://n.example.vn/h"}), http.StatusNotFound)
		unchanged(t, env, before)
		if env.AuditSize(t) != auditBefore {
			t.Fatal("refused requests were audited")
		}

		rec := env.As(t, adminA, "POST", "/api/v1/webhooks", map[string]any{"org_id": env.OrgA.ID, "name": "SOAR A",
			"url": "https://soar.a.example.vn/h", "kinds": []string{"incident.*", "sensor.silent"}})
		apptest.Want(t, rec, http.StatusCreated)
		made := apptest.JSON[struct {
			Webhook notify.Webhook `json:"webhook"`
			Secret  string         `json:"secret"`
		}](t, rec)
		if !strings.HasPrefix(made.Secret, "whsec_") || made.Webhook.ID == "" || !made.Webhook.Active {
			t.Fatalf("created: %+v", made)
		}
		path := "/api/v1/webhooks/" + made.Webhook.ID
		rec = env.As(t, adminA, "GET", path, nil)
		apptest.Want(t, rec, http.StatusOK)
		if strings.Contains(rec.Body.String(), made.Secret) {
			t.Error("the secret is shown again")
		}
		apptest.Want(t, env.As(t, analystA, "GET", path, nil), http.StatusNotFound)
		apptest.Want(t, env.As(t, adminB, "GET", path, nil), http.StatusNotFound)
		rec = env.As(t, adminA, "GET", "/api/v1/webhooks", nil)
		if l := apptest.JSON[struct{ Items []notify.Webhook }](t, rec); len(l.Items) != 1 {
			t.Errorf("admin A lists %+v", l.Items)
		}
		if l := apptest.JSON[struct{ Items []notify.Webhook }](t, env.As(t, adminB, "GET", "/api/v1/webhooks", nil)); len(l.Items) != 0 {
			t.Errorf("admin B lists %+v", l.Items)
		}
		rec = env.As(t, adminA, "PATCH", path, map[string]any{"active": false, "url": "ftp://x"})
		apptest.Want(t, rec, http.StatusUnprocessableEntity)
		rec = env.As(t, adminA, "PATCH", path, map[string]any{"active": false})
		apptest.Want(t, rec, http.StatusOK)
		if h := apptest.JSON[notify.Webhook](t, rec); h.Active {
			t.Error("not turned off")
		}
		// The coordinating body registers a national webhook.
		apptest.Want(t, env.As(t, coord, "POST", "/api/v1/webhooks", map[string]any{"name": "CERT SOAR", "url": "https://soar.cert.example.vn/h"}), http.StatusCreated)
		if l := apptest.JSON[struct{ Items []notify.Webhook }](t, env.As(t, coord, "GET", "/api/v1/webhooks?national=true", nil)); len(l.Items) != 1 || l.Items[0].OrgID != "" {
			t.Errorf("national list: %+v", l.Items)
		}
		apptest.Want(t, env.As(t, adminA, "DELETE", path, nil), http.StatusNoContent)
		apptest.Want(t, env.As(t, adminA, "GET", path, nil), http.StatusNotFound)
	})
}
