package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store/storetest"
)

var ntT0 = time.Date(2026, 11, 20, 1, 2, 3, 0, time.UTC)

func ntNotice(kind, ref, orgID string, users ...string) notify.Notice {
	return notify.Notice{Kind: kind, Ref: ref, OrgID: orgID, Users: users, Link: "/incidents/" + ref,
		Text: map[string]notify.Text{"vi": {Subject: "Sự cố mới", Body: "Nội dung"}, "en": {Subject: "New incident", Body: "Body"}},
		Data: map[string]any{"ref": ref}}
}

func ntContact(t *testing.T, db storetest.DB, orgID, email, lang string, role org.ContactRole) {
	t.Helper()
	if _, err := db.CreateContact(t.Context(), all, org.Contact{OrgID: orgID, Name: "Duty " + email, Role: role,
		Email: email, Language: lang}, entry("contact.create")); err != nil {
		t.Fatal(err)
	}
}

func ntOutbox(t *testing.T, db storetest.DB, scope auth.Scope, f notify.Filter, limit int) []notify.Delivery {
	t.Helper()
	var out []notify.Delivery
	pr := page.Request{Limit: limit, Sort: "created_at"}
	for range 100 {
		res, err := db.ListDeliveries(t.Context(), scope, f, pr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.Items...)
		if res.Next == "" {
			return out
		}
		pr.Cursor = res.Next
	}
	t.Fatal("pagination does not end")
	return nil
}

// TestNotifyEnqueueAndList expands a notice into deliveries (preferences,
// contacts, webhooks), lists them within scope with keyset pagination and
// filters, and wakes the dispatcher only after a commit.
func TestNotifyEnqueueAndList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		a, b := mustOrg(t, db, "a", "A"), mustOrg(t, db, "b", "B")
		var woken atomic.Int32
		db.OnNotify(func() { woken.Add(1) })
		quiet := newTestUser(t, db, "quiet@a.vn", auth.RoleConstituentAdmin, a.ID)
		en, err := db.CreateUser(ctx, sys, auth.User{Email: "en@a.vn", Name: "English reader", Role: auth.RoleConstituentAnalyst,
			Language: "en", Orgs: []string{a.ID}}, "hash")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetNotifyPreferences(ctx, quiet.ID, map[string]bool{notify.KindIncidentNote: false}, entry("notify.preferences")); err != nil {
			t.Fatal(err)
		}
		ntContact(t, db, a.ID, "duty@a.vn", "vi", org.ContactDuty)
		ntContact(t, db, a.ID, "legal@a.vn", "vi", org.ContactLegal)
		national, err := db.CreateWebhook(ctx, notify.Webhook{Name: "CERT SOAR", URL: "https://soar.example/h", Secret: "s1", Active: true}, entry("webhook.create"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateWebhook(ctx, notify.Webhook{OrgID: a.ID, Name: "A only breaches", URL: "https://a.example/h", Secret: "s2",
			Kinds: []string{notify.KindIncidentBreach}, Active: true}, entry("webhook.create")); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateWebhook(ctx, notify.Webhook{OrgID: b.ID, Name: "B", URL: "https://b.example/h", Secret: "s3", Active: true}, entry("webhook.create")); err != nil {
			t.Fatal(err)
		}

		// A rolled-back change leaves no delivery and wakes nobody.
		if err := db.EnqueueForTest(ctx, ntT0, true, ntNotice(notify.KindIncidentNote, "KH-0", a.ID, en.ID)); err == nil {
			t.Fatal("the rollback did not happen")
		}
		if got := ntOutbox(t, db, all, notify.Filter{}, 50); len(got) != 0 || woken.Load() != 0 {
			t.Fatalf("rolled back: %d deliveries, %d wake-ups", len(got), woken.Load())
		}

		n := ntNotice(notify.KindIncidentNote, "KH-1", a.ID, quiet.ID, en.ID)
		n.Contacts = []string{"duty-24x7"}
		if err := db.EnqueueForTest(ctx, ntT0, false, n); err != nil {
			t.Fatal(err)
		}
		if woken.Load() != 1 {
			t.Errorf("wake-ups after one commit = %d", woken.Load())
		}
		got := ntOutbox(t, db, all, notify.Filter{}, 2) // pages of two
		byRcpt := map[string]notify.Delivery{}
		for _, d := range got {
			byRcpt[d.Recipient] = d
		}
		if len(got) != 4 || len(byRcpt) != 4 {
			t.Fatalf("deliveries: %+v", byRcpt)
		}
		if d := byRcpt["quiet@a.vn"]; d.State != notify.StateSuppressed {
			t.Errorf("a user who turned the kind off: state %q", d.State)
		}
		if d := byRcpt["en@a.vn"]; d.State != notify.StatePending || d.Lang != "en" || d.Subject != "[KH-1] New incident" || d.UserID != en.ID {
			t.Errorf("English user: %+v", d)
		}
		if d := byRcpt["duty@a.vn"]; d.Lang != "vi" || d.Subject != "[KH-1] Sự cố mới" || d.Channel != notify.ChannelEmail {
			t.Errorf("duty contact: %+v", d)
		}
		if _, ok := byRcpt["legal@a.vn"]; ok {
			t.Error("a contact of another role was told")
		}
		if d := byRcpt["https://soar.example/h"]; d.WebhookID != national.ID || !strings.Contains(d.Payload, `"ref":"KH-1"`) {
			t.Errorf("national webhook: %+v", d)
		}
		// Filters and scope.
		if f := ntOutbox(t, db, all, notify.Filter{State: notify.StateSuppressed}, 10); len(f) != 1 {
			t.Errorf("state filter: %d", len(f))
		}
		if f := ntOutbox(t, db, all, notify.Filter{Ref: "KH-1", Channel: notify.ChannelWebhook}, 10); len(f) != 1 {
			t.Errorf("ref+channel filter: %d", len(f))
		}
		if f := ntOutbox(t, db, auth.Scope{Orgs: []string{b.ID}}, notify.Filter{}, 10); len(f) != 0 {
			t.Errorf("organisation B sees %d of A's deliveries", len(f))
		}
		if _, err := db.GetDelivery(ctx, auth.Scope{Orgs: []string{b.ID}}, got[0].ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("B reads A's delivery: %v", err)
		}
		counts, err := db.PendingCounts(ctx, all)
		if err != nil || counts[notify.ChannelEmail] != 2 || counts[notify.ChannelWebhook] != 1 {
			t.Errorf("pending counts %v, %v", counts, err)
		}
	})
}

