package intake

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/telemetry"
)

// Syslog is the TCP listener for syslog sensors: RFC 5425/6587 octet
// counting and newline framing, RFC 5424, RFC 3164 and CEF payloads. A
// sender is recognised by its address (a syslog sensor's source CIDR);
// others are disconnected. Records are published in batches; when the
// platform is at capacity the listener stops reading, so TCP pushes back on
// the sender instead of anything being dropped.
type Syslog struct {
	svc      *ingest.Service
	log      *slog.Logger
	MaxConns int           // concurrent connections (default 256)
	Idle     time.Duration // a connection silent this long is closed (default 10m)
	Flush    time.Duration // longest a record waits before its batch is published (default 1s)
	Batch    int           // records per published batch (default 500)
}

// NewSyslog returns a listener for svc.
func NewSyslog(svc *ingest.Service, log *slog.Logger) *Syslog {
	return &Syslog{svc: svc, log: log, MaxConns: 256, Idle: 10 * time.Minute, Flush: time.Second, Batch: 500}
}

// Serve accepts connections on ln until ctx ends, then closes ln and waits
// for open connections to finish their current batch.
func (s *Syslog) Serve(ctx context.Context, ln net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	slots := make(chan struct{}, s.MaxConns)
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			s.log.Warn("syslog accept failed", "err", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		select {
		case slots <- struct{}{}:
		default:
			s.log.Warn("syslog connection refused: too many connections", "remote", c.RemoteAddr().String())
			c.Close()
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			s.conn(ctx, c)
		})
	}
}

// conn reads one sender's records and publishes them in batches.
func (s *Syslog) conn(ctx context.Context, c net.Conn) {
	defer c.Close()
	ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil {
		return
	}
	sn, err := s.svc.SensorForAddr(ctx, ap.Addr())
	if err != nil {
		s.log.Warn("syslog sender is no registered sensor; disconnected", "remote", ap.Addr().String())
		return
	}
	recs := make(chan ingest.Record, s.Batch)
	go func() {
		defer close(recs)
		r := &deadlineReader{c: c, idle: s.Idle}
		telemetry.SplitSyslog(r, s.svc.Limits().MaxRecord, func(pos int, raw []byte, err error) error {
			select {
			case recs <- ingest.Record{Pos: pos, Raw: bytes.Clone(raw), Err: err}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	s.batches(ctx, sn, recs)
}

// batches publishes records when a batch is full or Flush has passed,
// retrying while the platform is busy (the reader blocks meanwhile).
func (s *Syslog) batches(ctx context.Context, sn ingest.Sensor, recs <-chan ingest.Record) {
	tick := time.NewTicker(s.Flush)
	defer tick.Stop()
	var batch []ingest.Record
	flush := func() {
		for len(batch) > 0 {
			_, err := s.svc.AcceptRecords(context.WithoutCancel(ctx), sn, batch)
			if err == nil {
				batch = batch[:0]
				return
			}
			if ctx.Err() != nil {
				s.log.Warn("syslog batch dropped at shutdown (syslog has no acknowledgement)", "sensor", sn.ID, "records", len(batch), "err", err)
				return
			}
			s.log.Warn("syslog batch not yet accepted; retrying", "sensor", sn.ID, "err", err)
			time.Sleep(500 * time.Millisecond)
		}
	}
	for {
		select {
		case r, ok := <-recs:
			if !ok {
				flush()
				return
			}
			if batch = append(batch, r); len(batch) >= s.Batch {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// deadlineReader closes a connection that stays silent for idle.
type deadlineReader struct {
	c    net.Conn
	idle time.Duration
}

func (r *deadlineReader) Read(p []byte) (int, error) {
	r.c.SetReadDeadline(time.Now().Add(r.idle))
	return r.c.Read(p)
}
