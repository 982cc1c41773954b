package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/event"
)

// Batch is the accepted records of one sensor's batch. The stream carries
// the records as the sensor sent them (the original evidence, and what the
// event ID is computed from) and, beside each, the event ingest decoded from
// it, so detection need not decode the record again.
type Batch struct {
	SensorID string
	OrgID    string
	Received time.Time
	Records  [][]byte
	// Events, when set, are the records' normalised events (Normalize), one
	// per record in the same order; their Fields are not carried. EncodeChunk
	// writes a version 2 chunk with them, else a version 1 chunk of records
	// alone. DecodeChunk fills them from a version 2 chunk.
	Events []event.Event
}

// ChunkSize is the most records one stream message holds. The embedded
// server syncs every message to disk before acknowledging it, so records are
// grouped: one fsync covers a chunk. Chunks also stay under the stream's
// message size limit (see Chunks). 1024 rather than 256: a 5,500-record
// batch then costs 6 syncs instead of 22, which halved the wait for the
// stream's acknowledgements in BenchmarkPipelineLatency.
const ChunkSize = 1024

// Chunks cuts b into chunks of at most ChunkSize records whose encoding
// (EncodeChunk) takes at most maxBytes; a record too big for that on its own
// travels alone. The cut depends only on b and maxBytes, so a re-sent batch
// gives the same chunks and message IDs.
func Chunks(b Batch, maxBytes int) []Batch {
	withModels := len(b.Records) > 0 && len(b.Events) == len(b.Records)
	base := len(b.SensorID) + len(b.OrgID) + 64 // the header line
	var out []Batch
	start, size := 0, base
	cut := func(end int) {
		c := b
		c.Records = b.Records[start:end]
		c.Events = nil
		if withModels {
			c.Events = b.Events[start:end]
		}
		out = append(out, c)
		start, size = end, base
	}
	for i, r := range b.Records {
		n := len(r) + binary.MaxVarintLen64
		if withModels {
			n += modelSize(&b.Events[i]) + binary.MaxVarintLen64
		}
		if i > start && (i-start == ChunkSize || size+n > maxBytes) {
			cut(i)
		}
		size += n
	}
	if start < len(b.Records) {
		cut(len(b.Records))
	}
	return out
}

// modelSize is at least the length of ev's model encoding (appendModel):
// every length and number as its longest uvarint.
func modelSize(ev *event.Event) int {
	n := 2*64 + 5*binary.MaxVarintLen64 // time, addresses, ports, severity, list counts
	for _, s := range [...]string{ev.ID, string(ev.Format), ev.Kind, ev.Device, ev.Proto, ev.User, ev.Process, ev.CommandLine, ev.Signature} {
		n += len(s) + binary.MaxVarintLen64
	}
	for _, l := range [...][]string{ev.Hosts, ev.URLs, ev.Hashes, ev.Emails} {
		for _, s := range l {
			n += len(s) + binary.MaxVarintLen64
		}
	}
	return n
}

// Chunk versions: 1 holds records only; 2 follows each record with its
// event's model encoding (see model.go). A chunk without "v" is version 1.
const chunkVersion = 2

type chunkHeader struct {
	Version  int    `json:"v,omitempty"`
	Sensor   string `json:"s"`
	Org      string `json:"o"`
	Received int64  `json:"r"` // Unix nanoseconds, UTC
}

// EncodeChunk encodes records of b (at most ChunkSize) as one stream message:
// a JSON header line, then each record with a uvarint length, and in a
// version 2 chunk (b.Events set) after each record its event's model with a
// uvarint length. The message ID is derived from the records' event IDs, so
// a re-sent chunk is dropped by the stream.
func EncodeChunk(b Batch) (data []byte, id string) { return AppendChunk(nil, b) }

