package web

// The live alert list. The alerts page carries one small static script
// (static/live.js, allowed by script-src 'self'; no inline script) that opens
// an EventSource on /alerts/live and puts each row it receives at the top of
// the table, replacing the row of the same alert if it is there. The rows
// are rendered here, by the same "alert-row" template as the page, in the
// viewer's language, so the script builds no markup of its own.
//
// The stream is authenticated by the session cookie like any page, and
// scoped: an alert is sent only when alert.Visible(p, a), rendered through
// alert.View (TLP redaction, excerpt only for the sensor's owner), and only
// when it passes the page's filters. Every heartbeat re-reads the session,
// so a log-out or a changed membership takes effect within one heartbeat.
// When the broker dropped alerts for this subscriber (a full buffer), the
// client is told to reload, which re-reads the list from the store.

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
)

// liveHeartbeat is how often an idle stream sends a comment, so proxies
// keep it open and a dead client is noticed.
const liveHeartbeat = 15 * time.Second

// liveFilter is the alerts page's filter, applied to the stream.
type liveFilter struct {
	alert.Filter
	query string // folded
}

func newLiveFilter(q url.Values) liveFilter {
	f := alertFilterOf(q)
	return liveFilter{Filter: f, query: strings.ToLower(f.Query)}
}

// match reports whether the viewed alert a belongs in the filtered list.
func (f liveFilter) match(a alert.Alert) bool {
	if (f.State != "" && a.State != f.State) || (f.Kind != "" && a.Kind != f.Kind) {
		return false
	}
	if f.OrgID != "" && !involves(a, f.OrgID) {
		return false
	}
	return f.query == "" || strings.Contains(strings.ToLower(a.Title), f.query) ||
		strings.Contains(strings.ToLower(a.Value), f.query)
}

func involves(a alert.Alert, orgID string) bool {
	for _, o := range a.Orgs {
		if o.OrgID == orgID {
			return true
		}
	}
	return false
}

// sse writes Server-Sent Events.
type sse struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

// event writes one event; data may span lines.
func (s sse) event(name, data string) error {
	var b strings.Builder
	b.WriteString("event: " + name + "\n")
	for line := range strings.SplitSeq(strings.ReplaceAll(data, "\r", ""), "\n") {
		b.WriteString("data: " + line + "\n")
	}
	b.WriteString("\n")
	return s.send(b.String())
}

// comment writes a comment line, which clients ignore.
func (s sse) comment(text string) error { return s.send(": " + text + "\n\n") }

func (s sse) send(text string) error {
	if _, err := s.w.Write([]byte(text)); err != nil {
		return err
	}
	return s.rc.Flush()
}

// alertLive streams the alerts the session may see as Server-Sent Events:
// "alert" (a table row to show), "remove" (the ID of an alert that no longer
// passes the filter) and "reload" (the stream lost alerts or the session
// ended). It runs until the client goes away.
func (w *Web) alertLive(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := needAlertRead(s.P); err != nil {
		return err
	}
	orgs, err := w.orgs(r.Context(), s.P)
	if err != nil {
		return err
	}
	rc := http.NewResponseController(rw)
	// The server's read and write timeouts are for ordinary requests; a
	// stream lives as long as its page. Writers that cannot change them
	// (test recorders) are fine as they are.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	h := rw.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // ask reverse proxies not to buffer
	select {
	case <-w.stop:
		return errs.New(errs.KindUnavailable, "alert.live_stopped", "the server is shutting down; try again shortly")
	default:
	}
	sub := w.alerts.Broker().Subscribe()
	defer w.alerts.Broker().Unsubscribe(sub)
	rw.WriteHeader(http.StatusOK)
	out := sse{w: rw, rc: rc}
	if err := out.send("retry: 5000\n: connected\n\n"); err != nil {
		return nil // the client is gone; the status is already sent
	}
	w.pump(r, s, newLiveFilter(r.URL.Query()), orgs, sub, out)
	return nil
}

// pump forwards alerts from sub to the client until the request ends, the
// client is gone, or the stream must be reloaded.
func (w *Web) pump(r *http.Request, s *session, f liveFilter, orgs Orgs, sub *alert.Subscription, out sse) {
	tick := time.NewTicker(w.heartbeat)
	defer tick.Stop()
	p, lang := s.P, s.Lang()
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-w.stop:
			return // the client reconnects, to this process's successor
		case <-tick.C:
			if sub.Dropped() {
				_ = out.event("reload", "dropped")
				return
			}
			fresh, aerr := w.authenticate(r)
			if aerr != nil || fresh.Stage != auth.StageDone {
				_ = out.event("reload", "session")
				return
			}
			p = fresh.P
			err = out.comment("heartbeat")
		case a := <-sub.C:
			if sub.Dropped() {
				_ = out.event("reload", "dropped")
				return
			}
			err = w.forward(out, p, lang, f, orgs, a)
		}
		if err != nil {
			w.log.DebugContext(r.Context(), "web: live alerts ended", "err", err)
			return
		}
	}
}

// StopStreams ends every live alert stream, now and from now on. A server
// shutting down calls it (http.Server.RegisterOnShutdown): Shutdown waits
// for active connections, and a stream is always active. Browsers reconnect
// by themselves after the stream's retry delay.
func (w *Web) StopStreams() { w.stopOnce.Do(func() { close(w.stop) }) }

// forward sends one alert to a viewer, if the viewer may see it.
func (w *Web) forward(out sse, p auth.Principal, lang string, f liveFilter, orgs Orgs, a alert.Alert) error {
	if !alert.Visible(p, a) {
		return nil
	}
	a = alert.View(p, a, a.SensorOrg())
	if !f.match(a) {
		return out.event("remove", a.ID)
	}
	row, err := w.views.fragment(lang, "alerts", "alert-row", newAlertRow(a, orgs))
	if err != nil {
		return err
	}
	return out.event("alert", row)
}

// fragment renders one named template of a page's set, in lang.
func (v *views) fragment(lang, page, name string, data any) (string, error) {
	if !v.pages[page] {
		return "", fmt.Errorf("web: no page %q", page)
	}
	var buf bytes.Buffer
	if err := v.set(lang).ExecuteTemplate(&buf, name, data); err != nil {
		return "", fmt.Errorf("web: %s/%s: %w", page, name, err)
	}
	return strings.TrimSpace(buf.String()), nil
}
