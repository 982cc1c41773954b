package ingest

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
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
	skipped, err := Events(data, fakeDecoder{}, false, func(ev *event.Event, _ []byte) { evs = append(evs, ev.Clone()) })
	if err != nil || skipped != 1 || len(evs) != 1 {
		t.Fatalf("Events = %d skipped, %v, %d events", skipped, err, len(evs))
	}
	ev := evs[0]
	if ev.ID != event.NewID("s1", []byte("x")) || ev.SensorID != "s1" || ev.OrgID != "o1" || !ev.Time.Equal(at) || !ev.Received.Equal(at) {
		t.Errorf("event = %+v", ev)
	}
	// A version 2 chunk carries the events ingest normalised; they come
	// back stamped the same way without decoding the records.
	norm, err := Normalize(fakeDecoder{}, "s1", "o1", []byte("x"), at)
	if err != nil {
		t.Fatal(err)
	}
	data2, _ := EncodeChunk(Batch{SensorID: "s1", OrgID: "o1", Received: at, Records: [][]byte{[]byte("x")}, Events: []event.Event{norm}})
	evs = nil
	if _, err := Events(data2, panicDecoder{}, false, func(ev *event.Event, _ []byte) { evs = append(evs, ev.Clone()) }); err != nil || len(evs) != 1 {
		t.Fatalf("Events(v2) = %v, %d events", err, len(evs))
	}
	if evs[0].ID != ev.ID || evs[0].Kind != "x" || evs[0].SensorID != "s1" || !evs[0].Time.Equal(at) || !evs[0].Received.Equal(at) {
		t.Errorf("v2 event = %+v", evs[0])
	}
}

// panicDecoder fails a test that decodes records it should not.
type panicDecoder struct{}

func (panicDecoder) Detect([]byte) event.Format { panic("record decoded again") }
func (panicDecoder) Decode(event.Format, []byte) (event.Event, error) {
	panic("record decoded again")
}

func TestModelRejectsDamage(t *testing.T) {
	ev := event.Event{ID: "abc", Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Format: event.FormatEVE,
		Hosts: []string{"a.example"}, Severity: -3}
	enc := appendModel(nil, &ev)
	got, err := decodeModel(enc)
	if err != nil || got.ID != "abc" || got.Severity != -3 || !got.Time.Equal(ev.Time) || len(got.Hosts) != 1 {
		t.Fatalf("decodeModel = %+v, %v", got, err)
	}
	for n := range len(enc) {
		if _, err := decodeModel(enc[:n]); err == nil {
			t.Errorf("truncated to %d bytes: accepted", n)
		}
	}
	if _, err := decodeModel(append(enc, 0)); err == nil {
		t.Error("trailing byte accepted")
	}
}

// compressible is a chunk of repetitive records and events, which
// EncodeChunk compresses (version 3).
func compressible(at time.Time) []byte {
	b := Batch{SensorID: "s", OrgID: "o", Received: at}
	for i := range 50 {
		b.Records = append(b.Records, []byte(`{"event_type":"dns","dns":{"rrname":"host-`+strings.Repeat("x", i)+`.example"}}`))
		b.Events = append(b.Events, event.Event{ID: "id" + strings.Repeat("y", i), Time: at, Format: event.FormatEVE, Kind: "dns",
			Hosts: []string{"host.example"}})
	}
	data, _ := EncodeChunk(b)
	return data
}

var t0 = time.Unix(1, 0).UTC()

// A chunk worth compressing is compressed, comes back whole, and a
// damaged compressed body is refused, not trusted.
func TestCompressedChunk(t *testing.T) {
	data := compressible(t0)
	if !bytes.HasPrefix(data, []byte(`{"v":3,`)) {
		t.Fatalf("not compressed: %.40q", data)
	}
	b, err := DecodeChunk(data)
	if err != nil || len(b.Records) != 50 || len(b.Events) != 50 || b.Events[49].Kind != "dns" ||
		!strings.HasSuffix(string(b.Records[49]), `.example"}}`) {
		t.Fatalf("DecodeChunk = %d records, %d events, %v", len(b.Records), len(b.Events), err)
	}
	n := 0
	if _, err := Events(data, panicDecoder{}, false, func(ev *event.Event, _ []byte) { n++ }); err != nil || n != 50 {
		t.Fatalf("Events = %d, %v", n, err)
	}
	nl := bytes.IndexByte(data, '\n')
	for _, bad := range [][]byte{
		data[:len(data)-3], // truncated
		append(slices.Clone(data[:nl+1]), 0xff, 0xff, 0xff, 0xff, 0x0f), // claims 4 GiB
	} {
		if _, err := DecodeChunk(bad); err == nil {
			t.Errorf("damaged chunk %.60q accepted", bad)
		}
		if _, err := Events(bad, panicDecoder{}, false, func(*event.Event, []byte) {}); err == nil {
			t.Errorf("Events took damaged chunk %.60q", bad)
		}
	}
}

