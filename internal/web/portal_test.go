package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
	"github.com/khien-cert/khien/internal/portal/guard"
)

// portalEntryID files a staff report and returns its entry's ID.
func portalEntryID(t *testing.T, e *env, kind canon.Kind, value string) string {
	t.Helper()
	if _, err := e.app.Portal.FileReport(t.Context(), auth.System(), portal.ReportInput{Kind: kind, Value: value,
		Description: "Tin nhắn <b>giả</b> ngân hàng", Contact: "nan.nhan@mail.example"}); err != nil {
		t.Fatal(err)
	}
	res, err := e.app.Portal.Queue(t.Context(), auth.System(), portal.EntryFilter{Kind: kind}, pageAll())
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := canon.Normalize(kind, value)
	for _, en := range res.Items {
		if en.Key == sub.Key {
			return en.ID
		}
	}
	t.Fatalf("no entry for %s", value)
	return ""
}

// TestPortalReviewPages: the queue lists and filters entries; an entry
// page shows reports (escaped) and the steps; a refused step shows its
// error beside the field and changes nothing; the two-reviewer rule holds
// across two sessions; a constituent is refused the queue.
func TestPortalReviewPages(t *testing.T) {
	e := newEnv(t)
	a := e.user("kiem.duyet.a@vncert.gov.vn", "vi", auth.RoleCoordinator)
	e.user("kiem.duyet.b@vncert.gov.vn", "en", auth.RoleCoordinator)
	e.user("phan.tich@so-a.gov.vn", "vi", auth.RoleConstituentAnalyst, e.orgA.ID)
	domain := portalEntryID(t, e, canon.KindDomain, "ngan-hang-gia.example")
	portalEntryID(t, e, canon.KindPhone, "0912 345 678")

	ba := e.browser()
	ba.enrol(a.Email)
	q := ba.get("/portal-review")
	q.wantStatus(http.StatusOK)
	if n := len(q.all("#portal-queue tbody tr")); n != 2 {
		t.Fatalf("queue lists %d entries, want 2", n)
	}
	q = ba.get("/portal-review?kind=phone")
	if rows := q.all("#portal-queue tbody tr"); len(rows) != 1 || !strings.Contains(text(rows[0]), "+84912345678") {
		t.Errorf("phone filter: %s", q.main())
	}
	if q = ba.get("/portal-review?state=published"); q.has("#portal-queue") {
		t.Error("the published queue lists pending entries")
	}

	path := "/portal-review/entries/" + domain
	p := ba.get(path)
	if attr(p.one("#portal-entry"), "data-state") != "pending" {
		t.Errorf("entry state %q", attr(p.one("#portal-entry"), "data-state"))
	}
	if !strings.Contains(p.body, "Tin nhắn &lt;b&gt;giả&lt;/b&gt; ngân hàng") {
		t.Error("the report's description is not shown escaped")
	}
	// Rejecting without a reason: beside the field, nothing changes.
	p = ba.post(path+"/reject", url.Values{"reason": {" "}})
	p.wantStatus(http.StatusUnprocessableEntity)
	if !p.has("#reject-form .field.invalid") {
		t.Errorf("no error beside the reason: %s", p.main())
	}
	if en, _, _ := e.app.Portal.Entry(t.Context(), auth.System(), domain); en.State != portal.StatePending {
		t.Fatalf("a refused rejection changed the entry: %s", en.State)
	}
	// First confirmation; the same reviewer again is refused.
	p = ba.post(path+"/confirm", url.Values{"category": {"impersonation"}, "note": {"Đã kiểm tra tên miền"}})
	p.wantPath(path)
	if attr(p.one("#portal-entry"), "data-state") != "pending" || p.has("#renew-form") {
		t.Errorf("one confirmation published the entry: %s", p.main())
	}
	p = ba.post(path+"/confirm", url.Values{"category": {"impersonation"}})
	p.wantStatus(http.StatusConflict)
	if !p.has("#confirm-form .banner") {
		t.Errorf("the second confirmation by the same reviewer is not refused on its form: %s", p.main())
	}
	// A second reviewer publishes it.
	bb := e.browser()
	bb.enrol("kiem.duyet.b@vncert.gov.vn")
	p = bb.post(path+"/confirm", url.Values{"category": {"impersonation"}})
	p.wantPath(path)
	if attr(p.one("#portal-entry"), "data-state") != "published" || !p.has("#renew-form") {
		t.Errorf("two confirmations did not publish: %s", p.main())
	}
	if a, err := e.app.Portal.Lookup("https://ngan-hang-gia.example/login", portal.Client{Remote: "198.51.100.9"}); err != nil || a.Status != portal.StatusConfirmed {
		t.Errorf("look-up after publication: %+v %v", a, err)
	}

	// The constituent has no queue.
	c := e.browser()
	c.login("phan.tich@so-a.gov.vn")
	c.get("/portal-review").wantStatus(http.StatusForbidden)
	c.get(path).wantStatus(http.StatusNotFound) // an entry is not revealed
}

