package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// TestNotificationPreferencesPage: the account page links to the
// preferences; unticking a kind keeps it off; a tampered kind is refused
// with nothing changed.
func TestNotificationPreferencesPage(t *testing.T) {
	e := newEnv(t)
	u := e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	b := e.browser()
	b.login(u.Email).wantPath("/")
	acct := b.get("/account")
	if !acct.has(`a[href="/account/notifications"]`) {
		t.Fatal("the account page does not link to the preferences")
	}
	p := b.get("/account/notifications")
	p.wantStatus(http.StatusOK)
	if n := len(p.all(`#notify-prefs input[name="kind"]`)); n != len(notify.KindNames()) {
		t.Fatalf("%d kinds listed", n)
	}
	if !strings.Contains(p.main(), "Sự cố quá hạn xử lý") || !p.has(`#k-incident\.note[checked]`) && !p.has(`input[value="incident.note"][checked]`) {
		t.Errorf("preferences page: %s", p.main())
	}
	var on url.Values = url.Values{}
	for _, k := range notify.KindNames() {
		if k != notify.KindIncidentNote {
			on.Add("kind", k)
		}
	}
	p = b.post("/account/notifications", on)
	p.wantPath("/account/notifications")
	if p.text(".flash") == "" || p.has(`input[value="incident.note"][checked]`) || !p.has(`input[value="incident.breach"][checked]`) {
		t.Errorf("after saving: %s", p.main())
	}
	bad := url.Values{"kind": {"incident.breach", "incident.bogus"}}
	p = b.post("/account/notifications", bad)
	p.wantStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(p.text(".banner"), "không tồn tại") {
		t.Errorf("banner: %q", p.text(".banner"))
	}
	prefs, err := e.app.Notify.Preferences(t.Context(), auth.Principal{UserID: u.ID, Role: u.Role, Orgs: u.Orgs})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range prefs {
		if x.Email != (x.Kind.Name != notify.KindIncidentNote) {
			t.Errorf("after a refused change, %s is %v", x.Kind.Name, x.Email)
		}
	}
}

// TestWebhookPages: an organisation's admin reaches its webhooks from the
// organisation page; a bad address is marked beside the field with the
// typed values kept; a good one shows its secret once.
func TestWebhookPages(t *testing.T) {
	e := newEnv(t)
	u := e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	b := e.browser()
	b.login(u.Email).wantPath("/")
	path := "/orgs/" + e.orgA.ID + "/webhooks"
	if !b.get("/orgs/" + e.orgA.ID).has(`a[href="` + path + `"]`) {
		t.Fatal("the organisation page does not link to its webhooks")
	}
	b.get("/orgs/" + e.orgB.ID + "/webhooks").wantStatus(http.StatusNotFound)
	b.get("/webhooks").wantStatus(http.StatusNotFound)

	p := b.post(path, url.Values{"name": {"SOAR A"}, "url": {"http://soar.a.example.vn/h"}, "kinds": {"incident.breach"}})
	p.wantStatus(http.StatusUnprocessableEntity)
	checkFieldError(t, p, "url", "https://")
	if attr(p.one("#f-name"), "value") != "SOAR A" || !p.has(`input[name="kinds"][value="incident.breach"][checked]`) {
		t.Error("the typed values were not kept")
	}
	if hs, _ := e.app.Notify.Webhooks(t.Context(), auth.System(), notify.WebhookFilter{}); len(hs) != 0 {
		t.Fatal("a refused webhook was stored")
	}
	p = b.post(path, url.Values{"name": {"SOAR A"}, "url": {"https://soar.a.example.vn/h"}, "kinds": {"incident.breach"}})
	p.wantStatus(http.StatusOK)
	secret := p.text("#webhook-secret")
	if !strings.HasPrefix(secret, "whsec_") || len(p.all("#webhooks tbody tr")) != 1 {
		t.Fatalf("created: %s", p.main())
	}
	if strings.Contains(b.get(path).body, secret) {
		t.Error("the secret is shown again")
	}
	if got := p.text("#webhooks tbody tr .last-delivery"); got != "—" {
		t.Errorf("last delivery of a new webhook: %q", got)
	}
	id := attr(p.one("#webhooks tbody tr"), "data-id")
	p = b.post("/webhooks/"+id+"/toggle", nil)
	p.wantPath(path)
	if !strings.Contains(p.text("#webhooks tbody tr"), "Đã tắt") {
		t.Errorf("after turning off: %s", p.text("#webhooks tbody tr"))
	}
	b.post("/webhooks/"+id+"/delete", nil).wantPath(path)
	if b.get(path).has("#webhooks") {
		t.Error("the webhook was not deleted")
	}
}

