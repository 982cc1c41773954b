package ingest

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"

	"github.com/khien-cert/khien/internal/event"
)

// The model encoding: an event as ingest normalised it, minus Fields (the
// flattened source fields, which only Sigma rules read and which the raw
// record beside it holds). It travels in version 2 chunks so the detection
// worker does not decode the record a second time. Every value is written
// in the order below; strings and binary values carry a uvarint length,
// lists a uvarint count, ports a uvarint and the severity a varint:
//
//	ID, Time (time.Time binary), Format, Kind, Device,
//	SrcIP (netip.Addr binary), SrcPort, DstIP, DstPort, Proto,
//	Hosts, URLs, Hashes, Emails, User, Process, CommandLine, Signature, Severity
//
// SensorID, OrgID and Received are the chunk header's and are not repeated.

var errBadModel = errors.New("ingest: malformed event model")

// appendModel appends ev's model encoding to b.
func appendModel(b []byte, ev *event.Event) []byte {
	b = appendStr(b, ev.ID)
	b = appendBin(b, ev.Time.AppendBinary)
	b = appendStr(b, string(ev.Format))
	b = appendStr(b, ev.Kind)
	b = appendStr(b, ev.Device)
	b = appendBin(b, ev.SrcIP.AppendBinary)
	b = binary.AppendUvarint(b, uint64(ev.SrcPort))
	b = appendBin(b, ev.DstIP.AppendBinary)
	b = binary.AppendUvarint(b, uint64(ev.DstPort))
	b = appendStr(b, ev.Proto)
	for _, l := range [...][]string{ev.Hosts, ev.URLs, ev.Hashes, ev.Emails} {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, s := range l {
			b = appendStr(b, s)
		}
	}
	b = appendStr(b, ev.User)
	b = appendStr(b, ev.Process)
	b = appendStr(b, ev.CommandLine)
	b = appendStr(b, ev.Signature)
	return binary.AppendVarint(b, int64(ev.Severity))
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendBin appends a length-prefixed binary value. The values written this
// way (a time, an address) are at most a few dozen bytes, so one length byte
// is reserved and the value written after it.
func appendBin(b []byte, app func([]byte) ([]byte, error)) []byte {
	at := len(b)
	b = append(b, 0)
	b, _ = app(b) // time and address encodings do not fail for valid values
	b[at] = byte(len(b) - at - 1)
	return b
}

// modelReader reads a model encoding. Strings are substrings of s, one copy
// of the encoded event, so an event costs one allocation for all its text.
type modelReader struct {
	s   string
	i   int
	err bool
}

func (r *modelReader) uvarint() uint64 {
	if r.err {
		return 0
	}
	var x uint64
	for shift := 0; ; shift += 7 {
		if r.i >= len(r.s) || shift > 63 {
			r.err = true
			return 0
		}
		c := r.s[r.i]
		r.i++
		if shift == 63 && c > 1 {
			r.err = true
			return 0
		}
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x
		}
	}
}

func (r *modelReader) str() string {
	n := r.uvarint()
	if r.err || n > uint64(len(r.s)-r.i) {
		r.err = true
		return ""
	}
	s := r.s[r.i : r.i+int(n)]
	r.i += int(n)
	return s
}

func (r *modelReader) port() uint16 {
	n := r.uvarint()
	if n > 0xffff {
		r.err = true
	}
	return uint16(n)
}

func (r *modelReader) addr() netip.Addr {
	var a netip.Addr
	if s := r.bin(); !r.err && a.UnmarshalBinary([]byte(s)) != nil {
		r.err = true
	}
	return a
}

func (r *modelReader) bin() string {
	if r.err || r.i >= len(r.s) {
		r.err = true
		return ""
	}
	n := int(r.s[r.i])
	r.i++
	if n > len(r.s)-r.i {
		r.err = true
		return ""
	}
	s := r.s[r.i : r.i+n]
	r.i += n
	return s
}

// list reads a list into dst's storage (reused from an earlier event).
func (r *modelReader) list(dst []string) []string {
	n := r.uvarint()
	if r.err || n == 0 {
		return dst[:0]
	}
	if n > uint64(len(r.s)-r.i) { // every string takes at least one byte
		r.err = true
		return dst[:0]
	}
	dst = dst[:0]
	for range n {
		dst = append(dst, r.str())
	}
	return dst
}

// decodeModel decodes a model encoding made by appendModel; it fails on
// truncated or trailing data and on invalid times and addresses.
func decodeModel(data []byte) (event.Event, error) {
	var ev event.Event
	if err := decodeModelInto(&ev, string(data)); err != nil {
		return event.Event{}, err
	}
	return ev, nil
}

// decodeModelInto decodes the model encoding s into ev, reusing the storage
// of ev's lists; ev's strings are substrings of s. Every model field is
// set; the rest of ev is left as it is.
func decodeModelInto(ev *event.Event, s string) error {
	r := modelReader{s: s}
	ev.ID = r.str()
	if t := r.bin(); !r.err {
		if ev.Time.UnmarshalBinary([]byte(t)) != nil {
			r.err = true
		}
	}
	ev.Format = event.Format(r.str())
	ev.Kind = r.str()
	ev.Device = r.str()
	ev.SrcIP = r.addr()
	ev.SrcPort = r.port()
	ev.DstIP = r.addr()
	ev.DstPort = r.port()
	ev.Proto = r.str()
	ev.Hosts = r.list(ev.Hosts)
	ev.URLs = r.list(ev.URLs)
	ev.Hashes = r.list(ev.Hashes)
	ev.Emails = r.list(ev.Emails)
	ev.User = r.str()
	ev.Process = r.str()
	ev.CommandLine = r.str()
	ev.Signature = r.str()
	ux := r.uvarint()
	sev := int64(ux >> 1) // zig-zag, as binary.AppendVarint writes it
	if ux&1 != 0 {
		sev = ^sev
	}
	if r.err || r.i != len(r.s) || int64(int(sev)) != sev {
		return errBadModel
	}
	ev.Severity = int(sev)
	if ev.Time.Location() != time.UTC {
		ev.Time = ev.Time.UTC()
	}
	return nil
}