// TestPortalAppealPages: an appeal shows in the appeals queue; deciding
// without a reason is refused beside the field; the reviewer who confirmed
// the entry may not decide; another upholds it and the entry is withdrawn.
func TestPortalAppealPages(t *testing.T) {
	e := newEnv(t)
	a := e.user("kiem.duyet.a@vncert.gov.vn", "vi", auth.RoleCoordinator)
	b := e.user("kiem.duyet.b@vncert.gov.vn", "vi", auth.RoleCoordinator)
	c := e.user("kiem.duyet.c@vncert.gov.vn", "vi", auth.RoleCoordinator)
	id := portalEntryID(t, e, canon.KindDomain, "shop-that.example")
	for _, u := range []auth.User{a, b} {
		if _, err := e.app.Portal.Confirm(t.Context(), auth.Principal{UserID: u.ID, Email: u.Email, Role: u.Role}, id, "shopping", ""); err != nil {
			t.Fatal(err)
		}
	}
	ch := e.app.Portal.Challenge()
	e.clock.Advance(5 * time.Second)
	if _, err := e.app.Portal.Appeal(t.Context(), portal.AppealInput{Value: "shop-that.example", Contact: "chu.shop@mail.example",
		Statement: "Đây là cửa hàng thật của chúng tôi.", Lang: "vi"},
		portal.Client{Remote: "203.0.113.40", PoWToken: ch.Token, PoWNonce: guard.Solve(ch.Token, ch.Bits)}); err != nil {
		t.Fatal(err)
	}

	ba := e.browser()
	ba.enrol(a.Email)
	p := ba.get("/portal-review/appeals")
	items := p.all("ul.queue li.card")
	if len(items) != 1 || !strings.Contains(text(items[0]), "cửa hàng thật") {
		t.Fatalf("appeals queue: %s", p.main())
	}
	apID := strings.TrimPrefix(attr(items[0], "id"), "appeal-")
	p = ba.post("/portal-review/appeals/"+apID+"/decide", url.Values{"decision": {"uphold"}, "reason": {""}})
	p.wantStatus(http.StatusUnprocessableEntity)
	if !p.has("#appeal-" + apID + " .field.invalid") {
		t.Errorf("no error beside the reason: %s", p.main())
	}
	p = ba.post("/portal-review/appeals/"+apID+"/decide", url.Values{"decision": {"uphold"}, "reason": {"Đã xác minh"}})
	p.wantStatus(http.StatusConflict)
	if en, _, _ := e.app.Portal.Entry(t.Context(), auth.System(), id); en.State != portal.StatePublished {
		t.Fatalf("a refused decision changed the entry: %s", en.State)
	}
	bc := e.browser()
	bc.enrol(c.Email)
	p = bc.post("/portal-review/appeals/"+apID+"/decide", url.Values{"decision": {"uphold"}, "reason": {"Đã xác minh giấy phép kinh doanh"}})
	p.wantPath("/portal-review/appeals")
	if p.has("ul.queue li.card") {
		t.Error("the decided appeal is still in the open queue")
	}
	if en, _, _ := e.app.Portal.Entry(t.Context(), auth.System(), id); en.State == portal.StatePublished {
		t.Errorf("an upheld appeal left the entry %s", en.State)
	}
}

func pageAll() page.Request { return page.Request{Limit: page.MaxLimit} }
