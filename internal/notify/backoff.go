package notify

import "time"

// Policy is how often and how long the dispatcher tries a delivery.
type Policy struct {
	First       time.Duration // wait after the first failed attempt
	Max         time.Duration // the wait doubles up to this
	MaxAttempts int           // after this many failed attempts the delivery fails
	Jitter      float64       // each wait is spread by ± this fraction
}

// DefaultPolicy waits 1 min, 2, 4 … up to 6 h, and gives up after 10
// attempts (about 13 hours after the first).
var DefaultPolicy = Policy{First: time.Minute, Max: 6 * time.Hour, MaxAttempts: 10, Jitter: 0.2}

// Wait is how long to wait after the n-th failed attempt (n ≥ 1); r is a
// random number in [0, 1) that spreads the wait so that deliveries failing
// together do not retry together.
func (p Policy) Wait(n int, r float64) time.Duration {
	d := p.First
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	spread := 1 + p.Jitter*(2*r-1)
	return time.Duration(float64(d) * spread)
}
