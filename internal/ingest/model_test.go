package ingest_test

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/detect/gen"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/telemetry"
)

// telemetryDecoder is production's decoder with a fixed clock (year-less
// syslog times take their year from it).
type telemetryDecoder struct{}

var fixedNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func (telemetryDecoder) Detect(raw []byte) event.Format { return telemetry.Detect(raw) }
func (telemetryDecoder) Decode(f event.Format, raw []byte) (event.Event, error) {
	return telemetry.Decoder{Now: func() time.Time { return fixedNow }}.Decode(f, raw)
}
func (telemetryDecoder) DecodeModel(f event.Format, raw []byte) (event.Event, error) {
	return telemetry.Decoder{Now: func() time.Time { return fixedNow }}.DecodeModel(f, raw)
}

// modelSamples are records of every format, with every model field used.
var modelSamples = []string{
	`{"timestamp":"2026-11-21T01:02:03.456789+0700","event_type":"http","src_ip":"10.0.0.1","src_port":51000,"dest_ip":"2001:db8::2","dest_port":80,"proto":"TCP","host":"sensor-1","app_proto":"http","http":{"hostname":"Example.COM","url":"/a?b=c"},"alert":{"signature":"ET TEST ✓","severity":2},"fileinfo":{"md5":"44D88612FEA8A8F36DE82E1278ABB02F"}}`,
	`{"timestamp":"2026-11-21T01:02:03Z","event_type":"dns","src_ip":"192.0.2.1","dest_ip":"192.0.2.53","dns":{"queries":[{"rrname":"a.example.org"}],"answers":[{"rrname":"a.example.org","rrtype":"CNAME","rdata":"b.example.net"}]}}`,
	`{"timestamp":"2026-11-21T01:02:03Z","event_type":"smtp","smtp":{"helo":"mx","mail_from":"<A@Example.org>","rcpt_to":["b@example.net","c@example.net"]}}`,
	`{"ts":1521911720.6,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1234,"id.resp_h":"10.0.0.2","id.resp_p":53,"proto":"udp","query":"example.com"}`,
	`{"@timestamp":"2026-11-21T01:02:03.000Z","host":{"name":"web-1"},"source":{"ip":"10.1.1.1","port":4444},"destination":{"ip":"10.1.1.2","port":22},"user":{"name":"root"},"process":{"executable":"/bin/sh","command_line":"sh -c id"},"event":{"kind":"event","category":["process"]}}`,
	`{"Event":{"#attributes":{},"System":{"EventID":1,"Computer":"PC1","Channel":"Microsoft-Windows-Sysmon/Operational","TimeCreated":{"#attributes":{"SystemTime":"2026-11-21T01:02:03.123456Z"}}},"EventData":{"Image":"C:\\Windows\\cmd.exe","CommandLine":"cmd /c whoami","User":"DOM\\u","Hashes":"SHA256=E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}}}`,
	`<13>Jan  2 03:04:05 fw CEF:0|V|P|1|sig|Blocked|7|src=10.0.0.1 dst=2001:db8::2 spt=1234 dpt=443 proto=TCP request=https://bad.example/x suser=alice`,
	`<34>1 2026-11-21T01:02:03.5Z host app 1 ID47 - message from 10.0.0.9`,
	`<13>Nov 21 01:02:03 gw sshd[1]: Failed password for root from 198.51.100.7 port 22`,
	`{"anything":"else","n":[1,2,{"x":null}]}`,
	`{"_index":"logs","_id":"1","_source":{"@timestamp":"2026-11-21T01:02:03Z","source":{"ip":"10.9.9.9"}}}`,
}

// plain is an event as a version 2 chunk carries it: no Fields, empty lists nil.
func plain(ev event.Event) event.Event {
	ev.Fields = nil
	for _, l := range []*[]string{&ev.Hosts, &ev.URLs, &ev.Hashes, &ev.Emails} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	return ev
}

// agree checks that the events of a version 2 chunk of raws equal, but for
// Fields, the events decoding the records again gives, and that the
// decoding path (fields set) gives those events exactly.
func agree(t *testing.T, raws [][]byte) {
	t.Helper()
	at := time.Date(2026, 11, 21, 5, 0, 0, 0, time.UTC)
	b := ingest.Batch{SensorID: "sensor-1", OrgID: "org-1", Received: at}
	var want []event.Event
	for _, raw := range raws {
		ev, err := ingest.Normalize(telemetryDecoder{}, b.SensorID, b.OrgID, raw, at)
		if err != nil {
			continue
		}
		want = append(want, ev)
		b.Records = append(b.Records, raw)
		ev.Fields, ev.ID = nil, "" // as ingest publishes it: detection computes the ID when it needs one
		b.Events = append(b.Events, ev)
	}
	if len(b.Records) == 0 {
		return
	}
	data, id := ingest.EncodeChunk(b)
	again := b
	again.Received = at.Add(time.Hour)
	if _, id2 := ingest.EncodeChunk(again); id2 != id {
		t.Fatalf("the same records and events received again have a different message ID")
	}
	for _, fields := range []bool{false, true} {
		var got []event.Event
		skipped, err := ingest.Events(data, telemetryDecoder{}, fields, func(ev *event.Event, raw []byte) {
			if ev.ID == "" {
				ev.ID = event.NewID(ev.SensorID, raw)
			}
			got = append(got, ev.Clone())
		})
		if err != nil || skipped != 0 || len(got) != len(want) {
			t.Fatalf("Events(fields=%v) = %d skipped, %v, %d events; want %d", fields, skipped, err, len(got), len(want))
		}
		for i := range want {
			w, g := want[i], got[i]
			if !fields {
				w, g = plain(w), plain(g)
			}
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("fields=%v, record %q:\n got %+v\nwant %+v", fields, b.Records[i], g, w)
			}
		}
	}
}

