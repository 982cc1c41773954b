package web_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/tlp"
)

// liveWait bounds every wait for an event of the stream.
const liveWait = 10 * time.Second

// sseEvent is one Server-Sent Event; "open" is made up by the reader when
// the server's first comment arrives (the subscription then exists).
type sseEvent struct{ name, data string }

// stream opens the live alert stream with b's session and reads it until
// the test ends. The reader goroutine is waited for in the cleanup.
func (b *browser) stream(query string) <-chan sseEvent {
	b.t.Helper()
	ctx, cancel := context.WithCancel(b.t.Context())
	req, err := http.NewRequestWithContext(ctx, "GET", b.e.srv.URL+"/alerts/live"+query, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	c := &http.Client{Jar: b.c.Jar} // no overall timeout: the stream is long-lived
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" ||
		resp.Header.Get("Cache-Control") != "no-cache" {
		b.t.Fatalf("stream: %d %v", resp.StatusCode, resp.Header)
	}
	events, done := make(chan sseEvent, 1024), make(chan struct{})
	go func() {
		defer close(done)
		defer close(events)
		readEvents(bufio.NewScanner(resp.Body), events)
	}()
	b.t.Cleanup(func() { cancel(); resp.Body.Close(); <-done })
	if ev := next(b.t, events); ev.name != "open" {
		b.t.Fatalf("first event %+v, want the opening comment", ev)
	}
	return events
}

func readEvents(sc *bufio.Scanner, out chan<- sseEvent) {
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var ev sseEvent
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == ": connected":
			out <- sseEvent{name: "open"}
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		case line == "" && ev.name != "":
			ev.data = strings.Join(data, "\n")
			out <- ev
			ev, data = sseEvent{}, nil
		}
	}
}

// next returns the stream's next event, failing after liveWait.
func next(t *testing.T, events <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(liveWait):
		t.Fatal("no event within", liveWait)
	}
	return sseEvent{}
}

// TestLiveAlertsAreScoped: an alert recorded for A reaches A's stream as a
// row in A's language, and never B's; B's own alert reaches B.
func TestLiveAlertsAreScoped(t *testing.T) {
	e := newEnv(t)
	e.user("admin.a@so-a.gov.vn", "en", auth.RoleConstituentAdmin, e.orgA.ID)
	e.user("admin.b@so-b.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgB.ID)
	a, b := e.browser(), e.browser()
	a.login("admin.a@so-a.gov.vn").wantPath("/")
	b.login("admin.b@so-b.gov.vn").wantPath("/")
	streamA, streamB := a.stream(""), b.stream("")

	alertA := recordAlert(t, e, "203.0.113.66", tlp.Amber, "sensor-a", e.orgA.ID)
	ev := next(t, streamA)
	if ev.name != "alert" || !strings.Contains(ev.data, `data-id="`+alertA.ID+`"`) ||
		!strings.Contains(ev.data, "203.0.113.66") || !strings.Contains(ev.data, ">High<") {
		t.Fatalf("A's stream: %+v", ev)
	}
	alertB := recordAlert(t, e, "203.0.113.77", tlp.Amber, "sensor-b", e.orgB.ID)
	// B's stream takes alerts in the order they were published: had A's
	// alert reached it, it would come first.
	if ev := next(t, streamB); ev.name != "alert" || !strings.Contains(ev.data, `data-id="`+alertB.ID+`"`) {
		t.Fatalf("B's stream, first event: %+v", ev)
	}
	red := recordAlert(t, e, "192.0.2.99", tlp.Red, "sensor-b", e.orgB.ID, e.orgA.ID)
	for _, s := range []<-chan sseEvent{streamA, streamB} {
		ev := next(t, s)
		if ev.name != "alert" || !strings.Contains(ev.data, red.ID) || strings.Contains(ev.data, "192.0.2.99") {
			t.Errorf("the RED alert on the stream: %+v", ev)
		}
	}
	select {
	case ev := <-streamA:
		t.Errorf("A's stream sent more: %+v", ev)
	default:
	}
}

// TestLiveFilterAndReload: a stream filtered to acknowledged alerts says
// "remove" for a new one; a stream that lost alerts tells the page to reload.
func TestLiveFilterAndReload(t *testing.T) {
	e := newEnv(t)
	e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	b := e.browser()
	b.login("admin.a@so-a.gov.vn").wantPath("/")
	filtered := b.stream("?state=acknowledged")
	al := recordAlert(t, e, "203.0.113.66", tlp.Amber, "sensor-a", e.orgA.ID)
	if ev := next(t, filtered); ev.name != "remove" || ev.data != al.ID {
		t.Fatalf("filtered stream: %+v", ev)
	}
	if _, err := e.app.Alerts.Acknowledge(t.Context(), auth.System(), al.ID); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, filtered); ev.name != "alert" || !strings.Contains(ev.data, "Đã tiếp nhận") {
		t.Fatalf("after acknowledging: %+v", ev)
	}

	flood := b.stream("")
	broker := e.app.Alerts.Broker()
	for i := range 20000 { // far more than a subscriber buffers
		broker.Publish(alert.Alert{ID: "flood-" + strings.Repeat("x", i%3), Kind: alert.KindRule, Severity: 1, State: alert.StateNew,
			TLP: tlp.Green, Title: "flood", Orgs: []alert.Involved{{OrgID: e.orgA.ID, Reason: alert.ReasonSensorOwner}}})
	}
	for {
		ev := next(t, flood)
		if ev.name == "reload" {
			if ev.data != "dropped" {
				t.Errorf("reload because %q", ev.data)
			}
			return
		}
	}
}
