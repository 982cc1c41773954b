package web

// Inside the package: the live stream's loop under testing/synctest (its
// heartbeat is 15 s of fake time), the filter, the chart, and the catalogue
// keys the monitoring templates build from enumerations.

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/tlp"
)

// liveWeb is a Web with just what the stream's loop needs.
func liveWeb(t *testing.T) *Web {
	t.Helper()
	b, err := loadBundle()
	if err != nil {
		t.Fatal(err)
	}
	zone, err := time.LoadLocation(DisplayZone)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	v, err := parseViews(b, log, zone)
	if err != nil {
		t.Fatal(err)
	}
	return &Web{views: v, alerts: alert.New(alert.Deps{}), log: log, heartbeat: liveHeartbeat, now: time.Now,
		stop: make(chan struct{})}
}

var constituentA = auth.Principal{UserID: "u", Email: "a@so-a.gov.vn", Role: auth.RoleConstituentAdmin, Orgs: []string{"org-a"}, Lang: "vi"}

func alertFor(orgs ...string) alert.Alert {
	a := alert.Alert{ID: "al-1", Kind: alert.KindIndicator, Severity: 3, Title: "C2 beacon", Value: "203.0.113.66",
		Indicator: "ipv4|203.0.113.66", TLP: tlp.Amber, State: alert.StateNew}
	for _, o := range orgs {
		a.Orgs = append(a.Orgs, alert.Involved{OrgID: o, Reason: alert.ReasonIPOwner})
	}
	return a
}

// runPump runs the stream's loop for a request without a session cookie
// and returns what it wrote once it ends.
func runPump(t *testing.T, w *Web, sub *alert.Subscription, during func()) string {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequestWithContext(t.Context(), "GET", "/alerts/live", nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.pump(req, &session{P: constituentA}, liveFilter{}, Orgs{}, sub, sse{w: rec, rc: http.NewResponseController(rec)})
	}()
	during()
	<-done
	return rec.Body.String()
}

// TestLiveHeartbeatChecksTheSession: every heartbeat re-reads the session;
// one that ended (here: no cookie at all) makes the page reload, at the
// first heartbeat and not before.
func TestLiveHeartbeatChecksTheSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := liveWeb(t)
		sub := w.alerts.Broker().Subscribe()
		defer w.alerts.Broker().Unsubscribe(sub)
		start := time.Now()
		var ended time.Duration
		out := runPump(t, w, sub, func() {
			w.alerts.Broker().Publish(alertFor("org-b")) // not A's: nothing is sent
			time.Sleep(liveHeartbeat - time.Millisecond)
			synctest.Wait()
		})
		ended = time.Since(start)
		if out != "event: reload\ndata: session\n\n" || ended != liveHeartbeat {
			t.Errorf("after %v the stream wrote %q", ended, out)
		}
	})
}

// TestLiveReloadWhenDropped: a subscriber whose buffer overflowed is told
// to reload at the next alert.
func TestLiveReloadWhenDropped(t *testing.T) {
	w := liveWeb(t)
	sub := w.alerts.Broker().Subscribe()
	defer w.alerts.Broker().Unsubscribe(sub)
	for range cap(sub.C) + 1 {
		w.alerts.Broker().Publish(alertFor("org-a"))
	}
	if out := runPump(t, w, sub, func() {}); out != "event: reload\ndata: dropped\n\n" {
		t.Errorf("wrote %q", out)
	}
}

// TestLiveStopStreams: a shutting-down server ends its streams at once,
// writing nothing more (the browser reconnects to the next process).
func TestLiveStopStreams(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := liveWeb(t)
		sub := w.alerts.Broker().Subscribe()
		defer w.alerts.Broker().Unsubscribe(sub)
		start := time.Now()
		if out := runPump(t, w, sub, w.StopStreams); out != "" || time.Since(start) != 0 {
			t.Errorf("after %v the stream wrote %q", time.Since(start), out)
		}
		w.StopStreams() // twice is fine
	})
}

func TestLiveFilter(t *testing.T) {
	a := alertFor("org-a", "org-c")
	redacted := a.Redact(tlp.Green)
	tests := []struct {
		name  string
		query string
		a     alert.Alert
		want  bool
	}{
		{"no filter", "", a, true},
		{"state", "state=new", a, true},
		{"other state", "state=closed", a, false},
		{"kind", "kind=rule", a, false},
		{"an involved organisation", "org=org-c", a, true},
		{"another organisation", "org=org-b", a, false},
		{"value, any case", "q=113.66", a, true},
		{"title, any case", "q=c2+BEACON", a, true},
		{"no match", "q=evil", a, false},
		{"a withheld value does not match", "q=113.66", redacted, false},
	}
	for _, tc := range tests {
		q, _ := url.ParseQuery(tc.query)
		if got := newLiveFilter(q).match(tc.a); got != tc.want {
			t.Errorf("%s: match = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestBarChart(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 30, 45, 0, time.UTC)
	c := newBarChart([]ingest.Minute{
		{Minute: now.Truncate(time.Minute), Accepted: 90, Rejected: 30},
		{Minute: now.Add(-59 * time.Minute).Truncate(time.Minute), Accepted: 1},
		{Minute: now.Add(-2 * time.Hour).Truncate(time.Minute), Accepted: 500}, // outside the hour
	}, now)
	if len(c.Bars) != 60 || c.Accepted != 91 || c.Rejects != 30 || c.Peak != 120 {
		t.Fatalf("bars %d, accepted %d, rejected %d, peak %d", len(c.Bars), c.Accepted, c.Rejects, c.Peak)
	}
	last, first := c.Bars[59], c.Bars[0]
	if last.AH != 90 || last.RH != 30 || last.AY != 30 || last.RY != 0 || last.X != 590 {
		t.Errorf("the busiest minute: %+v", last)
	}
	if first.AH != 1 || first.AY != chartHeight-1 {
		t.Errorf("a minute with one event must show: %+v", first)
	}
	if c.Bars[30].AH != 0 || c.Bars[30].RH != 0 {
		t.Errorf("a quiet minute: %+v", c.Bars[30])
	}
}

// TestMonitoringKeysExist: the keys the monitoring templates build from
// enumerations are in both catalogues.
func TestMonitoringKeysExist(t *testing.T) {
	var keys []string
	add := func(prefix string, values ...string) {
		for _, v := range values {
			keys = append(keys, prefix+v)
		}
	}
	for _, s := range alert.States {
		add("alert_state.", string(s))
	}
	for _, k := range alertKinds {
		add("alert_kind.", string(k))
	}
	add("alert_action.", "acknowledge", "close", "false_positive", "escalate")
	add("severity.", "1", "2", "3", "4", "5")
	for _, k := range ingest.Kinds {
		add("sensor_kind.", string(k))
	}
	for _, ty := range intel.Types {
		add("intel_type.", string(ty))
	}
	for _, f := range intel.Formats {
		add("feed_format.", string(f))
	}
	for _, n := range monitoringNav(auth.System()) {
		keys = append(keys, n.Key)
	}
	for _, lang := range Langs {
		cat := catalogue(t, lang)
		for _, k := range keys {
			if _, ok := cat[k]; !ok {
				t.Errorf("%s.json lacks %q", lang, k)
			}
		}
	}
	if !strings.Contains(CSP, "connect-src 'self'") {
		t.Error("the CSP does not allow the live stream")
	}
}
