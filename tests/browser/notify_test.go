package browser

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/org"
)

// TestNotificationsFlow: a coordinator registers a webhook for an
// organisation from its page (a plain-http address is refused beside the
// field, then an https one shows its secret once), turns a kind of notice
// off on the preferences page, and finds in the outbox the e-mail a silent
// sensor caused, waiting because no SMTP server is configured.
func TestNotificationsFlow(t *testing.T) {
	needChromium(t)
	dir := artefacts(t)
	s := newSite(t)
	s.user(t, "dieu.phoi@vncert.gov.vn", auth.RoleCoordinator)
	ctx, sys := t.Context(), auth.System()
	if _, err := s.app.Org.CreateContact(ctx, sys, org.Contact{OrgID: s.orgA.ID, Name: "Tổ trực 24/7", Role: org.ContactDuty,
		Email: "truc247@hue.example.vn"}); err != nil {
		t.Fatal(err)
	}
	// logInWithEnrolment expects the dashboard to count one pending claim.
	if _, err := s.app.Org.ClaimResource(ctx, sys, org.Resource{OrgID: s.orgA.ID, Type: org.ResourceCIDR, Value: "203.0.113.0/24"}); err != nil {
		t.Fatal(err)
	}
	sn, _, err := s.app.Ingest.Register(ctx, sys, ingest.Sensor{OrgID: s.orgA.ID, Name: "Suricata Huế", Kind: ingest.KindSuricata})
	if err != nil {
		t.Fatal(err)
	}
	b := newTab(t, s.url, dir)
	logInWithEnrolment(t, b, "dieu.phoi@vncert.gov.vn")

	b.open("/orgs/" + s.orgA.ID)
	b.do("open the webhooks", chromedp.Click(chromedp.CSS(`a[href="/orgs/`+s.orgA.ID+`/webhooks"]`)), chromedp.WaitVisible(chromedp.ID("webhook-form")))
	b.do("fill the webhook form",
		chromedp.SendKeys(chromedp.ID("f-name"), "SOAR Huế"),
		chromedp.SendKeys(chromedp.ID("f-url"), "http://soar.hue.example.vn/khien"),
		chromedp.Click(chromedp.CSS(`input[name="kinds"][value="sensor.silent"]`)))
	if st := b.submit(`#webhook-form button[type="submit"]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("a plain-http webhook: status %d, want 422", st)
	}
	if got := b.text(".field.invalid #e-url"); !strings.Contains(got, "https://") {
		t.Errorf("error beside the address: %q", got)
	}
	b.shoot("webhook-error")
	b.do("correct the address", chromedp.Clear(chromedp.ID("f-url")), chromedp.SendKeys(chromedp.ID("f-url"), "https://soar.hue.example.vn/khien"))
	if st := b.submit(`#webhook-form button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("creating the webhook: status %d", st)
	}
	if secret := b.text("#webhook-secret"); !strings.HasPrefix(secret, "whsec_") {
		t.Errorf("secret %q", secret)
	}
	b.shoot("webhook-created")

	b.open("/account")
	b.do("open the preferences", chromedp.Click(chromedp.CSS(`a[href="/account/notifications"]`)), chromedp.WaitVisible(chromedp.ID("notify-prefs")))
	b.do("turn incident notes off", chromedp.Click(chromedp.CSS(`input[value="incident.note"]`)))
	b.submit(`#notify-prefs button[type="submit"]`)
	if b.eval(`document.querySelector('input[value="incident.note"]').checked`) || !b.eval(`document.querySelector('input[value="incident.breach"]').checked`) {
		t.Error("the preference was not kept")
	}
	b.shoot("preferences")

	if _, err := s.app.DB.SetSilent(ctx, sn.ID, true, s.app.DB.Now()); err != nil {
		t.Fatal(err)
	}
	b.open("/notifications")
	if got := b.text("#smtp-off"); !strings.Contains(got, "SMTP") {
		t.Errorf("SMTP banner %q", got)
	}
	if n := b.count(`#outbox tbody tr[data-state="pending"]`); n != 2 { // the duty contact's e-mail, the webhook
		t.Errorf("%d pending deliveries, want 2", n)
	}
	b.shoot("outbox")
	b.phone()
	b.open("/notifications")
	b.shoot("phone-outbox")
}
