package ingest

import (
	"bytes"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/event"
)

func TestChunkRoundTrip(t *testing.T) {
	b := Batch{SensorID: "s1", OrgID: "o1", Received: time.Date(2026, 11, 21, 1, 2, 3, 4000, time.UTC),
		Records: [][]byte{[]byte(`{"a":1}`), []byte("multi\nline\x00record"), {}}}
	data, id := EncodeChunk(b)
	got, err := DecodeChunk(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.SensorID != b.SensorID || got.OrgID != b.OrgID || !got.Received.Equal(b.Received) || len(got.Records) != 3 {
		t.Fatalf("round trip = %+v", got)
	}
	for i := range b.Records {
		if !bytes.Equal(got.Records[i], b.Records[i]) {
			t.Errorf("record %d = %q", i, got.Records[i])
		}
	}
	if _, again := EncodeChunk(b); again != id {
		t.Error("the same records must give the same message ID")
	}
	b.Records = b.Records[:2]
	if _, other := EncodeChunk(b); other == id {
		t.Error("different records gave the same message ID")
	}
	for _, bad := range [][]byte{nil, []byte("no header"), append(data[:len(data)-1:len(data)-1], 0xff, 0xff)} {
		if _, err := DecodeChunk(bad); err == nil {
			t.Errorf("DecodeChunk(%q) accepted", bad)
		}
	}
}

// fakeDecoder decodes records "ip" into an event with that destination.
type fakeDecoder struct{}

func (fakeDecoder) Detect([]byte) event.Format { return event.FormatJSON }
func (fakeDecoder) Decode(_ event.Format, raw []byte) (event.Event, error) {
	if string(raw) == "bad" {
		return event.Event{}, errBadChunk
	}
	return event.Event{Format: event.FormatJSON, Kind: string(raw)}, nil
}

func TestEventsStampLikeIngest(t *testing.T) {
	at := time.Date(2026, 11, 21, 1, 0, 0, 0, time.UTC)
	data, _ := EncodeChunk(Batch{SensorID: "s1", OrgID: "o1", Received: at, Records: [][]byte{[]byte("x"), []byte("bad")}})
	var evs []event.Event
	skipped, err := Events(data, fakeDecoder{}, func(ev *event.Event) { evs = append(evs, *ev) })
	if err != nil || skipped != 1 || len(evs) != 1 {
		t.Fatalf("Events = %d skipped, %v, %d events", skipped, err, len(evs))
	}
	ev := evs[0]
	if ev.ID != event.NewID("s1", []byte("x")) || ev.SensorID != "s1" || ev.OrgID != "o1" || !ev.Time.Equal(at) || !ev.Received.Equal(at) {
		t.Errorf("event = %+v", ev)
	}
}

func FuzzDecodeChunk(f *testing.F) {
	data, _ := EncodeChunk(Batch{SensorID: "s", OrgID: "o", Received: time.Unix(1, 0), Records: [][]byte{[]byte("r1"), []byte("r2")}})
	f.Add(data)
	f.Add([]byte("{}\n\x05abc"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := DecodeChunk(data)
		if err != nil {
			return
		}
		re, _ := EncodeChunk(b)
		if b2, err := DecodeChunk(re); err != nil || len(b2.Records) != len(b.Records) {
			t.Fatalf("re-encoded chunk does not decode: %v", err)
		}
	})
}
