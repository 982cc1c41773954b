package bus

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"
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