// AppendChunk is EncodeChunk appending to dst, for a caller that reuses
// buffers.
func AppendChunk(dst []byte, b Batch) (data []byte, id string) {
	withModels := len(b.Records) > 0 && len(b.Events) == len(b.Records)
	h := chunkHeader{Sensor: b.SensorID, Org: b.OrgID, Received: b.Received.UnixNano()}
	if withModels {
		h.Version = chunkVersion
	}
	hdr, _ := json.Marshal(h)
	size := len(hdr) + 1
	for _, r := range b.Records {
		size += len(r) + binary.MaxVarintLen32
		if withModels {
			size += 256
		}
	}
	data = append(slices.Grow(dst[:0], size), hdr...)
	data = append(data, '\n')
	sum := sha256.New()
	var model []byte
	for i, r := range b.Records {
		data = binary.AppendUvarint(data, uint64(len(r)))
		data = append(data, r...)
		if !withModels {
			sum.Write([]byte(event.NewID(b.SensorID, r)))
			continue
		}
		ev := &b.Events[i]
		model = appendModel(model[:0], ev)
		data = binary.AppendUvarint(data, uint64(len(model)))
		data = append(data, model...)
		sum.Write([]byte(ev.ID)) // Normalize made it: event.NewID(b.SensorID, r)
	}
	return data, hex.EncodeToString(sum.Sum(nil)[:16])
}

var errBadChunk = errors.New("ingest: malformed stream chunk")

// DecodeChunk reads a message made by EncodeChunk. Records alias data.
func DecodeChunk(data []byte) (Batch, error) {
	var b Batch
	var text string // the models' strings are substrings of one copy of data
	hdr, err := walkChunk(data, func(rec, model []byte, at int) error {
		b.Records = append(b.Records, rec)
		if model == nil {
			return nil
		}
		if text == "" {
			text = string(data)
		}
		b.Events = append(b.Events, event.Event{})
		return decodeModelInto(&b.Events[len(b.Events)-1], text[at:at+len(model)])
	})
	if err != nil {
		return Batch{}, errBadChunk
	}
	b.SensorID, b.OrgID, b.Received = hdr.Sensor, hdr.Org, time.Unix(0, hdr.Received).UTC()
	return b, nil
}

// walkChunk checks a chunk's header and calls fn with each record and, in a
// version 2 chunk, its model encoding and the model's offset in data (nil
// and 0 in a version 1 chunk), in order. It stops at fn's first error or at
// the first damage, after the records before it.
func walkChunk(data []byte, fn func(rec, model []byte, at int) error) (chunkHeader, error) {
	var hdr chunkHeader
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 || json.Unmarshal(data[:nl], &hdr) != nil || hdr.Version < 0 || hdr.Version > chunkVersion {
		return hdr, errBadChunk
	}
	// next reads a uvarint-prefixed value at data[i:].
	next := func(i int) (val []byte, end int, ok bool) {
		n, k := binary.Uvarint(data[i:])
		if k <= 0 || n > uint64(len(data)-i-k) {
			return nil, 0, false
		}
		return data[i+k : i+k+int(n)], i + k + int(n), true
	}
	for i := nl + 1; i < len(data); {
		rec, end, ok := next(i)
		if !ok {
			return hdr, errBadChunk
		}
		i = end
		var model []byte
		at := 0
		if hdr.Version == chunkVersion {
			if model, end, ok = next(i); !ok {
				return hdr, errBadChunk
			}
			at, i = end-len(model), end
			model = model[:len(model):len(model)]
			if model == nil {
				model = []byte{}
			}
		}
		if err := fn(rec, model, at); err != nil {
			return hdr, err
		}
	}
	return hdr, nil
}

// Normalize decodes one raw record of a sensor into an event stamped with its
// stable ID, sensor, organisation and receive time (also its time when the
// record carries none). Ingest normalises every record it accepts (a record
// that does not normalise is rejected; it uses normalizeModel, the same but
// for Fields) and publishes the events beside the records; detection uses
// Normalize to decode records again when it needs Fields.
func Normalize(d Decoder, sensorID, orgID string, raw []byte, received time.Time) (event.Event, error) {
	ev, err := decodeRecord(d, raw)
	if err != nil {
		return ev, err
	}
	ev.ID = event.NewID(sensorID, raw)
	ev.SensorID, ev.OrgID, ev.Received = sensorID, orgID, received
	if ev.Time.IsZero() {
		ev.Time = received
	}
	return ev, nil
}