// A chunk of a version this build does not know says so (detection leaves
// it for a newer process) instead of passing for damage.
func TestNewerChunkVersion(t *testing.T) {
	data := []byte(`{"v":4,"s":"s","o":"o","r":1}` + "\nwhatever")
	if _, err := Events(data, panicDecoder{}, false, func(*event.Event, []byte) {}); !errors.Is(err, ErrChunkVersion) {
		t.Fatalf("Events = %v, want ErrChunkVersion", err)
	}
}

func FuzzDecodeChunk(f *testing.F) {
	data, _ := EncodeChunk(Batch{SensorID: "s", OrgID: "o", Received: time.Unix(1, 0), Records: [][]byte{[]byte("r1"), []byte("r2")}})
	f.Add(data)
	f.Add([]byte("{}\n\x05abc"))
	at := time.Unix(1, 0).UTC()
	v2, _ := EncodeChunk(Batch{SensorID: "s", OrgID: "o", Received: at, Records: [][]byte{[]byte("r1")},
		Events: []event.Event{{ID: "id", Time: at, Format: event.FormatEVE, Kind: "dns", Hosts: []string{"a.example"}, Severity: 2}}})
	f.Add(v2)
	f.Add([]byte(`{"v":2,"s":"s","o":"o","r":1}` + "\n\x01x\x00"))
	f.Add(compressible(t0))
	f.Add([]byte(`{"v":3,"s":"s","o":"o","r":1}` + "\n\xff\xff\xff\xff\x0f"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := DecodeChunk(data)
		if err != nil {
			return
		}
		if b.Events != nil && len(b.Events) != len(b.Records) {
			t.Fatalf("%d events for %d records", len(b.Events), len(b.Records))
		}
		re, _ := EncodeChunk(b)
		b2, err := DecodeChunk(re)
		if err != nil || len(b2.Records) != len(b.Records) || len(b2.Events) != len(b.Events) {
			t.Fatalf("re-encoded chunk does not decode: %v", err)
		}
		for i := range b.Events {
			if !reflect.DeepEqual(b.Events[i], b2.Events[i]) {
				t.Fatalf("event %d changed in a round trip:\n%+v\n%+v", i, b.Events[i], b2.Events[i])
			}
		}
		if len(b.Events) > 0 { // a version 2 chunk's events come without decoding records
			n := 0
			if _, err := Events(data, panicDecoder{}, false, func(*event.Event, []byte) { n++ }); err != nil || n != len(b.Events) {
				t.Fatalf("Events = %v, %d events of %d", err, n, len(b.Events))
			}
		}
	})
}

func TestChunksFitTheMessageLimit(t *testing.T) {
	at := time.Date(2026, 11, 21, 1, 0, 0, 0, time.UTC)
	var b Batch
	b.SensorID, b.OrgID, b.Received = "sensor-1", "org-1", at
	for i := range 3000 {
		r := bytes.Repeat([]byte{'x'}, 1+(i*7919)%3000)
		if i == 1500 {
			r = bytes.Repeat([]byte{'y'}, 70_000) // larger than the limit on its own
		}
		b.Records = append(b.Records, r)
		b.Events = append(b.Events, event.Event{ID: event.NewID(b.SensorID, r), Time: at, Format: event.FormatJSON,
			Hosts: []string{strings.Repeat("h", i%50) + ".example"}, URLs: []string{"https://a.example/" + strings.Repeat("p", i%200)}})
	}
	const limit = 64 << 10
	for _, withModels := range []bool{true, false} {
		in := b
		if !withModels {
			in.Events = nil
		}
		chunks := Chunks(in, limit)
		n := 0
		for _, c := range chunks {
			data, _ := EncodeChunk(c)
			if len(c.Records) == 0 || len(c.Records) > ChunkSize || len(data) > limit && len(c.Records) > 1 {
				t.Fatalf("chunk of %d records, %d bytes", len(c.Records), len(data))
			}
			if withModels != (len(c.Events) == len(c.Records)) {
				t.Fatalf("chunk events %d for %d records", len(c.Events), len(c.Records))
			}
			for i, r := range c.Records {
				if !bytes.Equal(r, in.Records[n+i]) || withModels && c.Events[i].ID != in.Events[n+i].ID {
					t.Fatalf("record %d out of place", n+i)
				}
			}
			n += len(c.Records)
		}
		if n != len(in.Records) || len(chunks) < 2 {
			t.Fatalf("%d records in %d chunks", n, len(chunks))
		}
	}
	if got := len(Chunks(Batch{Records: make([][]byte, 2*ChunkSize+1)}, limit)); got != 3 {
		t.Errorf("%d chunks of small records, want 3 (ChunkSize each at most)", got)
	}
}
