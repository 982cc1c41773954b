package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/store/storetest"
)

// TestFlood offers far more concurrent batches than a process accepts at
// once: every answer is either 200 with every line accounted for, or 429
// with Retry-After — never a 5xx, never a silent drop.
func TestFlood(t *testing.T) {
	s := start(t, storetest.Engines(t)[0])
	var body bytes.Buffer
	for i := range 3000 {
		body.WriteString(eve(i, "192.0.2.10") + "\n")
	}
	batch := body.Bytes()
	const senders = 48
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", s.url+"/ingest/v1/events", bytes.NewReader(batch))
			req.Header.Set("Authorization", "Bearer "+s.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
			switch resp.StatusCode {
			case 200:
				var res ingest.Result
				if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || res.Accepted+len(res.Rejected) != 3000 {
					t.Errorf("200 without every line accounted for: %+v %v", res, err)
				}
			case 429:
				if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
					t.Errorf("429 without a usable Retry-After: %q", resp.Header.Get("Retry-After"))
				}
			default:
				t.Errorf("status %d under load", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	t.Logf("answers under a flood of %d concurrent batches: %v", senders, codes)
	if codes[200] == 0 {
		t.Error("nothing was accepted")
	}
}
