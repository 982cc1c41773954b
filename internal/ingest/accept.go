package ingest

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/event"
)

// Result is what became of a batch.
type Result struct {
	Accepted int      `json:"accepted"`
	Rejected []Reject `json:"rejected"`
}

// ErrBusy is returned when the process already handles MaxInFlight batches.
var ErrBusy = &errs.Error{Kind: errs.KindRateLimited, Code: "ingest.busy",
	Public: "the platform is at capacity; retry after a short wait"}

// errTooManyRecords stops splitting when a batch has too many records.
var errTooManyRecords = errors.New("too many records")

// Accept reads one batch from r for sensor sn (r is already decompressed; the
// transport bounds its size), publishes the valid events durably, records
// the sensor's counters and returns the per-record outcome. Nothing is
// published when the batch as a whole is refused.
func (s *Service) Accept(ctx context.Context, sn Sensor, r io.Reader) (Result, error) {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		return Result{}, ErrBusy
	}
	now := s.d.Now().UTC().Truncate(time.Microsecond)
	res := Result{Rejected: []Reject{}}
	var evs []event.Event
	lim := s.d.Limits
	err := s.d.Splitter(&countingReader{r: r, max: lim.MaxBatchBytes}, lim.MaxRecord, func(pos int, raw []byte, err error) error {
		if pos > lim.MaxRecords {
			return errTooManyRecords
		}
		if err == nil {
			var ev event.Event
			if ev, err = s.decode(sn, raw, now); err == nil {
				evs = append(evs, ev)
				return nil
			}
		}
		res.Rejected = append(res.Rejected, reject(now, pos, raw, err))
		return nil
	})
	switch {
	case errors.Is(err, errTooManyRecords):
		return Result{}, errs.New(errs.KindTooLarge, "ingest.too_many_records", "a batch may hold at most "+strconv.Itoa(lim.MaxRecords)+" records")
	case errors.Is(err, errBatchTooLarge):
		return Result{}, errs.New(errs.KindTooLarge, "ingest.batch_too_large", "a batch may be at most "+strconv.FormatInt(lim.MaxBatchBytes, 10)+" bytes uncompressed")
	case err != nil:
		return Result{}, errs.New(errs.KindBadRequest, "ingest.unreadable", "the batch could not be read: "+err.Error())
	}
	if len(evs) > 0 {
		if err := s.d.Publisher.Publish(ctx, evs); err != nil {
			return Result{}, err
		}
	}
	res.Accepted = len(evs)
	if err := s.d.Store.RecordBatch(ctx, sn.ID, now, res.Accepted, keepNewest(res.Rejected, lim.KeepRejects)); err != nil {
		// The events are stored; losing a counter update is not worth failing the sender.
		s.d.Logger.Warn("sensor counters not recorded", "sensor", sn.ID, "err", err)
	}
	return res, nil
}

func (s *Service) decode(sn Sensor, raw []byte, now time.Time) (event.Event, error) {
	if !utf8.Valid(raw) {
		return event.Event{}, errs.New(errs.KindInvalid, "event.bad_utf8", "the record is not valid UTF-8")
	}
	ev, err := s.d.Decoder.Decode(s.d.Decoder.Detect(raw), raw)
	if err != nil {
		return ev, err
	}
	ev.ID = event.NewID(sn.ID, raw)
	ev.SensorID, ev.OrgID, ev.Received = sn.ID, sn.OrgID, now
	if ev.Time.IsZero() {
		ev.Time = now
	}
	return ev, nil
}

func reject(now time.Time, pos int, raw []byte, err error) Reject {
	r := Reject{At: now, Position: pos, Code: "event.invalid", Message: "the record is not valid"}
	if e, ok := errors.AsType[*errs.Error](err); ok {
		r.Code, r.Message = e.Code, e.Public
	}
	ex := raw[:min(len(raw), 120)]
	for !utf8.Valid(ex) && len(ex) > 0 {
		ex = ex[:len(ex)-1]
	}
	r.Excerpt = string(ex)
	return r
}

func keepNewest(rs []Reject, n int) []Reject {
	if len(rs) > n {
		return rs[len(rs)-n:]
	}
	return rs
}

var errBatchTooLarge = errors.New("batch too large")

// countingReader fails once more than max bytes were read.
type countingReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		return n, errBatchTooLarge
	}
	return n, err
}
