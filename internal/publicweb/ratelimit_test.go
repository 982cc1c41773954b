package publicweb

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/portal/guard"
)

// TestDownloadsAreRateLimited: list downloads take a token from the
// client network's bucket; once it is empty the answer is 429 with a
// Retry-After of the refill interval, and another network is not affected.
func TestDownloadsAreRateLimited(t *testing.T) {
	fx := newFixture(t, guard.LimitOptions{}, func(d *Deps) {
		d.Downloads = guard.LimitOptions{Every: 90 * time.Second, Burst: 3}
	})
	fetch := func(remote, file string) *httptest.ResponseRecorder {
		r := httptest.NewRequestWithContext(t.Context(), "GET", "/portal/lists/"+file, nil)
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		fx.site.Handler().ServeHTTP(w, r)
		return w
	}
	files := []string{"domains.txt", "khien.rpz", "entries.csv"}
	for _, f := range files {
		if w := fetch("198.51.100.7:4000", f); w.Code != http.StatusOK {
			t.Fatalf("%s within the burst: %d", f, w.Code)
		}
	}
	w := fetch("198.51.100.7:4001", "hosts")
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("fourth download: %d, want 429", w.Code)
	}
	if got := w.Header().Get("Retry-After"); got != strconv.Itoa(90) {
		t.Errorf("Retry-After %q, want 90", got)
	}
	if w.Header().Get("Content-Disposition") != "" {
		t.Error("a refused download still announced a file")
	}
	if w := fetch("[2001:db8:1:2::9]:5000", "hosts"); w.Code != http.StatusOK {
		t.Errorf("another network was refused: %d", w.Code)
	}
	// The same IPv6 /64 shares one bucket.
	for i := range 3 {
		w := fetch("[2001:db8:1:2::"+strconv.Itoa(10+i)+"]:5000", "hosts")
		if want := map[bool]int{true: 200, false: 429}[i < 2]; w.Code != want {
			t.Errorf("/64 download %d: %d, want %d", i, w.Code, want)
		}
	}
	// An unknown file is still 404, not a spent token's 429.
	if w := fetch("203.0.113.1:1", "passwd"); w.Code != http.StatusNotFound {
		t.Errorf("unknown list: %d", w.Code)
	}
}
