package notify_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/khien-cert/khien/internal/notify"
)

// memOutbox is an in-memory DispatchStore.
type memOutbox struct {
	mu       sync.Mutex
	rows     map[string]*notify.Delivery
	disabled []string
	n        int
}

func newMem(ds ...notify.Delivery) *memOutbox {
	m := &memOutbox{rows: map[string]*notify.Delivery{}}
	for _, d := range ds {
		d.State = notify.StatePending
		m.rows[d.ID] = &d
	}
	return m
}

func (m *memOutbox) ClaimDeliveries(_ context.Context, now time.Time, chans []string, limit int, lease time.Duration) ([]notify.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []notify.Delivery
	for _, d := range m.rows {
		if len(out) < limit && d.State == notify.StatePending && !d.NextAttempt.After(now) && slices.Contains(chans, d.Channel) {
			m.n++
			d.Claim, d.Attempts, d.NextAttempt = string(rune('a'+m.n)), d.Attempts+1, now.Add(lease)
			out = append(out, *d)
		}
	}
	return out, nil
}

func (m *memOutbox) settle(id, claim string, f func(d *notify.Delivery)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d := m.rows[id]; d != nil && d.Claim == claim && d.State == notify.StatePending {
		f(d)
		d.Claim = ""
	}
	return nil
}

func (m *memOutbox) MarkSent(_ context.Context, id, claim string, now time.Time) error {
	return m.settle(id, claim, func(d *notify.Delivery) { d.State, d.SentAt = notify.StateSent, now })
}

func (m *memOutbox) MarkRetry(_ context.Context, id, claim string, next time.Time, e string) error {
	return m.settle(id, claim, func(d *notify.Delivery) { d.NextAttempt, d.LastError = next, e })
}

func (m *memOutbox) MarkFailed(_ context.Context, id, claim string, e string) error {
	return m.settle(id, claim, func(d *notify.Delivery) { d.State, d.LastError = notify.StateFailed, e })
}

func (m *memOutbox) DisableWebhook(_ context.Context, id string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.disabled = append(m.disabled, id)
	return nil
}

func (m *memOutbox) get(id string) notify.Delivery {
	m.mu.Lock()
	defer m.mu.Unlock()
	return *m.rows[id]
}

// fakeSender fails the first failures attempts of each delivery with err.
type fakeSender struct {
	mu       sync.Mutex
	failures int
	err      error
	attempts map[string][]time.Time
}

func (f *fakeSender) Send(_ context.Context, d notify.Delivery) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.attempts == nil {
		f.attempts = map[string][]time.Time{}
	}
	f.attempts[d.ID] = append(f.attempts[d.ID], time.Now())
	if len(f.attempts[d.ID]) <= f.failures {
		return f.err
	}
	return nil
}

func (f *fakeSender) times(id string) []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.attempts[id])
}

func mail(id string) notify.Delivery {
	return notify.Delivery{ID: id, Kind: notify.KindIncidentBreach, Ref: "KH-1", Channel: notify.ChannelEmail, Recipient: id + "@a.vn"}
}

// run starts a dispatcher in the bubble and returns a stop function that
// waits for it.
func run(t *testing.T, x *notify.Dispatcher) func() {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { x.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

// TestDispatcherBackoff: a delivery that keeps failing is tried at 1, 2, 4
// … minutes (no jitter here), ten times in all, then fails with its last
// error; one that succeeds on its third attempt is sent.
func TestDispatcherBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		st := newMem(mail("never"), mail("third"))
		snd := &fakeSender{failures: 2, err: errors.New("421 busy")}
		never := &fakeSender{failures: 1 << 30, err: errors.New("421 busy")}
		x := notify.NewDispatcher(notify.DispatcherDeps{Store: st, Rand: func() float64 { return 0.5 },
			Senders: map[string]notify.Sender{notify.ChannelEmail: senderByID{"never": never, "third": snd}}})
		stop := run(t, x)
		time.Sleep(13 * time.Hour)
		synctest.Wait()
		stop()

		times := never.times("never")
		if len(times) != notify.DefaultPolicy.MaxAttempts {
			t.Fatalf("attempts = %d, want %d", len(times), notify.DefaultPolicy.MaxAttempts)
		}
		want := time.Minute
		for i := 1; i < len(times); i++ {
			if gap := times[i].Sub(times[i-1]); gap != min(want, 6*time.Hour) {
				t.Errorf("wait before attempt %d = %v, want %v", i+1, gap, want)
			}
			want *= 2
		}
		if !times[0].Equal(start) {
			t.Errorf("first attempt at +%v, want at once", times[0].Sub(start))
		}
		if d := st.get("never"); d.State != notify.StateFailed || d.LastError != "421 busy" || d.Attempts != 10 {
			t.Errorf("after giving up: %+v", d)
		}
		if d := st.get("third"); d.State != notify.StateSent || d.Attempts != 3 || !d.SentAt.Equal(start.Add(3*time.Minute)) {
			t.Errorf("sent on the third attempt: %+v", d)
		}
	})
}

