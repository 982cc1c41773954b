package telemetry

import (
	"encoding/json"
	"testing"

	"github.com/khien-cert/khien/internal/event"
)

// benchEVE is a real Suricata alert (suricata-verify alert-testmyids,
// payload fields removed), 593 bytes, with EVE's \/ escapes.
const benchEVE = `{"timestamp":"2016-07-13T22:42:07.573103+0000","flow_id":1842518484266121,"pcap_cnt":9,` +
	`"event_type":"alert","src_ip":"82.165.177.154","src_port":80,"dest_ip":"10.16.1.11","dest_port":54186,` +
	`"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2100498,"rev":7,` +
	`"signature":"GPL ATTACK_RESPONSE id check returned root","category":"Potentially Bad Traffic","severity":2},` +
	`"http":{"hostname":"www.testmyids.com","url":"\/","http_user_agent":"curl\/7.43.0",` +
	`"http_content_type":"text\/html","http_method":"GET","protocol":"HTTP\/1.1","status":200,"length":39},` +
	`"app_proto":"http","stream":1}`

// BenchmarkDecodeEVE is the parse-only ceiling that the detection
// benchmark compares against: one EVE alert line to a complete Event.
func BenchmarkDecodeEVE(b *testing.B) {
	raw := []byte(benchEVE)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := Decode(event.FormatEVE, raw); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDecodeEVEDetect adds format detection, as for a sensor whose
// format is not configured.
func BenchmarkDecodeEVEDetect(b *testing.B) {
	raw := []byte(benchEVE)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := Decode("", raw); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkFlattenStdlib is the alternative flatten.go replaces:
// encoding/json into map[string]any (with UseNumber), then a flattening
// walk. It is here to keep the choice honest.
func BenchmarkFlattenStdlib(b *testing.B) {
	raw := []byte(benchEVE)
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]any
		d := json.NewDecoder(bytesReader(raw))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			b.Fatal(err)
		}
		out := make(map[string]string, 32)
		flattenAny("", m, out)
	}
}

func BenchmarkFlatten(b *testing.B) {
	raw := []byte(benchEVE)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := flatten(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIngestEVE is what ingest does with each record: DecodeModel
// (the event without Fields), the format detected as the record is parsed.
func BenchmarkIngestEVE(b *testing.B) {
	raw := []byte(benchEVE)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeModel("", raw); err != nil {
			b.Fatal(err)
		}
	}
}