func TestModelAgreesWithDecoding(t *testing.T) {
	var raws [][]byte
	for _, s := range modelSamples {
		if _, err := ingest.Normalize(telemetryDecoder{}, "s", "o", []byte(s), fixedNow); err != nil {
			t.Fatalf("sample does not decode: %v\n%s", err, s)
		}
		raws = append(raws, []byte(s))
	}
	for _, s := range gen.Events(2000, 7, 0.05) {
		raws = append(raws, s.Raw)
	}
	agree(t, raws)
}

func TestEventsReadsVersion1Chunks(t *testing.T) {
	at := time.Date(2026, 11, 21, 5, 0, 0, 0, time.UTC)
	raw := []byte(modelSamples[0])
	data, _ := ingest.EncodeChunk(ingest.Batch{SensorID: "s", OrgID: "o", Received: at, Records: [][]byte{raw}})
	want, _ := ingest.Normalize(telemetryDecoder{}, "s", "o", raw, at)
	var got []event.Event
	if _, err := ingest.Events(data, telemetryDecoder{}, false, func(ev *event.Event, _ []byte) { got = append(got, ev.Clone()) }); err != nil || len(got) != 1 {
		t.Fatalf("Events = %v, %d events", err, len(got))
	}
	if !reflect.DeepEqual(got[0], want) || got[0].Fields == nil {
		t.Errorf("version 1 event = %+v, want %+v", got[0], want)
	}
}

// FuzzModelAgrees checks, for any record that ingest accepts, that the event
// carried in a version 2 chunk is the one decoding the record gives.
func FuzzModelAgrees(f *testing.F) {
	for _, s := range modelSamples {
		f.Add([]byte(s))
	}
	for _, s := range gen.Events(20, 3, 0.5) {
		f.Add(s.Raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) { agree(t, [][]byte{raw}) })
}

// capture is a Publisher keeping copies of what it is given (Publish may
// not keep the batch itself).
type capture struct {
	mu      sync.Mutex
	batches []ingest.Batch
}

func (c *capture) Publish(_ context.Context, b ingest.Batch) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b.Events = slices.Clone(b.Events)
	b.Records = slices.Clone(b.Records)
	c.batches = append(c.batches, b)
	return nil
}

// counters is the Store part Accept uses.
type counters struct{ ingest.Store }

func (counters) RecordBatch(context.Context, string, time.Time, int, []ingest.Reject) error {
	return nil
}

// TestAcceptPublishesWhatDecodingGives sends a batch through Accept and
// checks that it accepts exactly the records Normalize accepts, rejects the
// others with Normalize's codes, and that the published chunks' events are
// Normalize's events but for Fields.
func TestAcceptPublishesWhatDecodingGives(t *testing.T) {
	var body bytes.Buffer
	lines := append([]string{}, modelSamples...)
	lines = append(lines, `{"timestamp":"not a time","event_type":"dns"}`, `{"a":`, "not json at all {", "\xff\xfe")
	for _, s := range gen.Events(1000, 11, 0.05) {
		lines = append(lines, string(s.Raw))
	}
	for _, l := range lines {
		body.WriteString(l + "\n")
	}
	pub := &capture{}
	at := fixedNow
	svc := ingest.New(ingest.Deps{Store: counters{}, Publisher: pub, Decoder: telemetryDecoder{}, Splitter: telemetry.Split,
		Now: func() time.Time { return at }})
	sn := ingest.Sensor{ID: "sensor-1", OrgID: "org-1"}
	res, err := svc.Accept(t.Context(), sn, &body)
	if err != nil {
		t.Fatal(err)
	}
	var wantAccepted int
	var wantCodes []string
	for _, l := range lines {
		if _, err := ingest.Normalize(telemetryDecoder{}, sn.ID, sn.OrgID, []byte(l), at); err != nil {
			wantCodes = append(wantCodes, err.(*errs.Error).Code)
		} else {
			wantAccepted++
		}
	}
	var gotCodes []string
	for _, r := range res.Rejected {
		gotCodes = append(gotCodes, r.Code)
	}
	if res.Accepted != wantAccepted || !reflect.DeepEqual(gotCodes, wantCodes) {
		t.Fatalf("accepted %d, rejected %v; want %d, %v", res.Accepted, gotCodes, wantAccepted, wantCodes)
	}
	n := 0
	for _, b := range pub.batches {
		data, _ := ingest.EncodeChunk(b)
		got := 0
		_, err := ingest.Events(data, panicOnDecode{}, false, func(ev *event.Event, raw []byte) {
			want, err := ingest.Normalize(telemetryDecoder{}, sn.ID, sn.OrgID, b.Records[got], at)
			if !bytes.Equal(raw, b.Records[got]) {
				t.Fatalf("record %d passed as %q", got, raw)
			}
			if ev.ID != "" {
				t.Fatalf("the published event carries ID %q; detection computes it", ev.ID)
			}
			ev.ID = event.NewID(ev.SensorID, raw)
			if err != nil || !reflect.DeepEqual(plain(*ev), plain(want)) {
				t.Fatalf("published event %+v\nwant %+v (%v)", *ev, want, err)
			}
			got++
		})
		if err != nil || got != len(b.Records) {
			t.Fatalf("Events = %v, %d events of %d", err, got, len(b.Records))
		}
		n += got
	}
	if n != wantAccepted {
		t.Errorf("%d events published, want %d", n, wantAccepted)
	}
}

// panicOnDecode fails a test that decodes records it should not.
type panicOnDecode struct{}

func (panicOnDecode) Detect([]byte) event.Format { panic("record decoded again") }
func (panicOnDecode) Decode(event.Format, []byte) (event.Event, error) {
	panic("record decoded again")
}