// ModelDecoder is a Decoder that can also decode a record without keeping
// its Fields (telemetry.Decoder.DecodeModel): the same acceptance, errors
// and event but for Fields, for less work. Ingest uses it when d offers it,
// with the empty format: the decoder detects it (telemetry does so while it
// parses a JSON record, instead of reading the record twice).
type ModelDecoder interface {
	DecodeModel(format event.Format, raw []byte) (event.Event, error)
}

// normalizeModel is Normalize without Fields (see ModelDecoder).
func normalizeModel(d Decoder, sensorID, orgID string, raw []byte, received time.Time) (event.Event, error) {
	md, ok := d.(ModelDecoder)
	if !ok {
		ev, err := Normalize(d, sensorID, orgID, raw, received)
		ev.Fields = nil
		return ev, err
	}
	if !utf8.Valid(raw) {
		return event.Event{}, errs.New(errs.KindInvalid, "event.bad_utf8", "the record is not valid UTF-8")
	}
	ev, err := md.DecodeModel("", raw) // "": the decoder detects the format
	if err != nil {
		return ev, err
	}
	ev.ID = event.NewID(sensorID, raw)
	ev.SensorID, ev.OrgID, ev.Received = sensorID, orgID, received
	if ev.Time.IsZero() {
		ev.Time = received
	}
	return ev, nil
}

// Check reports whether a raw record would normalise: the same decoding as
// Normalize without the work only an accepted event needs (its ID).
func Check(d Decoder, raw []byte) error {
	_, err := decodeRecord(d, raw)
	return err
}

func decodeRecord(d Decoder, raw []byte) (event.Event, error) {
	if !utf8.Valid(raw) {
		return event.Event{}, errs.New(errs.KindInvalid, "event.bad_utf8", "the record is not valid UTF-8")
	}
	return d.Decode(d.Detect(raw), raw)
}

// Events calls fn with each event of a chunk. A version 2 chunk's events
// are taken from their models, stamped as Normalize stamps them, and lack
// Fields; with fields set (Sigma rules need them), and for version 1 chunks,
// the records are decoded again with d, exactly as ingest decoded them. A
// record that no longer decodes (it did when accepted) is skipped and counted.
//
// The event passed to fn is reused for the next one: its lists are valid
// only during the call (keep ev.Clone()). Its strings stay valid, and keep
// the chunk's text alive while they are held. A damaged chunk ends with an
// error after the events before the damage.
func Events(data []byte, d Decoder, fields bool, fn func(*event.Event)) (skipped int, err error) {
	// The first walk checks the chunk and gathers the models, so that all
	// the events' strings share one copy of them (not of the records).
	buf := modelBufs.Get().(*[]byte)
	models := (*buf)[:0]
	hdr, err := walkChunk(data, func(_, model []byte, _ int) error {
		if !fields {
			models = append(models, model...)
		}
		return nil
	})
	text := string(models)
	if cap(models) <= 4<<20 {
		*buf = models
		modelBufs.Put(buf)
	}
	if err != nil {
		return 0, err
	}
	received := time.Unix(0, hdr.Received).UTC()
	var ev event.Event
	at := 0
	_, err = walkChunk(data, func(raw, model []byte, _ int) error {
		if model != nil && !fields {
			m := text[at : at+len(model)]
			at += len(model)
			if err := decodeModelInto(&ev, m); err != nil {
				return errBadChunk
			}
			ev.SensorID, ev.OrgID, ev.Received = hdr.Sensor, hdr.Org, received
			if ev.Time.IsZero() {
				ev.Time = received
			}
			fn(&ev)
			return nil
		}
		one, err := Normalize(d, hdr.Sensor, hdr.Org, raw, received)
		if err != nil {
			skipped++
			return nil
		}
		fn(&one)
		return nil
	})
	return skipped, err
}

// modelBufs recycles the buffers Events gathers models in.
var modelBufs = sync.Pool{New: func() any { return new([]byte) }}
