package api_test

import (
	"net/http"
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
)

// TestOrgWebhookInternalAddress: an organisation's admin cannot point its
// webhook at this machine or at a private, link-local or unspecified
// address (Khiên would POST into the CERT's own network for them and show
// them how it answered); the refusal names the field and changes nothing.
func TestOrgWebhookInternalAddress(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		before, auditBefore := snapshot(t, env), env.AuditSize(t)
		for _, u := range []string{"https://127.0.0.1/h", "https://127.1.2.3:8443/h", "https://localhost/h", "https://LOCALHOST./h",
			"https://[::1]/h", "https://10.1.2.3/h", "https://172.16.0.9/h", "https://192.168.1.1/h", "https://169.254.169.254/latest",
			"https://0.0.0.0/h", "https://[fd00::1]/h", "https://[fe80::1]/h", "https://[::ffff:10.0.0.1]/h", "https://100.64.0.1/h"} {
			rec := env.As(t, adminA, "POST", "/api/v1/webhooks", map[string]any{"org_id": env.OrgA.ID, "name": "SOAR", "url": u})
			apptest.Want(t, rec, http.StatusUnprocessableEntity)
			if p := apptest.Problem(t, rec); len(p.Fields) == 0 || p.Fields[0].Field != "url" {
				t.Errorf("%s: problem %+v, want field url", u, p)
			}
		}
		unchanged(t, env, before)
		if env.AuditSize(t) != auditBefore {
			t.Fatal("refused requests were audited")
		}
		// A public address is fine; moving it inside afterwards is not.
		rec := env.As(t, adminA, "POST", "/api/v1/webhooks", map[string]any{"org_id": env.OrgA.ID, "name": "SOAR", "url": "https://203.0.113.7/h"})
		apptest.Want(t, rec, http.StatusCreated)
		made := apptest.JSON[struct {
			Webhook struct{ ID string } `json:"webhook"`
		}](t, rec)
		rec = env.As(t, adminA, "PATCH", "/api/v1/webhooks/"+made.Webhook.ID, map[string]any{"url": "https://10.0.0.1/h"})
		apptest.Want(t, rec, http.StatusUnprocessableEntity)
	})
}
