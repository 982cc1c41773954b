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
