package ingest

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
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
// transport bounds its compressed size, Accept its decompressed size), then
// hands the records to AcceptRecords. Nothing is published when the batch as
// a whole is refused.
func (s *Service) Accept(ctx context.Context, sn Sensor, r io.Reader) (Result, error) {
	if !s.acquire() {
		return Result{}, ErrBusy
	}
	defer s.release()
	// The splitter may reuse raw, so records are copied: one after another
	// into recycled blocks rather than one allocation each. The blocks and
	// the record list are reused once the batch is published.
	rp := recordLists.Get().(*[]Record)
	recs := (*rp)[:0]
	var block []byte
	var used []*[]byte
	defer func() {
		for _, bp := range used {
			blocks.Put(bp)
		}
		clear(recs)
		*rp = recs[:0]
		recordLists.Put(rp)
	}()
	lim := s.d.Limits
	err := s.d.Splitter(&countingReader{r: r, max: lim.MaxBatchBytes}, lim.MaxRecord, func(pos int, raw []byte, err error) error {
		if pos > lim.MaxRecords {
			return errTooManyRecords
		}
		if cap(block)-len(block) < len(raw) {
			if len(raw) <= arenaBlock {
				bp := blocks.Get().(*[]byte)
				used = append(used, bp)
				block = (*bp)[:0]
			} else {
				block = make([]byte, 0, len(raw)) // a record bigger than a block has its own
			}
		}
		start := len(block)
		block = append(block, raw...)
		recs = append(recs, Record{Pos: pos, Raw: block[start:len(block):len(block)], Err: err})
		return nil
	})
	switch {
	case errors.Is(err, errTooManyRecords):
		return Result{}, errs.New(errs.KindTooLarge, "ingest.too_many_records", "a batch may hold at most "+strconv.Itoa(lim.MaxRecords)+" records")
	case errors.Is(err, errBatchTooLarge):
		return Result{}, errs.New(errs.KindTooLarge, "ingest.batch_too_large", "a batch may be at most "+strconv.FormatInt(lim.MaxBatchBytes, 10)+" bytes uncompressed")
	case err != nil:
		return Result{}, &errs.Error{Kind: errs.KindBadRequest, Code: "ingest.unreadable", Public: "the batch could not be read", Err: err}
	}
	return s.publish(ctx, sn, recs)
}

// arenaBlock is the size of the blocks Accept copies records into.
const arenaBlock = 256 << 10

// blocks recycles record blocks, and recordLists batches' record lists.
// The records are done with once publish returns: the stream has its own
// copy, rejects keep excerpts, and a Publisher may not keep a batch.
var (
	blocks      = sync.Pool{New: func() any { b := make([]byte, 0, arenaBlock); return &b }}
	recordLists = sync.Pool{New: func() any { return new([]Record) }}
)

// Record is one raw record of a batch, or the error that made it unreadable.
type Record struct {
	Pos int
	Raw []byte
	Err error
}

// AcceptRecords publishes already-split records (the syslog listener's
// path), under the same capacity bound as Accept.
func (s *Service) AcceptRecords(ctx context.Context, sn Sensor, recs []Record) (Result, error) {
	if !s.acquire() {
		return Result{}, ErrBusy
	}
	defer s.release()
	return s.publish(ctx, sn, recs)
}

func (s *Service) acquire() bool {
	select {
	case s.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (s *Service) release() { <-s.slots }

// publish normalises records (rejecting those that do not), publishes the
// valid ones with their events durably and records the sensor's counters.
//
// Records are worked in groups of ChunkSize: the groups are normalised by
// up to GOMAXPROCS goroutines, and each group is published as soon as it is
// normalised, so the stream's disk syncs overlap the decoding of the next
// groups. The answer waits for every group's acknowledgement; a failure
// fails the batch (the sender resends it; the stream drops the chunks it
// already holds, and the alert store counts each event once).
func (s *Service) publish(ctx context.Context, sn Sensor, recs []Record) (Result, error) {
	now := s.d.Now().UTC().Truncate(time.Microsecond)
	type group struct {
		rejects  []Reject
		accepted int
		err      error
		done     chan struct{}
	}
	groups := make([]group, (len(recs)+ChunkSize-1)/ChunkSize)
	var next atomic.Int64
	work := func() {
		for {
			g := int(next.Add(1) - 1)
			if g >= len(groups) {
				return
			}
			part := recs[g*ChunkSize : min((g+1)*ChunkSize, len(recs))]
			evs := eventBufs.Get().(*[]event.Event)
			b := Batch{SensorID: sn.ID, OrgID: sn.OrgID, Received: now, Records: make([][]byte, 0, len(part)),
				Events: (*evs)[:0]}
			for _, rec := range part {
				err := rec.Err
				if err == nil {
					var ev event.Event
					// Fields are not published: detection decodes the record
					// again when rules need them.
					if ev, err = normalizeModel(s.d.Decoder, sn.ID, sn.OrgID, rec.Raw, now); err == nil {
						b.Records = append(b.Records, rec.Raw)
						b.Events = append(b.Events, ev)
						continue
					}
				}
				groups[g].rejects = append(groups[g].rejects, reject(now, rec.Pos, rec.Raw, err))
			}
			groups[g].accepted = len(b.Records)
			groups[g].done = make(chan struct{})
			// The events are encoded once published; their slice is reused.
			recycle := func() {
				clear(b.Events)
				*evs = b.Events[:0]
				eventBufs.Put(evs)
			}
			if len(b.Records) == 0 {
				recycle()
				close(groups[g].done)
				continue
			}
			go func(g *group) {
				defer close(g.done)
				g.err = s.d.Publisher.Publish(ctx, b)
				recycle()
			}(&groups[g])
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(groups)) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	res := Result{Rejected: []Reject{}}
	var failed error
	for i := range groups {
		<-groups[i].done
		if groups[i].err != nil && failed == nil {
			failed = groups[i].err
		}
		res.Accepted += groups[i].accepted
		res.Rejected = append(res.Rejected, groups[i].rejects...)
	}
	if failed != nil {
		return Result{}, failed
	}
	if err := s.d.Store.RecordBatch(ctx, sn.ID, now, res.Accepted, keepNewest(res.Rejected, s.d.Limits.KeepRejects)); err != nil {
		// The events are stored; losing a counter update is not worth failing the sender.
		s.d.Logger.Warn("sensor counters not recorded", "sensor", sn.ID, "err", err)
	}
	return res, nil
}

// eventBufs recycles the slices publish collects a group's events in.
var eventBufs = sync.Pool{New: func() any { s := make([]event.Event, 0, ChunkSize); return &s }}

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
