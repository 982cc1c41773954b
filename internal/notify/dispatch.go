package notify

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Sender delivers through one channel. It returns nil when the receiver
// accepted the message, an error marked Permanent when trying again cannot
// help, ErrGone when a webhook's receiver says it is gone for good, and any
// other error for a failure worth retrying.
type Sender interface {
	Send(ctx context.Context, d Delivery) error
}

// ErrGone is a webhook receiver's answer that it no longer exists (HTTP
// 410): the delivery fails and the webhook is disabled.
var ErrGone = errors.New("notify: the receiver is gone")

// permanent marks an error retrying cannot cure.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was marked by Permanent (or is ErrGone).
func IsPermanent(err error) bool {
	_, ok := errors.AsType[permanent](err)
	return ok || errors.Is(err, ErrGone)
}

// DispatchStore is the outbox as the dispatcher uses it.
type DispatchStore interface {
	// ClaimDeliveries takes up to limit pending deliveries of channels
	// that are due at now, for lease: a conditional UPDATE moves their next
	// attempt to now+lease and stamps a claim token, so that no other
	// process takes them meanwhile, and counts the attempt. A process that
	// dies holding a claim leaves the deliveries to be taken again when the
	// lease ends.
	ClaimDeliveries(ctx context.Context, now time.Time, channels []string, limit int, lease time.Duration) ([]Delivery, error)
	// MarkSent, MarkRetry and MarkFailed settle a claimed delivery; they
	// change nothing when the claim is no longer the delivery's.
	MarkSent(ctx context.Context, id, claim string, now time.Time) error
	MarkRetry(ctx context.Context, id, claim string, next time.Time, lastErr string) error
	MarkFailed(ctx context.Context, id, claim string, lastErr string) error
	// DisableWebhook turns a webhook off (its receiver answered 410).
	DisableWebhook(ctx context.Context, id string, now time.Time) error
}

// DispatcherDeps are the Dispatcher's dependencies.
type DispatcherDeps struct {
	Store   DispatchStore
	Senders map[string]Sender // by channel; a channel without a sender is left pending
	Policy  Policy            // DefaultPolicy when zero
	Batch   int               // deliveries claimed at once; 50 when 0
	Workers int               // sends in flight at once; 4 when 0
	Lease   time.Duration     // how long a claim holds; 5 min when 0
	Every   time.Duration     // poll interval besides wake-ups; 1 min when 0
	Timeout time.Duration     // bound on one send; 30 s when 0
	Now     func() time.Time
	Rand    func() float64 // jitter source in [0, 1); math/rand when nil
	Logger  *slog.Logger
}

// Dispatcher delivers due deliveries from the outbox. Any number of
// processes may run one on the same database: claims keep them from
// sending a delivery twice.
type Dispatcher struct {
	d    DispatcherDeps
	wake chan struct{}
}

// Result counts what one pass did.
type Result struct {
	Sent, Retried, Failed int
}

