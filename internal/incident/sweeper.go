package incident

import (
	"context"
	"time"
)

// Sweep records every clock breach not yet recorded and enqueues its
// notices; it returns how many it found. Several processes may sweep at once:
// the store marks each breach exactly once.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	return s.d.Store.SweepClocks(ctx, s.now(), BreachNotices)
}

// RunSweeper sweeps every interval until ctx ends. The caller owns the
// goroutine it runs in.
func (s *Service) RunSweeper(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.d.Logger.Warn("incident clock sweep", "err", err)
		} else if n > 0 {
			s.d.Logger.Info("incident clocks breached", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
