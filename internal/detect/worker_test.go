package detect

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/tlp"
)

// fakeMsg records what a worker did with it.
type fakeMsg struct {
	data         string
	acked, naked bool
	delay        time.Duration
}

func (m *fakeMsg) Data() []byte { return []byte(m.data) }
func (m *fakeMsg) Ack() error   { m.acked = true; return nil }
func (m *fakeMsg) Nak() error   { m.naked = true; return nil }
func (m *fakeMsg) NakWithDelay(d time.Duration) error {
	m.naked, m.delay = true, d
	return nil
}

type recorder struct{ hits []alert.Hit }

func (r *recorder) Record(_ context.Context, hits []alert.Hit) ([]alert.Alert, error) {
	r.hits = append(r.hits, hits...)
	return nil, nil
}

// A message in a newer format is left on the stream (offered again later,
// for an upgraded process), not acknowledged and lost; the rest of the
// batch is matched, recorded (with the matching event's ID, computed from
// its record) and acknowledged; a damaged message is dropped.
func TestWorkerLeavesNewerFormatsOnTheStream(t *testing.T) {
	eng := NewEngine(nil)
	ix, _ := Build([]intel.Indicator{{Type: intel.TypeIPv4, Value: "192.0.2.1", Source: "s", TLP: tlp.Green, Confidence: 80}}, now)
	eng.SetIndicators(ix)
	rec := &recorder{}
	w := &Worker{Engine: eng, Alerts: rec, Log: slog.New(slog.DiscardHandler),
		Decode: func(data []byte, fn func(*event.Event, []byte)) error {
			switch string(data) {
			case "newer":
				return ErrNewerFormat
			case "damaged":
				return errBadTestChunk
			}
			fn(&event.Event{SensorID: "sn", DstIP: mustAddr(string(data))}, data)
			return nil
		}}
	hit, newer, damaged := &fakeMsg{data: "192.0.2.1"}, &fakeMsg{data: "newer"}, &fakeMsg{data: "damaged"}
	if err := w.process(t.Context(), []Message{hit, newer, damaged}); err != nil {
		t.Fatal(err)
	}
	if !hit.acked || len(rec.hits) != 1 || rec.hits[0].EventID != event.NewID("sn", []byte("192.0.2.1")) {
		t.Errorf("the matching message: acked %v, hits %+v", hit.acked, rec.hits)
	}
	if newer.acked || !newer.naked || newer.delay != newerFormatDelay {
		t.Errorf("the newer message: acked %v, naked %v after %v", newer.acked, newer.naked, newer.delay)
	}
	if !damaged.acked {
		t.Error("the damaged message was not dropped")
	}
}

var errBadTestChunk = errors.New("damaged chunk")