// NewDispatcher returns a Dispatcher.
func NewDispatcher(d DispatcherDeps) *Dispatcher {
	if d.Policy == (Policy{}) {
		d.Policy = DefaultPolicy
	}
	if d.Batch <= 0 {
		d.Batch = 50
	}
	if d.Workers <= 0 {
		d.Workers = 4
	}
	if d.Lease <= 0 {
		d.Lease = 5 * time.Minute
	}
	if d.Every <= 0 {
		d.Every = time.Minute
	}
	if d.Timeout <= 0 {
		d.Timeout = 30 * time.Second
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Float64
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{d: d, wake: make(chan struct{}, 1)}
}

// Channels lists the channels the dispatcher can send through.
func (x *Dispatcher) Channels() []string {
	var out []string
	for _, c := range Channels {
		if x.d.Senders[c] != nil {
			out = append(out, c)
		}
	}
	return out
}

// Wake asks the dispatcher to look at the outbox now. It never blocks: a
// wake-up already waiting covers this one.
func (x *Dispatcher) Wake() {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends: at each wake-up and every interval.
func (x *Dispatcher) Run(ctx context.Context) {
	t := time.NewTicker(x.d.Every)
	defer t.Stop()
	for {
		if _, err := x.Drain(ctx); err != nil && ctx.Err() == nil {
			x.d.Logger.Error("notification dispatch failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-x.wake:
		}
	}
}

// Drain runs passes until one finds nothing due.
func (x *Dispatcher) Drain(ctx context.Context) (Result, error) {
	var total Result
	for ctx.Err() == nil {
		r, n, err := x.pass(ctx)
		total.Sent, total.Retried, total.Failed = total.Sent+r.Sent, total.Retried+r.Retried, total.Failed+r.Failed
		if err != nil || n < x.d.Batch {
			return total, err
		}
	}
	return total, ctx.Err()
}

// pass claims one batch and settles each delivery in it, a few at a time
// (a slow webhook does not hold up the e-mail behind it).
func (x *Dispatcher) pass(ctx context.Context) (Result, int, error) {
	var res Result
	chans := x.Channels()
	if len(chans) == 0 {
		return res, 0, nil
	}
	now := x.d.Now().UTC()
	batch, err := x.d.Store.ClaimDeliveries(ctx, now, chans, x.d.Batch, x.d.Lease)
	if err != nil {
		return res, 0, err
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, x.d.Workers)
	for _, dl := range batch {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			state := x.deliver(ctx, dl)
			mu.Lock()
			defer mu.Unlock()
			switch state {
			case StateSent:
				res.Sent++
			case StateFailed:
				res.Failed++
			default:
				res.Retried++
			}
		})
	}
	wg.Wait()
	return res, len(batch), nil
}

// deliver sends one claimed delivery and records the outcome; it returns
// the state the delivery is left in.
func (x *Dispatcher) deliver(ctx context.Context, dl Delivery) string {
	st := x.d.Store
	log := x.d.Logger.With("delivery", dl.ID, "kind", dl.Kind, "ref", dl.Ref, "channel", dl.Channel)
	now := x.d.Now().UTC()
	sendCtx := ctx
	// The outcome is recorded even when shutdown interrupts the send, so
	// the delivery is not left claimed until its lease ends.
	ctx, cancelSettle := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancelSettle()
	settle := func(err error) {
		if err != nil {
			log.Error("notification: could not record the outcome", "err", err)
		}
	}
	if !dl.NotAfter.IsZero() && now.After(dl.NotAfter) {
		settle(st.MarkFailed(ctx, dl.ID, dl.Claim, "expired before it could be delivered"))
		return StateFailed
	}
	sctx, cancel := context.WithTimeout(sendCtx, x.d.Timeout)
	err := x.d.Senders[dl.Channel].Send(sctx, dl)
	cancel()
	now = x.d.Now().UTC()
	if err == nil {
		settle(st.MarkSent(ctx, dl.ID, dl.Claim, now))
		log.Info("notification sent", "attempt", dl.Attempts)
		return StateSent
	}
	msg := truncate(err.Error(), 500)
	if errors.Is(err, ErrGone) && dl.WebhookID != "" {
		settle(st.DisableWebhook(ctx, dl.WebhookID, now))
	}
	next := now.Add(x.d.Policy.Wait(dl.Attempts, x.d.Rand()))
	if IsPermanent(err) || dl.Attempts >= x.d.Policy.MaxAttempts || (!dl.NotAfter.IsZero() && next.After(dl.NotAfter)) {
		settle(st.MarkFailed(ctx, dl.ID, dl.Claim, msg))
		log.Warn("notification failed", "attempt", dl.Attempts, "err", msg)
		return StateFailed
	}
	settle(st.MarkRetry(ctx, dl.ID, dl.Claim, next, msg))
	log.Info("notification will be retried", "attempt", dl.Attempts, "next", next, "err", msg)
	return StatePending
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s[:n])
	return string(r[:max(0, len(r)-1)]) + "…"
}
