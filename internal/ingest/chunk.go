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

	"github.com/klauspost/compress/s2"

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
// event's model encoding (see model.go); 3 is a version 2 body compressed
// with S2. A chunk without "v" is version 1.
//
// Compression costs ingest ~0.35 µs and detection ~0.1 µs per event and
// makes messages ~3.7 times smaller (gen's EVE-like events): the stream
// then writes, syncs and later deletes a quarter of the bytes, its byte
// limit holds four times the backlog, and NATS copies less. AppendChunk
// writes version 2 when compression would not make the chunk smaller.
const (
	chunkRecords = 1
	chunkModels  = 2
	chunkS2      = 3
)

// maxChunkBody bounds the decoded body of a compressed chunk (a message
// is at most a few MiB; a damaged length must not make a huge buffer).
const maxChunkBody = 64 << 20

type chunkHeader struct {
	Version  int    `json:"v,omitempty"`
	Sensor   string `json:"s"`
	Org      string `json:"o"`
	Received int64  `json:"r"` // Unix nanoseconds, UTC
}

// EncodeChunk encodes records of b (at most ChunkSize) as one stream message:
// a JSON header line, then the body: each record with a uvarint length and,
// when b.Events is set, after each record its event's model with a uvarint
// length (version 2), compressed with S2 when that makes it smaller
// (version 3). The message ID is a hash of the sensor and the body (not of
// the header, which holds the receive time), so a re-sent chunk is dropped
// by the stream.
func EncodeChunk(b Batch) (data []byte, id string) { return AppendChunk(nil, b) }

// AppendChunk is EncodeChunk appending to dst, for a caller that reuses
// buffers.
func AppendChunk(dst []byte, b Batch) (data []byte, id string) {
	withModels := len(b.Records) > 0 && len(b.Events) == len(b.Records)
	h := chunkHeader{Sensor: b.SensorID, Org: b.OrgID, Received: b.Received.UnixNano()}
	size := 0
	for _, r := range b.Records {
		size += len(r) + binary.MaxVarintLen32
		if withModels {
			size += 256
		}
	}
	bp := bodyBufs.Get().(*[]byte)
	defer bodyBufs.Put(bp)
	body := slices.Grow((*bp)[:0], size)
	var model []byte
	for i, r := range b.Records {
		body = binary.AppendUvarint(body, uint64(len(r)))
		body = append(body, r...)
		if withModels {
			model = appendModel(model[:0], &b.Events[i])
			body = binary.AppendUvarint(body, uint64(len(model)))
			body = append(body, model...)
		}
	}
	*bp = body
	if withModels {
		h.Version = chunkModels
		zp := bodyBufs.Get().(*[]byte)
		defer bodyBufs.Put(zp)
		*zp = slices.Grow((*zp)[:0], s2.MaxEncodedLen(len(body)))
		if z := s2.Encode((*zp)[:cap(*zp)], body); len(z) < len(body) {
			h.Version, body = chunkS2, z
		}
	}
	hdr, _ := json.Marshal(h)
	data = append(slices.Grow(dst[:0], len(hdr)+1+len(body)), hdr...)
	data = append(append(data, '\n'), body...)
	sum := sha256.New()
	sum.Write([]byte(b.SensorID))
	sum.Write([]byte{0, byte(h.Version)})
	sum.Write(body)
	return data, hex.EncodeToString(sum.Sum(nil)[:16])
}

// bodyBufs recycles the buffers chunk bodies are built and unpacked in.
var bodyBufs = sync.Pool{New: func() any { return new([]byte) }}

var errBadChunk = errors.New("ingest: malformed stream chunk")

// ErrChunkVersion is returned for a well-formed chunk of a version newer
// than this build reads (written by a newer process).
var ErrChunkVersion = errors.New("ingest: stream chunk of a newer version")