// TestOutboxPage: the coordinator sees the outbox, that e-mail waits for an
// SMTP server, filters by state and retries a failed delivery; a
// constituent cannot open it.
func TestOutboxPage(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	_, err := e.app.Org.CreateContact(ctx, auth.System(), org.Contact{OrgID: e.orgA.ID, Name: "Trực ban", Role: org.ContactDuty, Email: "soc@so-a.gov.vn"})
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := e.app.Ingest.Register(ctx, auth.System(), ingest.Sensor{OrgID: e.orgA.ID, Name: "Suricata A", Kind: ingest.KindSuricata})
	if err != nil {
		t.Fatal(err)
	}
	for _, silent := range []bool{true, false} {
		if _, err := e.app.DB.SetSilent(ctx, s.ID, silent, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	claimed, err := e.app.DB.ClaimDeliveries(ctx, e.clock.Now().Add(time.Second), []string{notify.ChannelEmail}, 1, time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	if err := e.app.DB.MarkFailed(ctx, claimed[0].ID, claimed[0].Claim, "550 5.1.1 no such user"); err != nil {
		t.Fatal(err)
	}

	c := e.user("dieuphoi@vncert.gov.vn", "vi", auth.RoleCoordinator)
	b := e.browser()
	b.enrol(c.Email)
	home := b.get("/")
	if !home.has(`nav a[href="/notifications"]`) {
		t.Fatal("no outbox in the coordinator's navigation")
	}
	p := b.get("/notifications")
	p.wantStatus(http.StatusOK)
	if !strings.Contains(p.text("#smtp-off"), "SMTP") || !strings.Contains(p.text("#smtp-off"), "1 e-mail") {
		t.Errorf("SMTP banner: %q", p.text("#smtp-off"))
	}
	if n := len(p.all("#outbox tbody tr")); n != 2 {
		t.Fatalf("%d rows", n)
	}
	p = b.get("/notifications?state=failed")
	if rows := p.all("#outbox tbody tr"); len(rows) != 1 || attr(rows[0], "data-id") != claimed[0].ID || !strings.Contains(p.main(), "550 5.1.1") {
		t.Fatalf("failed filter: %s", p.main())
	}
	p = b.post("/notifications/"+claimed[0].ID+"/retry", nil)
	p.wantPath("/notifications")
	if p.text(".flash") == "" || len(p.all(`#outbox tbody tr[data-state="pending"]`)) != 2 {
		t.Errorf("after retry: %s", p.main())
	}
	res, err := e.app.DB.ListDeliveries(ctx, auth.Scope{All: true}, notify.Filter{State: notify.StateFailed}, page.Request{Limit: 10, Sort: "created_at"})
	if err != nil || len(res.Items) != 0 {
		t.Errorf("failed after retry: %v %v", res.Items, err)
	}

	a := e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	ab := e.browser()
	ab.login(a.Email)
	ab.get("/notifications").wantStatus(http.StatusForbidden)
	if ab.get("/").has(`nav a[href="/notifications"]`) {
		t.Error("a constituent sees the outbox in the navigation")
	}
}
