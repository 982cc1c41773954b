// Package e2e drives a whole Khiên process in-process: the real HTTP
// server, the embedded NATS server with JetStream, the detection workers
// and the database, on each storage engine.
package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

// server is a running Khiên with a sensor and an indicator set up.
type server struct {
	app            *app.App
	url            string
	sensorOrg, isp org.Org
	token          string
}

func start(t testing.TB, e storetest.Engine) *server {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.Database, cfg.Listen, cfg.SyslogListen = t.TempDir(), e.DSN(t), "127.0.0.1:0", "127.0.0.1:0"
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(t.Context(), cfg, app.Options{Logger: log, Hasher: auth.NewHasher(auth.TestParams)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, func(s string) { addr <- s }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	s := &server{app: a, url: "http://" + <-addr}
	sys := auth.System()
	s.sensorOrg = must(a.Org.CreateOrg(ctx, sys, org.Org{Slug: "bank", Name: "Bank", Kind: org.KindEnterprise}))
	s.isp = must(a.Org.CreateOrg(ctx, sys, org.Org{Slug: "isp", Name: "ISP", Kind: org.KindISP}))
	r := must(a.Org.ClaimResource(ctx, sys, org.Resource{OrgID: s.isp.ID, Type: org.ResourceCIDR, Value: "198.51.100.0/24"}))
	must(a.Org.DecideResource(ctx, sys, r.ID, org.Decision{Approve: true}))
	_, s.token, err = a.Ingest.Register(ctx, sys, ingest.Sensor{OrgID: s.sensorOrg.ID, Name: "suricata-1", Kind: ingest.KindSuricata})
	if err != nil {
		t.Fatal(err)
	}
	f := must(a.Intel.CreateFeed(ctx, sys, intel.Feed{Name: "c2", Format: intel.FormatList, TLP: tlp.Amber, Confidence: 90}))
	must(a.Intel.Import(ctx, sys, f.ID, "c2.txt", strings.NewReader("203.0.113.66\nevil.example\n"), false))
	return s
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// eve is a Suricata EVE flow line from a bank host (in the ISP's network)
// to addr.
func eve(i int, dst string) string {
	return fmt.Sprintf(`{"timestamp":"2026-11-21T08:00:%02d.000000+0700","flow_id":%d,"event_type":"flow","src_ip":"198.51.100.23","src_port":%d,"dest_ip":%q,"dest_port":443,"proto":"TCP"}`,
		i%60, 1880000000000000+i, 40000+i, dst)
}

func (s *server) post(t *testing.T, body []byte, gz bool) (*http.Response, []byte) {
	t.Helper()
	if gz {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write(body)
		w.Close()
		body = b.Bytes()
	}
	req, _ := http.NewRequest("POST", s.url+"/ingest/v1/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

// waitAlert polls until an alert on value appears with at least n events.
func (s *server) waitAlert(t *testing.T, value string, n int64) alert.Alert {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		res, err := s.app.Alerts.List(t.Context(), auth.System(), alert.Filter{Query: value}, page.Request{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range res.Items {
			if a.Value == value && a.Count >= n {
				return a
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no alert on %s with %d events within 20s", value, n)
	return alert.Alert{}
}

func TestIngestToAlert(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			s := start(t, e)
			var batch bytes.Buffer
			for i := range 50 {
				dst := "192.0.2.10"
				if i%10 == 0 {
					dst = "203.0.113.66" // the indicator, in 5 of 50 events
				}
				batch.WriteString(eve(i, dst) + "\n")
			}
			batch.WriteString("this is not json\n")
			resp, body := s.post(t, batch.Bytes(), true)
			if resp.StatusCode != 200 {
				t.Fatalf("ingest: %d %s", resp.StatusCode, body)
			}
			var res ingest.Result
			json.Unmarshal(body, &res)
			if res.Accepted != 50 || len(res.Rejected) != 1 || res.Rejected[0].Position != 51 {
				t.Fatalf("result = %+v", res)
			}
			a := s.waitAlert(t, "203.0.113.66", 5)
			if a.Count != 5 || a.Kind != alert.KindIndicator || a.Field != "dst_ip" {
				t.Errorf("alert = %+v", a)
			}
			orgs := map[string]alert.Reason{}
			for _, o := range a.Orgs {
				orgs[o.OrgID] = o.Reason
			}
			if orgs[s.sensorOrg.ID] != alert.ReasonSensorOwner || orgs[s.isp.ID] != alert.ReasonIPOwner {
				t.Errorf("routing = %+v; want the sensor owner and the owner of 198.51.100.23", a.Orgs)
			}
			// The same batch again: the stream drops the repeats; the count stays.
			if resp, body := s.post(t, batch.Bytes(), false); resp.StatusCode != 200 {
				t.Fatalf("re-send: %d %s", resp.StatusCode, body)
			}
			time.Sleep(500 * time.Millisecond)
			if again := s.waitAlert(t, "203.0.113.66", 5); again.Count != 5 || again.ID != a.ID {
				t.Errorf("a re-sent batch changed the alert: count %d", again.Count)
			}
		})
	}
}

func TestIngestRefusals(t *testing.T) {
	s := start(t, storetest.Engines(t)[0])
	cases := []struct {
		name   string
		req    func() *http.Request
		status int
		code   string
	}{
		{"no token", func() *http.Request {
			r, _ := http.NewRequest("POST", s.url+"/ingest/v1/events", strings.NewReader(eve(1, "192.0.2.1")))
			return r
		}, 401, "sensor.token_required"},
		{"bad token", func() *http.Request {
			r, _ := http.NewRequest("POST", s.url+"/ingest/v1/events", strings.NewReader(eve(1, "192.0.2.1")))
			r.Header.Set("Authorization", "Bearer khs_nope")
			return r
		}, 401, "sensor.bad_token"},
		{"gzip bomb", func() *http.Request {
			var b bytes.Buffer
			w := gzip.NewWriter(&b)
			zero := make([]byte, 1<<20)
			for range 40 { // 40 MiB of zeros in ~40 KiB
				w.Write(zero)
			}
			w.Close()
			r, _ := http.NewRequest("POST", s.url+"/ingest/v1/events", &b)
			r.Header.Set("Authorization", "Bearer "+s.token)
			r.Header.Set("Content-Encoding", "gzip")
			return r
		}, 413, ""},
		{"not gzip", func() *http.Request {
			r, _ := http.NewRequest("POST", s.url+"/ingest/v1/events", strings.NewReader("plain"))
			r.Header.Set("Authorization", "Bearer "+s.token)
			r.Header.Set("Content-Encoding", "gzip")
			return r
		}, 400, "ingest.bad_gzip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(c.req())
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p struct{ Code string }
			json.NewDecoder(resp.Body).Decode(&p)
			if resp.StatusCode != c.status || (c.code != "" && p.Code != c.code) {
				t.Errorf("status %d code %q; want %d %q", resp.StatusCode, p.Code, c.status, c.code)
			}
		})
	}
	// A huge line is rejected alone; the rest of the batch is accepted.
	huge := strings.Repeat("x", 70<<10)
	resp, body := s.post(t, []byte(eve(1, "192.0.2.1")+"\n"+huge+"\n"+eve(2, "192.0.2.1")+"\n"), false)
	var res ingest.Result
	json.Unmarshal(body, &res)
	if resp.StatusCode != 200 || res.Accepted != 2 || len(res.Rejected) != 1 || res.Rejected[0].Position != 2 {
		t.Errorf("huge line: %d %s", resp.StatusCode, body)
	}
}

// TestFeedPull pulls a list feed over HTTP on its schedule; a failing feed
// records its error and keeps its indicators.
func TestFeedPull(t *testing.T) {
	s := start(t, storetest.Engines(t)[0])
	body := "203.0.113.99\n# comment\nbad-entry!\n"
	status := 200
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	defer feedSrv.Close()
	ctx, sys := t.Context(), auth.System()
	f := must(s.app.Intel.CreateFeed(ctx, sys, intel.Feed{Name: "pulled", Format: intel.FormatList, URL: feedSrv.URL + "/list.txt",
		Interval: 5 * time.Minute, TLP: tlp.Green, Confidence: 70}))
	if err := s.app.PullFeeds(ctx); err != nil {
		t.Fatal(err)
	}
	got := must(s.app.Intel.Feed(ctx, sys, f.ID))
	if got.Count != 1 || got.LastError != "" || got.LastSuccess.IsZero() {
		t.Fatalf("after a pull: %+v", got)
	}
	// Not due again yet: a failing server is not even asked.
	status = 500
	if err := s.app.PullFeeds(ctx); err != nil {
		t.Fatal(err)
	}
	if got := must(s.app.Intel.Feed(ctx, sys, f.ID)); got.LastError != "" {
		t.Errorf("a feed that was not due was pulled: %+v", got)
	}
}
