package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/ingest"
)

// Stream and consumer names of the telemetry pipeline.
const (
	EventsStream   = "EVENTS"
	EventsSubject  = "events" // events.<org id>
	DetectConsumer = "detect"
)

// StreamLimits bound the events stream. When it is full, new publishes fail
// (DiscardNew) and senders get HTTP 429: nothing accepted is dropped to make
// room. The stream holds the backlog and the events detection finished since
// the last trim (TrimEvents, every 100 ms in the server).
type StreamLimits struct {
	MaxBytes  int64
	Duplicate time.Duration // window in which a re-sent event ID is dropped
}

// DefaultStreamLimits keep up to 4 GiB of events.
var DefaultStreamLimits = StreamLimits{MaxBytes: 4 << 30, Duplicate: 10 * time.Minute}

// EnsureEventStream creates or updates the events stream: file storage,
// bounded, with limits retention; TrimEvents removes what every consumer
// acknowledged.
//
// Work-queue retention would remove each event as it is acknowledged, but
// the server does that under the stream's lock, compacting and deleting
// block files one acknowledgement at a time, and publishes wait behind it:
// measured in BenchmarkPipelineThroughput, the process then kept 1.5 of its
// 2 cores busy, against 1.85 with trimming. A stream made by an earlier
// version with work-queue retention (which cannot be changed in place) is
// replaced when it is empty, and otherwise used as it is until then.
func (b *Bus) EnsureEventStream(ctx context.Context, l StreamLimits) (jetstream.Stream, error) {
	cfg := jetstream.StreamConfig{
		Name:       EventsStream,
		Subjects:   []string{EventsSubject + ".>"},
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		Discard:    jetstream.DiscardNew,
		MaxBytes:   l.MaxBytes,
		Duplicates: l.Duplicate,
	}
	if old, err := b.JS.Stream(ctx, EventsStream); err == nil && old.CachedInfo().Config.Retention != cfg.Retention {
		if n := old.CachedInfo().State.Msgs; n > 0 {
			b.log.Warn("bus: the events stream still holds events under work-queue retention; it is kept as it is "+
				"(slower) until a start finds it empty", "events", n)
			return old, nil
		}
		if err := b.JS.DeleteStream(ctx, EventsStream); err != nil {
			return nil, fmt.Errorf("bus: events stream: replacing the empty work-queue stream: %w", err)
		}
		b.log.Info("bus: the empty work-queue events stream was replaced by one with limits retention")
	}
	s, err := b.JS.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("bus: events stream: %w", err)
	}
	return s, nil
}

// TrimEvents removes the events that every consumer of the stream has
// acknowledged: those below the lowest acknowledgement floor, in one purge
// that drops whole blocks. The server runs it every 100 ms; several
// processes may trim the same stream, and each purge is idempotent.
func (b *Bus) TrimEvents(ctx context.Context) error {
	s, err := b.JS.Stream(ctx, EventsStream)
	if err != nil {
		return err
	}
	floor, found := uint64(0), false
	list := s.ListConsumers(ctx)
	for info := range list.Info() {
		if f := info.AckFloor.Stream; !found || f < floor {
			floor, found = f, true
		}
	}
	if err := list.Err(); err != nil {
		return err // a consumer missing from the list must not lose its events
	}
	if !found || floor < s.CachedInfo().State.FirstSeq {
		return nil // no consumer yet, or nothing new acknowledged
	}
	return s.Purge(ctx, jetstream.WithPurgeSequence(floor+1))
}

// EventPublisher publishes batches to the events stream in chunks (see
// Publish); a chunk's message ID derives from its events' IDs, so the
// stream drops a re-sent chunk.
type EventPublisher struct {
	js       jetstream.JetStream
	maxBytes int // the largest message the server takes, less room for headers
}

// NewEventPublisher returns a publisher on b.
func (b *Bus) NewEventPublisher() *EventPublisher {
	return &EventPublisher{js: b.JS, maxBytes: int(max(b.Conn.MaxPayload(), 64<<10)) - 4<<10}
}

// publishWindow bounds the unconfirmed chunk publishes of one batch.
const publishWindow = 64