// DecodeChunk reads a message made by EncodeChunk. Records alias data, or
// the decompressed body.
func DecodeChunk(data []byte) (Batch, error) {
	var b Batch
	hdr, body, err := openChunk(data, nil)
	if err != nil {
		return Batch{}, errBadChunk
	}
	var text string // the models' strings are substrings of one copy of the body
	err = walkChunk(hdr, body, func(rec, model []byte, at int) error {
		b.Records = append(b.Records, rec)
		if model == nil {
			return nil
		}
		if text == "" {
			text = string(body)
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

// openChunk reads a chunk's header and returns its body, decompressed into
// buf's storage (or a new buffer when buf is nil) for version 3; the
// returned header then says version 2, what the body holds.
func openChunk(data []byte, buf *[]byte) (chunkHeader, []byte, error) {
	var hdr chunkHeader
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 || json.Unmarshal(data[:nl], &hdr) != nil || hdr.Version < 0 {
		return hdr, nil, errBadChunk
	}
	if hdr.Version > chunkS2 {
		return hdr, nil, ErrChunkVersion
	}
	body := data[nl+1:]
	if hdr.Version != chunkS2 {
		return hdr, body, nil
	}
	n, err := s2.DecodedLen(body)
	if err != nil || n > maxChunkBody {
		return hdr, nil, errBadChunk
	}
	var dst []byte
	if buf != nil {
		dst = *buf
	}
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	if body, err = s2.Decode(dst[:cap(dst)], body); err != nil {
		return hdr, nil, errBadChunk
	}
	if buf != nil {
		*buf = body[:0]
	}
	hdr.Version = chunkModels
	return hdr, body, nil
}

// walkChunk calls fn with each record of an opened chunk's body and, in a
// version 2 body, its model encoding and the model's offset in the body
// (nil and 0 in version 1), in order. It stops at fn's first error or at
// the first damage, after the records before it.
func walkChunk(hdr chunkHeader, body []byte, fn func(rec, model []byte, at int) error) error {
	// next reads a uvarint-prefixed value at body[i:].
	next := func(i int) (val []byte, end int, ok bool) {
		n, k := binary.Uvarint(body[i:])
		if k <= 0 || n > uint64(len(body)-i-k) {
			return nil, 0, false
		}
		return body[i+k : i+k+int(n)], i + k + int(n), true
	}
	for i := 0; i < len(body); {
		rec, end, ok := next(i)
		if !ok {
			return errBadChunk
		}
		i = end
		var model []byte
		at := 0
		if hdr.Version == chunkModels {
			if model, end, ok = next(i); !ok {
				return errBadChunk
			}
			at, i = end-len(model), end
			model = model[:len(model):len(model)]
			if model == nil {
				model = []byte{}
			}
		}
		if err := fn(rec, model, at); err != nil {
			return err
		}
	}
	return nil
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

// normalizeModel is what ingest publishes beside a record: Normalize
// without Fields (see ModelDecoder), without the ID and without the receive
// time as the event's time when it has none. Both are filled where the
// event is read (Events); leaving them out keeps a re-sent batch's chunks
// byte for byte the same (their message IDs hash them), and the ID, a
// SHA-256 of the record, is then computed only for events that matched.
func normalizeModel(d Decoder, sensorID, orgID string, raw []byte, received time.Time) (event.Event, error) {
	md, ok := d.(ModelDecoder)
	if !ok {
		ev, err := decodeRecord(d, raw)
		ev.Fields = nil
		ev.SensorID, ev.OrgID, ev.Received = sensorID, orgID, received
		return ev, err
	}
	// The decoder checks UTF-8 itself (with Decode's error), as the
	// ModelDecoder contract says.
	ev, err := md.DecodeModel("", raw) // "": the decoder detects the format
	if err != nil {
		return ev, err
	}
	ev.SensorID, ev.OrgID, ev.Received = sensorID, orgID, received
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

// Events calls fn with each event of a chunk. A version 2 or 3 chunk's events
// are taken from their models, stamped as Normalize stamps them, and lack
// Fields; with fields set (Sigma rules need them), and for version 1 chunks,
// the records are decoded again with d, exactly as ingest decoded them. A
// record that no longer decodes (it did when accepted) is skipped and counted.
//
// fn also gets the record (valid during the call). An event taken from a
// version 3 model has no ID: event.NewID(ev.SensorID, raw) gives the one
// Normalize would, when it is needed (for an event that matched).
//
// The event passed to fn is reused for the next one: its lists are valid
// only during the call (keep ev.Clone()). Its strings stay valid, and keep
// the chunk's text alive while they are held. A damaged chunk ends with an
// error after the events before the damage.
func Events(data []byte, d Decoder, fields bool, fn func(ev *event.Event, raw []byte)) (skipped int, err error) {
	zp := bodyBufs.Get().(*[]byte)
	defer bodyBufs.Put(zp)
	hdr, body, err := openChunk(data, zp)
	if err != nil {
		return 0, err
	}
	// The first walk checks the chunk and gathers the models, so that all
	// the events' strings share one copy of them (not of the records).
	buf := modelBufs.Get().(*[]byte)
	models := (*buf)[:0]
	err = walkChunk(hdr, body, func(_, model []byte, _ int) error {
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
	err = walkChunk(hdr, body, func(raw, model []byte, _ int) error {
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
			fn(&ev, raw)
			return nil
		}
		one, err := Normalize(d, hdr.Sensor, hdr.Org, raw, received)
		if err != nil {
			skipped++
			return nil
		}
		fn(&one, raw)
		return nil
	})
	return skipped, err
}

// modelBufs recycles the buffers Events gathers models in.
var modelBufs = sync.Pool{New: func() any { return new([]byte) }}