// senderByID routes by delivery ID, so one dispatcher drives two behaviours.
type senderByID map[string]*fakeSender

func (s senderByID) Send(ctx context.Context, d notify.Delivery) error { return s[d.ID].Send(ctx, d) }

// TestDispatcherGivesUp: a permanent error fails at once; past its not-after
// a delivery fails without being sent; 410 Gone disables the webhook; a
// channel without a sender is left pending.
func TestDispatcherGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Now()
		late := mail("late")
		late.NotAfter = now.Add(-time.Second)
		soon := mail("soon")
		soon.NotAfter = now.Add(90 * time.Second) // the second wait (2 min) would pass it
		hook := notify.Delivery{ID: "hook", Kind: notify.KindIncidentBreach, Channel: notify.ChannelWebhook, WebhookID: "wh1"}
		st := newMem(mail("perm"), late, soon, hook)
		x := notify.NewDispatcher(notify.DispatcherDeps{Store: st, Rand: func() float64 { return 0.5 },
			Senders: map[string]notify.Sender{notify.ChannelEmail: senderByID{
				"perm": {failures: 99, err: notify.Permanent(errors.New("550 no such user"))},
				"late": {},
				"soon": {failures: 99, err: errors.New("timeout")},
			}}})
		stop := run(t, x)
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		stop()
		if d := st.get("perm"); d.State != notify.StateFailed || d.Attempts != 1 {
			t.Errorf("permanent: %+v", d)
		}
		if d := st.get("late"); d.State != notify.StateFailed || d.LastError == "" {
			t.Errorf("expired: %+v", d)
		}
		if d := st.get("soon"); d.State != notify.StateFailed || d.Attempts != 2 {
			t.Errorf("would pass not-after: %+v", d)
		}
		if d := st.get("hook"); d.State != notify.StatePending || d.Attempts != 0 {
			t.Errorf("a channel without a sender: %+v", d)
		}

		gone := notify.NewDispatcher(notify.DispatcherDeps{Store: st,
			Senders: map[string]notify.Sender{notify.ChannelWebhook: senderByID{"hook": {failures: 99, err: errors.Join(errors.New("410"), notify.ErrGone)}}}})
		if _, err := gone.Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
		if d := st.get("hook"); d.State != notify.StateFailed || !slices.Equal(st.disabled, []string{"wh1"}) {
			t.Errorf("gone: %+v, disabled %v", d, st.disabled)
		}
	})
}

// TestDispatcherWake: a wake-up delivers at once, without waiting for the
// poll interval.
func TestDispatcherWake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newMem()
		snd := &fakeSender{}
		x := notify.NewDispatcher(notify.DispatcherDeps{Store: st, Every: time.Hour,
			Senders: map[string]notify.Sender{notify.ChannelEmail: snd}})
		stop := run(t, x)
		defer stop()
		synctest.Wait()
		st.mu.Lock()
		d := mail("w")
		at := time.Now()
		d.State, d.NextAttempt = notify.StatePending, at
		st.rows["w"] = &d
		st.mu.Unlock()
		x.Wake()
		x.Wake() // a second poke while one waits does not block
		synctest.Wait()
		if got := st.get("w"); got.State != notify.StateSent || !got.SentAt.Equal(at) {
			t.Errorf("after a wake-up: %+v", got)
		}
	})
}

func TestPolicyWait(t *testing.T) {
	p := notify.DefaultPolicy
	for _, c := range []struct {
		n    int
		want time.Duration
	}{{1, time.Minute}, {2, 2 * time.Minute}, {5, 16 * time.Minute}, {9, 256 * time.Minute}, {10, 6 * time.Hour}, {40, 6 * time.Hour}} {
		if got := p.Wait(c.n, 0.5); got != c.want {
			t.Errorf("Wait(%d) = %v, want %v", c.n, got, c.want)
		}
		lo, hi := p.Wait(c.n, 0), p.Wait(c.n, 0.999999)
		if lo < time.Duration(float64(c.want)*0.8) || hi > time.Duration(float64(c.want)*1.2) || lo >= hi {
			t.Errorf("jitter of Wait(%d): %v..%v", c.n, lo, hi)
		}
	}
}