// TestNotifyClaimOnce has several dispatchers claim the same outbox at once:
// every delivery is claimed exactly once.
func TestNotifyClaimOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		a := mustOrg(t, db, "a", "A")
		const total = 60
		var ns []notify.Notice
		for i := range total {
			n := ntNotice(notify.KindIncidentState, fmt.Sprintf("KH-%d", i), a.ID)
			n.Emails = []string{fmt.Sprintf("r%d@a.vn", i)}
			ns = append(ns, n)
		}
		if err := db.EnqueueForTest(ctx, ntT0, false, ns...); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 100 {
					batch, err := db.ClaimDeliveries(ctx, ntT0.Add(time.Second), []string{notify.ChannelEmail}, 7, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					n := len(seen)
					for _, d := range batch {
						seen[d.ID]++
						if d.Attempts != 1 || d.Claim == "" {
							t.Errorf("claimed delivery: attempts %d, claim %q", d.Attempts, d.Claim)
						}
					}
					done := n == total
					mu.Unlock()
					if done {
						return
					}
				}
			})
		}
		wg.Wait()
		if len(seen) != total {
			t.Fatalf("claimed %d of %d", len(seen), total)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("delivery %s claimed %d times", id, n)
			}
		}
		// Claimed deliveries are not due again until the lease ends.
		if again, _ := db.ClaimDeliveries(ctx, ntT0.Add(30*time.Second), []string{notify.ChannelEmail}, 100, time.Minute); len(again) != 0 {
			t.Errorf("claimed again within the lease: %d", len(again))
		}
		if again, _ := db.ClaimDeliveries(ctx, ntT0.Add(2*time.Minute), []string{notify.ChannelWebhook}, 100, time.Minute); len(again) != 0 {
			t.Errorf("a channel not asked for was claimed: %d", len(again))
		}
		if again, _ := db.ClaimDeliveries(ctx, ntT0.Add(2*time.Minute), []string{notify.ChannelEmail}, 100, time.Minute); len(again) != total {
			t.Errorf("after the lease, %d of %d are claimable again", len(again), total)
		}
	})
}

