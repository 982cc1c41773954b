package ingest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/event"
)

// Batch is the accepted records of one sensor's batch. The stream carries
// records as the sensor sent them, not decoded events: decoding a record
// again in the detection worker costs less than encoding and decoding the
// event model, and the raw record is what the event ID is computed from.
type Batch struct {
	SensorID string
	OrgID    string
	Received time.Time
	Records  [][]byte
}

// ChunkSize is how many records travel in one stream message. The embedded
// server syncs every message to disk before acknowledging it, so records are
// grouped: one fsync covers a chunk.
const ChunkSize = 256

type chunkHeader struct {
	Sensor   string `json:"s"`
	Org      string `json:"o"`
	Received int64  `json:"r"` // Unix nanoseconds, UTC
}

// EncodeChunk encodes records of b (at most ChunkSize) as one stream message:
// a JSON header line, then each record with a uvarint length. The message ID
// is derived from the records' event IDs, so a re-sent chunk is dropped by
// the stream.
func EncodeChunk(b Batch) (data []byte, id string) {
	hdr, _ := json.Marshal(chunkHeader{Sensor: b.SensorID, Org: b.OrgID, Received: b.Received.UnixNano()})
	size := len(hdr) + 1
	for _, r := range b.Records {
		size += len(r) + binary.MaxVarintLen32
	}
	data = append(make([]byte, 0, size), hdr...)
	data = append(data, '\n')
	h := sha256.New()
	for _, r := range b.Records {
		data = binary.AppendUvarint(data, uint64(len(r)))
		data = append(data, r...)
		h.Write([]byte(event.NewID(b.SensorID, r)))
	}
	return data, hex.EncodeToString(h.Sum(nil)[:16])
}

var errBadChunk = errors.New("ingest: malformed stream chunk")

// DecodeChunk reads a message made by EncodeChunk. Records alias data.
func DecodeChunk(data []byte) (Batch, error) {
	nl := -1
	for i, c := range data {
		if c == '\n' {
			nl = i
			break
		}
	}
	var hdr chunkHeader
	if nl < 0 || json.Unmarshal(data[:nl], &hdr) != nil {
		return Batch{}, errBadChunk
	}
	b := Batch{SensorID: hdr.Sensor, OrgID: hdr.Org, Received: time.Unix(0, hdr.Received).UTC()}
	for rest := data[nl+1:]; len(rest) > 0; {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return Batch{}, errBadChunk
		}
		b.Records = append(b.Records, rest[k:k+int(n)])
		rest = rest[k+int(n):]
	}
	return b, nil
}

// Normalize decodes one raw record of a sensor into an event stamped with its
// stable ID, sensor, organisation and receive time (also its time when the
// record carries none). Detection uses it to decode the records the stream
// carries; ingest validates with Check, which decodes the same way.
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

// Events decodes a chunk's records with d and calls fn for each event; a
// record that no longer decodes (it did when accepted) is skipped and counted.
func Events(data []byte, d Decoder, fn func(*event.Event)) (skipped int, err error) {
	b, err := DecodeChunk(data)
	if err != nil {
		return 0, err
	}
	for _, raw := range b.Records {
		ev, err := Normalize(d, b.SensorID, b.OrgID, raw, b.Received)
		if err != nil {
			skipped++
			continue
		}
		fn(&ev)
	}
	return skipped, nil
}
