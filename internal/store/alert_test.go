package store_test

import (
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

func hit(sensorOrg, ipOrg, eventID string, at time.Time) alert.Hit {
	h := alert.Hit{Kind: alert.KindIndicator, Severity: 4, Title: "C2 address", Indicator: "ipv4|203.0.113.7",
		Field: "dst_ip", Value: "203.0.113.7", TLP: tlp.Amber, Sources: []string{"feed-a"}, SensorID: "sensor-1",
		EventID: eventID, EventTime: at, Excerpt: `{"dst_ip":"203.0.113.7"}`,
		Orgs: []alert.Involved{{OrgID: sensorOrg, Reason: alert.ReasonSensorOwner}}}
	if ipOrg != "" {
		h.Orgs = append(h.Orgs, alert.Involved{OrgID: ipOrg, Reason: alert.ReasonIPOwner})
	}
	return h
}

func TestAlertStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		a, b, c := mustOrg(t, db, "a", "A"), mustOrg(t, db, "b", "B"), mustOrg(t, db, "c", "C")
		t0 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		out, err := db.RecordHits(ctx, []alert.Hit{hit(a.ID, b.ID, "e1", t0), hit(a.ID, b.ID, "e2", t0.Add(time.Minute))}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 1 || out[0].Count != 2 || !out[0].LastSeen.Equal(t0.Add(time.Minute)) || len(out[0].Orgs) != 2 {
			t.Fatalf("two hits fold into one alert with count 2: %+v", out)
		}
		id := out[0].ID
		// A re-delivered event is not counted again.
		if out, err := db.RecordHits(ctx, []alert.Hit{hit(a.ID, b.ID, "e2", t0.Add(time.Minute))}, t0); err != nil || len(out) != 0 {
			t.Fatalf("re-delivery changed %d alerts, %v", len(out), err)
		}
		if got := got(db.GetAlert(ctx, all, id)); got.Count != 2 {
			t.Errorf("count after re-delivery = %d", got.Count)
		}
		// Scope: B (IP owner) sees it; C does not.
		if _, err := db.GetAlert(ctx, auth.Scope{Orgs: []string{b.ID}}, id); err != nil {
			t.Errorf("IP owner cannot see the alert: %v", err)
		}
		if _, err := db.GetAlert(ctx, auth.Scope{Orgs: []string{c.ID}}, id); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("uninvolved org sees the alert: %v", err)
		}
		res := got(db.ListAlerts(ctx, auth.Scope{Orgs: []string{c.ID}}, alert.Filter{}, page.Request{Limit: 10, Sort: "last_seen"}))
		if len(res.Items) != 0 {
			t.Errorf("uninvolved org lists %d alerts", len(res.Items))
		}
		// Triage: false positive closes the fold; the next hit opens a new alert.
		ch := alert.Change{At: t0, Actor: "analyst", Action: "false_positive", Note: "lab traffic"}
		if _, err := db.SetAlertState(ctx, auth.Scope{Orgs: []string{c.ID}}, id, alert.StateFalsePositive, ch, audit.New(auth.System(), "alert.false_positive", "alert", id, a.ID)); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("uninvolved org triaged: %v", err)
		}
		got(db.SetAlertState(ctx, all, id, alert.StateFalsePositive, ch, audit.New(auth.System(), "alert.false_positive", "alert", id, a.ID)))
		out = got(db.RecordHits(ctx, []alert.Hit{hit(a.ID, b.ID, "e3", t0.Add(2*time.Minute))}, t0))
		if len(out) != 1 || out[0].ID == id {
			t.Fatalf("a hit after a false positive must open a new alert: %+v", out)
		}
		if h := got(db.AlertHistory(ctx, id)); len(h) != 1 || h[0].Note != "lab traffic" {
			t.Errorf("history = %+v", h)
		}
		// Suppression by the IP owner leaves it out; by the sensor owner drops the hit.
		sup := alert.Suppression{OrgID: b.ID, MatchKey: "ipv4|203.0.113.7", Reason: "ours", ExpiresAt: t0.Add(time.Hour), CreatedBy: "x", CreatedAt: t0}
		if err := db.AddSuppression(ctx, sup, audit.New(auth.System(), "alert.suppress", "suppression", "", b.ID)); err != nil {
			t.Fatal(err)
		}
		other := hit(c.ID, b.ID, "e4", t0)
		other.SensorID = "sensor-2"
		out = got(db.RecordHits(ctx, []alert.Hit{other}, t0))
		if len(out) != 1 || len(out[0].Orgs) != 1 || out[0].Orgs[0].OrgID != c.ID {
			t.Errorf("suppressing IP owner not left out: %+v", out)
		}
		sup.OrgID = a.ID
		if err := db.AddSuppression(ctx, sup, audit.New(auth.System(), "alert.suppress", "suppression", "", a.ID)); err != nil {
			t.Fatal(err)
		}
		if out := got(db.RecordHits(ctx, []alert.Hit{hit(a.ID, b.ID, "e5", t0)}, t0)); len(out) != 0 {
			t.Errorf("hit suppressed by its sensor owner still recorded: %+v", out)
		}
		if out := got(db.RecordHits(ctx, []alert.Hit{hit(a.ID, b.ID, "e6", t0)}, t0.Add(2*time.Hour))); len(out) != 1 {
			t.Errorf("an expired suppression still applies")
		}
	})
}
