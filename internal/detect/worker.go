package detect

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/event"
)

// Message is one chunk of events delivered by the stream.
type Message interface {
	Data() []byte
	Ack() error
	Nak() error
	NakWithDelay(time.Duration) error
}

// ErrNewerFormat is what Decode returns for a message in a format newer than
// this process reads: a process of a newer version (in a rolling upgrade)
// will, so the message is left for it rather than dropped.
var ErrNewerFormat = errors.New("detect: stream message in a newer format")

// newerFormatDelay is how long a message in a newer format waits before the
// stream offers it again.
const newerFormatDelay = 30 * time.Second

// Source is the shared stream consumer detection workers pull from; many
// workers, in one or several processes, share its messages.
type Source interface {
	Fetch(ctx context.Context, max int, wait time.Duration) ([]Message, error)
}

// Recorder stores hits as alerts (alert.Service).
type Recorder interface {
	Record(ctx context.Context, hits []alert.Hit) ([]alert.Alert, error)
}

// Worker moves events from the stream through the engine into alerts. A
// batch is acknowledged only after its alerts are committed, so a crash
// re-delivers it; the alert store counts each event once, so re-delivery
// never duplicates an alert.
type Worker struct {
	Engine *Engine
	Source Source
	Alerts Recorder
	// Decode calls fn with a message's events and their records
	// (ingest.Events); fn may not keep the event's lists.
	Decode func(data []byte, fn func(ev *event.Event, raw []byte)) error
	Log    *slog.Logger
	Batch  int           // messages per fetch (default 8; see Run)
	Wait   time.Duration // longest wait for a batch (default 1s)
}

// Run works until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	batch, wait := w.Batch, w.Wait
	if batch == 0 {
		// A message holds up to 1024 events (ingest.ChunkSize), so 8 are
		// about 8k events: enough to share one alert commit, few enough that
		// under a backlog a hit waits ~10 ms of matching for its commit.
		batch = 8
	}
	if wait == 0 {
		wait = time.Second
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		msgs, err := w.Source.Fetch(ctx, batch, wait)
		if err == nil && len(msgs) > 0 {
			err = w.process(ctx, msgs)
		}
		if err != nil && ctx.Err() == nil {
			w.Log.Warn("detection batch failed; it will be re-delivered", "err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 10*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
	}
}

// process matches a batch and records its hits; it acknowledges every
// message after the commit, or none (Nak) when recording failed.
func (w *Worker) process(ctx context.Context, msgs []Message) error {
	var hits []alert.Hit
	done := msgs[:0:0] // the messages this process handled
	for _, m := range msgs {
		var found []alert.Hit
		err := w.Decode(m.Data(), func(ev *event.Event, raw []byte) {
			h := w.Engine.Hits(ev)
			if len(h) > 0 && ev.ID == "" {
				// Events of current chunks carry no ID: only those that
				// matched need one, computed as ingest.Normalize does.
				id := event.NewID(ev.SensorID, raw)
				for i := range h {
					h[i].EventID = id
				}
			}
			found = append(found, h...)
		})
		switch {
		case errors.Is(err, ErrNewerFormat):
			w.Log.Warn("stream message in a newer format left for an upgraded process", "retry_in", newerFormatDelay)
			m.NakWithDelay(newerFormatDelay)
			continue
		case err != nil:
			// Ingest only publishes events it encoded; a message that does not
			// decode will never decode. Acknowledge it so it cannot block the stream.
			w.Log.Error("undecodable events on the stream dropped", "err", err)
		}
		hits = append(hits, found...)
		done = append(done, m)
	}
	if _, err := w.Alerts.Record(ctx, hits); err != nil {
		for _, m := range done {
			m.Nak()
		}
		return err
	}
	for _, m := range done {
		if err := m.Ack(); err != nil {
			w.Log.Warn("ack failed; the event will be re-delivered and counted once", "err", err)
		}
	}
	return nil
}
