package alert

import "sync"

// Broker fans alerts out to live subscribers in this process. A slow
// subscriber loses alerts rather than slowing detection: its buffer is
// bounded and a full buffer drops the newest alert for it, marking the
// subscription so the transport can tell the viewer to reload.
type Broker struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// Subscription is one live reader.
type Subscription struct {
	C       chan Alert
	mu      sync.Mutex
	dropped bool
}

// Dropped reports (and clears) whether alerts were dropped since last asked.
func (s *Subscription) Dropped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.dropped
	s.dropped = false
	return d
}

// NewBroker returns an empty Broker.
func NewBroker() *Broker { return &Broker{subs: map[*Subscription]struct{}{}} }

// Subscribe starts a subscription; call Unsubscribe when done.
func (b *Broker) Subscribe() *Subscription {
	s := &Subscription{C: make(chan Alert, 64)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Unsubscribe ends a subscription.
func (b *Broker) Unsubscribe(s *Subscription) {
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
}

// Publish offers a to every subscriber without blocking.
func (b *Broker) Publish(a Alert) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		select {
		case s.C <- a:
		default:
			s.mu.Lock()
			s.dropped = true
			s.mu.Unlock()
		}
	}
}