// TestNotifySettleAndRetry settles claimed deliveries only with their claim,
// and retries a failed one (audited, scoped, refused for a pending one).
func TestNotifySettleAndRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		a, b := mustOrg(t, db, "a", "A"), mustOrg(t, db, "b", "B")
		n := ntNotice(notify.KindIncidentBreach, "KH-9", a.ID)
		n.Emails = []string{"x@a.vn", "y@a.vn", "z@a.vn"}
		if err := db.EnqueueForTest(ctx, ntT0, false, n); err != nil {
			t.Fatal(err)
		}
		batch, err := db.ClaimDeliveries(ctx, ntT0, []string{notify.ChannelEmail}, 10, time.Minute)
		if err != nil || len(batch) != 3 {
			t.Fatalf("claim: %d, %v", len(batch), err)
		}
		by := map[string]notify.Delivery{}
		for _, d := range batch {
			by[d.Recipient] = d
		}
		x, y, z := by["x@a.vn"], by["y@a.vn"], by["z@a.vn"]
		// A stale claim changes nothing.
		ntMust(t, db.MarkSent(ctx, x.ID, "not-the-claim", ntT0))
		if d, _ := db.GetDelivery(ctx, all, x.ID); d.State != notify.StatePending {
			t.Fatalf("a stale claim settled the delivery: %s", d.State)
		}
		ntMust(t, db.MarkSent(ctx, x.ID, x.Claim, ntT0.Add(time.Second)))
		ntMust(t, db.MarkRetry(ctx, y.ID, y.Claim, ntT0.Add(time.Hour), "421 try later"))
		ntMust(t, db.MarkFailed(ctx, z.ID, z.Claim, "550 no such user"))
		dx, dy, dz := got(db.GetDelivery(ctx, all, x.ID)), got(db.GetDelivery(ctx, all, y.ID)), got(db.GetDelivery(ctx, all, z.ID))
		if dx.State != notify.StateSent || !dx.SentAt.Equal(ntT0.Add(time.Second)) || dx.Claim != "" {
			t.Errorf("sent: %+v", dx)
		}
		if dy.State != notify.StatePending || !dy.NextAttempt.Equal(ntT0.Add(time.Hour)) || dy.LastError != "421 try later" || dy.Attempts != 1 {
			t.Errorf("retry: %+v", dy)
		}
		if dz.State != notify.StateFailed || dz.LastError != "550 no such user" {
			t.Errorf("failed: %+v", dz)
		}
		size := auditSize(t, db)
		if _, err := db.RetryDelivery(ctx, all, y.ID, ntT0, entry("notify.retry")); !errs.Is(err, errs.KindConflict) {
			t.Errorf("retry of a pending delivery: %v", err)
		}
		if _, err := db.RetryDelivery(ctx, auth.Scope{Orgs: []string{b.ID}}, z.ID, ntT0, entry("notify.retry")); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("retry out of scope: %v", err)
		}
		if auditSize(t, db) != size {
			t.Error("refused retries were audited")
		}
		r, err := db.RetryDelivery(ctx, all, z.ID, ntT0.Add(2*time.Hour), entry("notify.retry"))
		if err != nil || r.State != notify.StatePending || r.Attempts != 0 || !r.NextAttempt.Equal(ntT0.Add(2*time.Hour)) {
			t.Fatalf("retry: %+v, %v", r, err)
		}
		if auditSize(t, db) != size+1 {
			t.Error("the retry was not audited")
		}
	})
}

func ntMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestNotifyWebhooksAndPreferences covers webhook scoping, turning a gone
// webhook off, deletion, and preferences.
func TestNotifyWebhooksAndPreferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		a, b := mustOrg(t, db, "a", "A"), mustOrg(t, db, "b", "B")
		ha := got(db.CreateWebhook(ctx, notify.Webhook{OrgID: a.ID, Name: "A", URL: "https://a.example/h", Secret: "whsec_secret_of_a",
			Kinds: []string{"incident.*"}, Active: true}, entry("webhook.create")))
		hn := got(db.CreateWebhook(ctx, notify.Webhook{Name: "National", URL: "https://n.example/h", Secret: "whsec_secret_national", Active: true}, entry("webhook.create")))
		onlyA := notify.WebhookScope{Orgs: auth.Scope{Orgs: []string{a.ID}}}
		onlyB := notify.WebhookScope{Orgs: auth.Scope{Orgs: []string{b.ID}}}
		nat := notify.WebhookScope{National: true}
		if l := got(db.ListWebhooks(ctx, onlyA, notify.WebhookFilter{})); len(l) != 1 || l[0].ID != ha.ID || !slices.Equal(l[0].Kinds, []string{"incident.*"}) {
			t.Errorf("A lists %+v", l)
		}
		if l := got(db.ListWebhooks(ctx, nat, notify.WebhookFilter{})); len(l) != 1 || l[0].ID != hn.ID {
			t.Errorf("national lists %+v", l)
		}
		if _, err := db.GetWebhook(ctx, onlyB, ha.ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("B reads A's webhook: %v", err)
		}
		if _, err := db.GetWebhook(ctx, onlyA, hn.ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("A reads the national webhook: %v", err)
		}
		if err := db.DeleteWebhook(ctx, onlyB, ha.ID, entry("webhook.delete")); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("B deletes A's webhook: %v", err)
		}
		ha.Name = "A renamed"
		if _, err := db.UpdateWebhook(ctx, onlyB, ha, entry("webhook.update")); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("B updates A's webhook: %v", err)
		}
		if u := got(db.UpdateWebhook(ctx, onlyA, ha, entry("webhook.update"))); u.Name != "A renamed" {
			t.Errorf("update: %+v", u)
		}

		// Two notices for A: the webhook subscribed to incident.* gets the
		// first only; turning it off (410) fails what still waits.
		ntMust(t, db.EnqueueForTest(ctx, ntT0, false, ntNotice(notify.KindIncidentBreach, "KH-1", a.ID), ntNotice(notify.KindSensorSilent, "", a.ID)))
		hooked := ntOutbox(t, db, all, notify.Filter{Channel: notify.ChannelWebhook}, 10)
		if len(hooked) != 3 {
			t.Fatalf("webhook deliveries: %d, want 3 (A: 1, national: 2)", len(hooked))
		}
		last := got(db.LastWebhookDeliveries(ctx, onlyA, []string{ha.ID, hn.ID}))
		if len(last) != 1 || last[ha.ID].Kind != notify.KindIncidentBreach {
			t.Errorf("A's last deliveries: %+v", last)
		}
		if last := got(db.LastWebhookDeliveries(ctx, nat, []string{ha.ID, hn.ID})); len(last) != 1 || last[hn.ID].WebhookID != hn.ID {
			t.Errorf("national last deliveries: %+v", last)
		}
		ntMust(t, db.DisableWebhook(ctx, ha.ID, ntT0))
		if h := got(db.GetWebhook(ctx, onlyA, ha.ID)); h.Active || h.DisabledReason == "" {
			t.Errorf("disabled: %+v", h)
		}
		for _, d := range ntOutbox(t, db, all, notify.Filter{Channel: notify.ChannelWebhook}, 10) {
			if d.WebhookID == ha.ID && d.State != notify.StateFailed {
				t.Errorf("a delivery to the disabled webhook is %s", d.State)
			}
		}
		// Deleting the national webhook keeps its deliveries, failed.
		ntMust(t, db.DeleteWebhook(ctx, nat, hn.ID, entry("webhook.delete")))
		for _, d := range ntOutbox(t, db, all, notify.Filter{Channel: notify.ChannelWebhook}, 10) {
			if d.WebhookID == "" && (d.State != notify.StateFailed || d.LastError == "") {
				t.Errorf("delivery of a deleted webhook: %+v", d)
			}
		}
		if _, err := db.GetWebhook(ctx, nat, hn.ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("deleted webhook: %v", err)
		}

		// Every change was audited, and no entry holds a secret.
		actions, _ := auditLog(t, db, 0, "whsec_secret_of_a", "whsec_secret_national")
		for _, want := range []string{"webhook.create", "webhook.update", "webhook.disable", "webhook.delete"} {
			if !slices.Contains(actions, want) {
				t.Errorf("no %s in the audit log %v", want, actions)
			}
		}
		u := newTestUser(t, db, "p@a.vn", auth.RoleConstituentAdmin, a.ID)
		ntMust(t, db.SetNotifyPreferences(ctx, u.ID, map[string]bool{notify.KindIncidentNote: false, notify.KindIncidentBreach: true}, entry("notify.preferences")))
		ntMust(t, db.SetNotifyPreferences(ctx, u.ID, map[string]bool{notify.KindIncidentNote: true}, entry("notify.preferences")))
		p := got(db.NotifyPreferences(ctx, u.ID))
		if len(p) != 2 || !p[notify.KindIncidentNote] || !p[notify.KindIncidentBreach] {
			t.Errorf("preferences: %v", p)
		}
		if err := db.SetNotifyPreferences(ctx, "no-such-user", map[string]bool{notify.KindIncidentNote: true}, entry("notify.preferences")); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("preferences of nobody: %v", err)
		}
	})
}

