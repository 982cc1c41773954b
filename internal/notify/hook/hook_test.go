package hook_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/notify/hook"
)

type hit struct {
	header http.Header
	body   []byte
}

// receiver records requests and answers status.
func receiver(t *testing.T, status int) (*httptest.Server, func() []hit) {
	var mu sync.Mutex
	var hits []hit
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hits = append(hits, hit{r.Header.Clone(), b})
		mu.Unlock()
		if status == http.StatusFound {
			http.Redirect(w, r, "/elsewhere", status)
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []hit { mu.Lock(); defer mu.Unlock(); return append([]hit(nil), hits...) }
}

func delivery(url string) notify.Delivery {
	return notify.Delivery{ID: "019a-d1", Kind: notify.KindIncidentBreach, Ref: "KH-7", Channel: notify.ChannelWebhook,
		Recipient: url, Payload: `{"kind":"incident.breach","ref":"KH-7"}`, Secret: "whsec_test"}
}

// TestWebhookSigned posts the payload with a signature the receiver can
// check with the secret, and the delivery's ID and timestamp.
func TestWebhookSigned(t *testing.T) {
	srv, hits := receiver(t, http.StatusAccepted)
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	s := hook.New(hook.Config{AllowHTTP: true, Now: func() time.Time { return at }})
	if err := s.Send(t.Context(), delivery(srv.URL+"/khien")); err != nil {
		t.Fatal(err)
	}
	h := hits()
	if len(h) != 1 {
		t.Fatalf("requests: %d", len(h))
	}
	got := h[0]
	if string(got.body) != `{"kind":"incident.breach","ref":"KH-7"}` || got.header.Get("Content-Type") != "application/json" {
		t.Errorf("body %s, type %s", got.body, got.header.Get("Content-Type"))
	}
	ts := got.header.Get("X-Khien-Timestamp")
	if ts != strconv.FormatInt(at.Unix(), 10) || got.header.Get("X-Khien-Delivery") != "019a-d1" || got.header.Get("X-Khien-Ref") != "KH-7" {
		t.Errorf("headers: %v", got.header)
	}
	sig := got.header.Get("X-Khien-Signature")
	if !strings.HasPrefix(sig, "sha256=") || !hook.Verify("whsec_test", sig, ts, got.body) {
		t.Errorf("signature %q does not verify", sig)
	}
	if hook.Verify("another secret", sig, ts, got.body) || hook.Verify("whsec_test", sig, ts, append(got.body, ' ')) ||
		hook.Verify("whsec_test", sig, "1", got.body) {
		t.Error("a signature verifies with another secret, body or timestamp")
	}
}

// TestWebhookAnswers: 2xx delivers, 410 is ErrGone, 5xx and redirects (not
// followed) are retried, other 4xx are permanent; http:// is refused unless
// allowed and loopback.
func TestWebhookAnswers(t *testing.T) {
	s := hook.New(hook.Config{AllowHTTP: true})
	for _, c := range []struct {
		status         int
		ok, gone, perm bool
	}{
		{http.StatusOK, true, false, false},
		{http.StatusNoContent, true, false, false},
		{http.StatusGone, false, true, true},
		{http.StatusServiceUnavailable, false, false, false},
		{http.StatusTooManyRequests, false, false, false},
		{http.StatusFound, false, false, false},
		{http.StatusBadRequest, false, false, true},
	} {
		srv, hits := receiver(t, c.status)
		err := s.Send(t.Context(), delivery(srv.URL))
		if (err == nil) != c.ok || errors.Is(err, notify.ErrGone) != c.gone || notify.IsPermanent(err) != c.perm {
			t.Errorf("HTTP %d: err %v", c.status, err)
		}
		if n := len(hits()); n != 1 {
			t.Errorf("HTTP %d: %d requests (redirect followed?)", c.status, n)
		}
	}
	srv, hits := receiver(t, http.StatusOK)
	strict := hook.New(hook.Config{})
	if err := strict.Send(t.Context(), delivery(srv.URL)); !notify.IsPermanent(err) || len(hits()) != 0 {
		t.Errorf("http:// without the allowance: %v, %d requests", err, len(hits()))
	}
	if err := s.Send(t.Context(), delivery("http://192.0.2.1/x")); !notify.IsPermanent(err) {
		t.Errorf("http:// to a non-loopback host: %v", err)
	}
}

// TestWebhookTimeout: a receiver slower than the timeout is a retryable failure.
func TestWebhookTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	s := hook.New(hook.Config{AllowHTTP: true, Timeout: 50 * time.Millisecond})
	if err := s.Send(t.Context(), delivery(srv.URL)); err == nil || notify.IsPermanent(err) {
		t.Errorf("slow receiver: %v", err)
	}
}
