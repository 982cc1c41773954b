package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/notify/hook"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// inbox is an in-process SMTP server keeping what it receives.
type inbox struct {
	mu   sync.Mutex
	msgs [][]byte
	rcpt []string
}

func (b *inbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &inboxSession{b: b}, nil }

type inboxSession struct {
	b  *inbox
	to []string
}

func (s *inboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *inboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *inboxSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	s.b.mu.Lock()
	s.b.msgs, s.b.rcpt = append(s.b.msgs, data), append(s.b.rcpt, s.to...)
	s.b.mu.Unlock()
	return err
}
func (s *inboxSession) Reset()        { s.to = nil }
func (s *inboxSession) Logout() error { return nil }

func (b *inbox) count() int { b.mu.Lock(); defer b.mu.Unlock(); return len(b.msgs) }

// TestNotificationsEndToEnd runs the server with an SMTP server and a
// webhook receiver started by the test: a sensor falling silent (in the
// store's transaction) wakes the dispatcher, which mails the owner's duty
// contact in their language and POSTs the signed payload to the
// organisation's webhook; shutdown stops the dispatcher.
func TestNotificationsEndToEnd(t *testing.T) {
	box := &inbox{}
	srv := smtp.NewServer(box)
	srv.Domain = "mx.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	var mu sync.Mutex
	var hooks []*http.Request
	var bodies [][]byte
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hooks, bodies = append(hooks, r), append(bodies, b)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()

	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir, cfg.Database, cfg.Listen = dir, filepath.Join(dir, "khien.db"), "127.0.0.1:0"
	cfg.BaseURL = "https://khien.example.vn"
	cfg.SMTP = config.SMTP{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "Khiên <noreply@khien.example.vn>", TLS: "none"}
	cfg.WebhookAllowHTTP = true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(t.Context(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), WithoutBus: true,
		Hasher: auth.NewHasher(auth.TestParams)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, sys := t.Context(), auth.System()
	o, err := a.Org.CreateOrg(ctx, sys, org.Org{Slug: "bank", Name: "Ngân hàng", Kind: org.KindEnterprise})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Org.CreateContact(ctx, sys, org.Contact{OrgID: o.ID, Name: "SOC", Role: org.ContactDuty, Email: "soc@bank.example.vn", Language: "en"}); err != nil {
		t.Fatal(err)
	}
	_, secret, err := a.Notify.CreateWebhook(ctx, sys, notify.Webhook{OrgID: o.ID, Name: "SOAR", URL: recv.URL + "/khien", Kinds: []string{"sensor.*"}})
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := a.Ingest.Register(ctx, sys, ingest.Sensor{OrgID: o.ID, Name: "Suricata HQ", Kind: ingest.KindSuricata})
	if err != nil {
		t.Fatal(err)
	}

	runCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	ready := make(chan struct{})
	go func() { served <- a.Serve(runCtx, func(string) { close(ready) }) }()
	<-ready
	time.Sleep(50 * time.Millisecond) // the dispatcher's first pass finds nothing
	start := time.Now()
	if _, err := a.DB.SetSilent(ctx, s.ID, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	for box.count() == 0 || func() bool { mu.Lock(); defer mu.Unlock(); return len(hooks) == 0 }() {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("not delivered within 10 s (mail %d): the commit did not wake the dispatcher", box.count())
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("delivered %v after the commit", time.Since(start))
	stop()
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return after shutdown")
	}

	box.mu.Lock()
	m, err := mail.ReadMessage(strings.NewReader(string(box.msgs[0])))
	rcpt := box.rcpt
	box.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if len(rcpt) != 1 || rcpt[0] != "soc@bank.example.vn" {
		t.Errorf("recipients %v", rcpt)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	if subj := m.Header.Get("Subject"); !strings.Contains(subj, "Suricata HQ has gone silent") {
		t.Errorf("subject %q: not the English text", subj)
	}
	if !strings.Contains(string(body), "https://khien.example.vn/sensors/"+s.ID) {
		t.Errorf("body lacks the absolute link:\n%s", body)
	}

	mu.Lock()
	h, b := hooks[0], bodies[0]
	mu.Unlock()
	if !hook.Verify(secret, h.Header.Get("X-Khien-Signature"), h.Header.Get("X-Khien-Timestamp"), b) {
		t.Error("the webhook's signature does not verify with its secret")
	}
	var payload struct {
		Kind string         `json:"kind"`
		Link string         `json:"link"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(b, &payload); err != nil || payload.Kind != notify.KindSensorSilent || payload.Data["sensor"] != "Suricata HQ" {
		t.Errorf("payload %s (%v)", b, err)
	}
	res, err := a.DB.ListDeliveries(ctx, auth.Scope{All: true}, notify.Filter{}, page.Request{Limit: 10, Sort: "created_at"})
	if err != nil || len(res.Items) != 2 {
		t.Fatalf("outbox: %+v, %v", res.Items, err)
	}
	for _, d := range res.Items {
		if d.State != notify.StateSent || d.Attempts != 1 {
			t.Errorf("%s delivery: %s after %d attempts (%s)", d.Channel, d.State, d.Attempts, d.LastError)
		}
	}
}
