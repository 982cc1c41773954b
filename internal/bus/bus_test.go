package bus

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/ingest"
)

// An acknowledged message on a file-backed stream is there after a restart
// of the embedded server.
func TestEmbeddedDurableAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	b, err := Open(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !b.Embedded() {
		t.Fatal("want embedded")
	}
	if _, err := b.JS.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.JS.Publish(ctx, "t.x", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	b.Close()

	b, err = Open(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := b.JS.Stream(ctx, "T")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.GetMsg(ctx, 1)
	if err != nil || string(msg.Data) != "hello" {
		t.Fatalf("GetMsg = %v, %v", msg, err)
	}
}

// A full backlog refuses new events with back-pressure instead of dropping
// old ones, and a re-sent event ID is stored once.
func TestEventStreamBackpressureAndDedupe(t *testing.T) {
	ctx := t.Context()
	b, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s, err := b.EnsureEventStream(ctx, StreamLimits{MaxBytes: 4096, Duplicate: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	p := b.NewEventPublisher()
	batch := func(rec string) ingest.Batch {
		return ingest.Batch{SensorID: "s", OrgID: "org", Received: time.Now(), Records: [][]byte{[]byte(rec)}}
	}
	pad := strings.Repeat("x", 300)
	for range 3 { // the same record three times: stored once
		if err := p.Publish(ctx, batch(`{"n":1,"pad":"`+pad+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	info, _ := s.Info(ctx)
	if info.State.Msgs != 1 {
		t.Fatalf("re-sent event stored %d times", info.State.Msgs)
	}
	var full error
	for i := range 100 {
		if full = p.Publish(ctx, batch(fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i+2, pad))); full != nil {
			break
		}
	}
	if !errs.Is(full, errs.KindRateLimited) {
		t.Fatalf("full stream: %v, want rate limited", full)
	}
	info, _ = s.Info(ctx)
	if info.State.FirstSeq != 1 {
		t.Errorf("old events were discarded (first seq %d)", info.State.FirstSeq)
	}
}

// Trimming removes the events every consumer acknowledged, and only those:
// an event one consumer has not acknowledged stays, with every event after it.
func TestTrimEventsKeepsWhatAConsumerHasNotAcknowledged(t *testing.T) {
	ctx := t.Context()
	b, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s, err := b.EnsureEventStream(ctx, DefaultStreamLimits)
	if err != nil {
		t.Fatal(err)
	}
	p := b.NewEventPublisher()
	for i := range 6 {
		rec := fmt.Sprintf(`{"n":%d}`, i)
		if err := p.Publish(ctx, ingest.Batch{SensorID: "s", OrgID: "org", Received: time.Now(), Records: [][]byte{[]byte(rec)}}); err != nil {
			t.Fatal(err)
		}
	}
	fast, err := b.EventConsumer(ctx, s, 100)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "archive", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	ack := func(c jetstream.Consumer, n int) {
		t.Helper()
		msgs, err := EventSource{C: c}.Fetch(ctx, n, time.Second)
		if err != nil || len(msgs) != n {
			t.Fatalf("fetched %d, %v; want %d", len(msgs), err, n)
		}
		for _, m := range msgs {
			if err := m.(jetstream.Msg).DoubleAck(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	state := func() (first, msgs uint64) {
		t.Helper()
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.FirstSeq, info.State.Msgs
	}
	ack(fast, 5)
	ack(slow, 2)
	if err := b.TrimEvents(ctx); err != nil {
		t.Fatal(err)
	}
	if first, msgs := state(); first != 3 || msgs != 4 {
		t.Errorf("after trimming: first %d, %d events; want 3, 4 (the archive consumer acknowledged 2)", first, msgs)
	}
	ack(slow, 4)
	if err := b.TrimEvents(ctx); err != nil {
		t.Fatal(err)
	}
	if first, msgs := state(); first != 6 || msgs != 1 {
		t.Errorf("after trimming again: first %d, %d events; want 6, 1 (detection has not acknowledged the 6th)", first, msgs)
	}
}

// A work-queue events stream made by an earlier version is kept while it
// holds events (none is lost) and replaced once it is empty.
func TestEventStreamReplacesAnEmptyWorkQueueStream(t *testing.T) {
	ctx := t.Context()
	b, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	old := jetstream.StreamConfig{Name: EventsStream, Subjects: []string{EventsSubject + ".>"}, Storage: jetstream.FileStorage,
		Retention: jetstream.WorkQueuePolicy}
	if _, err := b.JS.CreateStream(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := b.JS.Publish(ctx, EventsSubject+".org", []byte("x")); err != nil {
		t.Fatal(err)
	}
	s, err := b.EnsureEventStream(ctx, DefaultStreamLimits)
	if err != nil {
		t.Fatal(err)
	}
	if info := s.CachedInfo(); info.Config.Retention != jetstream.WorkQueuePolicy || info.State.Msgs != 1 {
		t.Fatalf("a work-queue stream holding an event became %v with %d events", info.Config.Retention, info.State.Msgs)
	}
	if err := s.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	s, err = b.EnsureEventStream(ctx, DefaultStreamLimits)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.CachedInfo().Config.Retention; r != jetstream.LimitsPolicy {
		t.Errorf("retention = %v, want limits", r)
	}
}