// TestSensorSilenceNotifies tells the owner's 24×7 duty contacts, once,
// when a sensor falls silent and when it sends again.
func TestSensorSilenceNotifies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		a, b := mustOrg(t, db, "a", "A"), mustOrg(t, db, "b", "B")
		ntContact(t, db, a.ID, "soc@a.vn", "en", org.ContactDuty)
		ntContact(t, db, a.ID, "ciso@a.vn", "vi", org.ContactCISO)
		ntContact(t, db, b.ID, "soc@b.vn", "vi", org.ContactDuty)
		s := got(db.CreateSensor(ctx, all, ingest.Sensor{OrgID: a.ID, Name: "Suricata HN-1", Kind: ingest.KindSuricata,
			Cadence: 15 * time.Minute}, "hash", entry("sensor.create")))
		if changed := got(db.SetSilent(ctx, s.ID, true, ntT0)); !changed {
			t.Fatal("not flagged")
		}
		if changed := got(db.SetSilent(ctx, s.ID, true, ntT0.Add(time.Minute))); changed {
			t.Fatal("flagged twice")
		}
		out := ntOutbox(t, db, all, notify.Filter{}, 10)
		if len(out) != 1 {
			t.Fatalf("deliveries after silence: %+v", out)
		}
		d := out[0]
		if d.Kind != notify.KindSensorSilent || d.Recipient != "soc@a.vn" || d.Lang != "en" || d.Link != "/sensors/"+s.ID ||
			!strings.Contains(d.Subject, "Suricata HN-1") || !strings.Contains(d.Body, "Last seen") || d.OrgID != a.ID {
			t.Errorf("silence notice: %+v", d)
		}
		if changed := got(db.SetSilent(ctx, s.ID, false, ntT0.Add(time.Hour))); !changed {
			t.Fatal("not cleared")
		}
		out = ntOutbox(t, db, all, notify.Filter{Kind: notify.KindSensorResumed}, 10)
		if len(out) != 1 || out[0].Recipient != "soc@a.vn" || !strings.Contains(out[0].Subject, "sending again") {
			t.Errorf("resumed notice: %+v", out)
		}
	})
}

// countingSender counts sends per delivery.
type countingSender struct {
	mu   sync.Mutex
	sent map[string]int
}

func (c *countingSender) Send(_ context.Context, d notify.Delivery) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent[d.ID]++
	return nil
}

// TestTwoDispatchersSendOnce runs two dispatchers (as two processes would)
// over the same outbox: every delivery is sent exactly once and marked sent.
func TestTwoDispatchersSendOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		a := mustOrg(t, db, "a", "A")
		const total = 120
		var ns []notify.Notice
		for i := range total {
			n := ntNotice(notify.KindIncidentState, fmt.Sprintf("KH-%d", i), a.ID)
			n.Emails = []string{fmt.Sprintf("r%d@a.vn", i)}
			ns = append(ns, n)
		}
		ntMust(t, db.EnqueueForTest(ctx, ntT0, false, ns...))
		snd := &countingSender{sent: map[string]int{}}
		var wg sync.WaitGroup
		for range 2 {
			x := notify.NewDispatcher(notify.DispatcherDeps{Store: db.DB, Batch: 10, Workers: 3,
				Senders: map[string]notify.Sender{notify.ChannelEmail: snd}, Now: func() time.Time { return ntT0.Add(time.Second) }})
			wg.Go(func() {
				if _, err := x.Drain(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if len(snd.sent) != total {
			t.Fatalf("sent %d of %d", len(snd.sent), total)
		}
		for id, n := range snd.sent {
			if n != 1 {
				t.Errorf("delivery %s sent %d times", id, n)
			}
		}
		if got := ntOutbox(t, db, all, notify.Filter{State: notify.StateSent}, 500); len(got) != total {
			t.Errorf("%d marked sent", len(got))
		}
	})
}
