package hook_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/notify/hook"
)

// TestOrgWebhookNotSentInside: a delivery to an organisation's webhook
// (Restricted) is refused when the address it dials is not public, whether
// written as an address or as a name that resolves to one, before any
// byte is sent, as a permanent failure.
func TestOrgWebhookNotSentInside(t *testing.T) {
	hits := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	s := hook.New(hook.Config{})
	for _, to := range []string{srv.URL + "/h", "https://localhost:" + u.Port() + "/h"} {
		d := delivery(to)
		d.Restricted = true
		err := s.Send(t.Context(), d)
		if !errors.Is(err, hook.ErrInternalAddress) {
			t.Errorf("%s: err = %v, want %v", to, err, hook.ErrInternalAddress)
		}
		if !notify.IsPermanent(err) {
			t.Errorf("%s: err %v is not permanent", to, err)
		}
	}
	if hits != 0 {
		t.Fatalf("the receiver inside got %d requests", hits)
	}
}