// Publish stores a batch's records and returns only when all are
// acknowledged by the stream (synced to disk by the embedded server). Records
// travel in chunks of at most ingest.ChunkSize records that fit the server's
// message size limit (ingest.Chunks); a chunk's message ID is derived from
// its records' event IDs, so a re-sent batch is dropped by the stream, and the
// alert store counts each event once whatever happens. A full stream answers
// errs.KindRateLimited; other failures errs.KindUnavailable.
func (p *EventPublisher) Publish(ctx context.Context, b ingest.Batch) error {
	futures := make([]jetstream.PubAckFuture, 0, publishWindow)
	// Chunk buffers are reused once the stream acknowledged them (until
	// then the client may still hold them to send or resend).
	var bufs []*[]byte
	release := func() {
		for _, bp := range bufs {
			if cap(*bp) <= 8<<20 {
				chunkBufs.Put(bp)
			}
		}
		bufs = bufs[:0]
	}
	subject := EventsSubject + "." + subjectToken(b.OrgID)
	for _, chunk := range ingest.Chunks(b, p.maxBytes) {
		bp := chunkBufs.Get().(*[]byte)
		var id string
		*bp, id = ingest.AppendChunk(*bp, chunk)
		bufs = append(bufs, bp)
		f, err := p.js.PublishAsync(subject, *bp, jetstream.WithMsgID(id))
		if err != nil {
			return publishErr(err)
		}
		if futures = append(futures, f); len(futures) == publishWindow {
			if err := confirm(ctx, futures); err != nil {
				return err
			}
			futures = futures[:0]
			release()
		}
	}
	if err := confirm(ctx, futures); err != nil {
		return err
	}
	release()
	return nil
}

// chunkBufs recycles the buffers stream messages are encoded in.
var chunkBufs = sync.Pool{New: func() any { return new([]byte) }}

// confirm waits for every future's acknowledgement.
func confirm(ctx context.Context, futures []jetstream.PubAckFuture) error {
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return publishErr(err)
		case <-ctx.Done():
			return errs.New(errs.KindUnavailable, "ingest.timeout", "the stream did not confirm in time; resend the batch")
		}
	}
	return nil
}

// publishErr classifies a publish failure: a full backlog or too many
// unconfirmed publishes is back-pressure (429), the rest unavailability (503).
func publishErr(err error) error {
	msg := err.Error()
	if errors.Is(err, jetstream.ErrTooManyStalledMsgs) || strings.Contains(msg, "maximum") || strings.Contains(msg, "resources") {
		return &errs.Error{Kind: errs.KindRateLimited, Code: "ingest.backlog_full",
			Public: "the platform's backlog is full; retry later", Err: err}
	}
	return &errs.Error{Kind: errs.KindUnavailable, Code: "ingest.stream_unavailable", Public: "events could not be stored; resend the batch", Err: err}
}

// subjectToken makes an organisation ID safe as a subject token.
func subjectToken(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '*' || r == '>' || r <= ' ' {
			return '_'
		}
		return r
	}, s)
}

// EventConsumer is the shared durable consumer detection workers pull from;
// several processes bound to it share the work.
func (b *Bus) EventConsumer(ctx context.Context, s jetstream.Stream, maxAckPending int) (jetstream.Consumer, error) {
	c, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       DetectConsumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		MaxAckPending: maxAckPending,
		MaxDeliver:    -1,
	})
	if err != nil {
		return nil, fmt.Errorf("bus: detect consumer: %w", err)
	}
	return c, nil
}

// EventSource adapts the detect consumer to detection workers.
type EventSource struct{ C jetstream.Consumer }

// Fetch returns up to max messages: what is waiting now, or else the first
// message to arrive within wait together with whatever came with it. It
// never holds ready messages back to fill a batch (low latency under light
// load, full batches under heavy load).
func (s EventSource) Fetch(ctx context.Context, max int, wait time.Duration) ([]Message, error) {
	out, err := collect(s.C.FetchNoWait(max))
	if err != nil || len(out) > 0 {
		return out, err
	}
	if out, err = collect(s.C.Fetch(1, jetstream.FetchMaxWait(wait))); err != nil || len(out) == 0 || max == 1 {
		return out, err
	}
	more, err := collect(s.C.FetchNoWait(max - 1))
	return append(out, more...), err
}

// collect drains a fetch; a timeout with nothing delivered is not an error.
func collect(batch jetstream.MessageBatch, err error) ([]Message, error) {
	if err != nil {
		return nil, err
	}
	var out []Message
	for m := range batch.Messages() {
		out = append(out, m)
	}
	if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && len(out) == 0 {
		return nil, err
	}
	return out, nil
}

// Message is one delivered stream message.
type Message interface {
	Data() []byte
	Ack() error
	Nak() error
	NakWithDelay(time.Duration) error
}
