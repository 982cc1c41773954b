package alliance

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// sweepStore counts the sweeps; every other method of Store is absent.
type sweepStore struct {
	Store
	mu    sync.Mutex
	times []time.Time
}

func (s *sweepStore) ReleaseFinishedMobilisations(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.times = append(s.times, now)
	return 1, nil
}

// TestSweep releases the responders of closed incidents every interval, at
// the service's clock, and stops with its context.
func TestSweep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &sweepStore{}
		svc := New(Deps{Store: st})
		ctx, cancel := context.WithCancel(t.Context())
		start := time.Now()
		done := make(chan struct{})
		go func() { svc.Sweep(ctx, 30*time.Second); close(done) }()
		time.Sleep(95 * time.Second)
		synctest.Wait()
		st.mu.Lock()
		got := len(st.times)
		first := st.times[0]
		st.mu.Unlock()
		if got != 3 || !first.Equal(start.Add(30*time.Second).UTC()) {
			t.Fatalf("%d sweeps, first at %v", got, first)
		}
		cancel()
		<-done
	})
}
