package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/bus"
	"github.com/khien-cert/khien/internal/detect"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/intake"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/intel/importer"
	"github.com/khien-cert/khien/internal/sigma"
	"github.com/khien-cert/khien/internal/telemetry"
)

// openMonitoring builds the monitoring services: ingest (publishing to the
// events stream when the bus runs), alerts, intel and the detection engine.
func (a *App) openMonitoring(ctx context.Context) error {
	a.Alerts = alert.New(alert.Deps{Store: a.DB, Escalator: a.escalator(), Now: a.now, Logger: a.Log})
	a.Engine = detect.NewEngine(a.Org.Owners)
	a.Intel = intel.NewService(intel.Deps{Store: a.DB, Read: importer.Read, Now: a.now, Logger: a.Log,
		OnChange: func() { a.rebuildIndicators(context.WithoutCancel(ctx)) }})
	var pub ingest.Publisher = unavailable{}
	if a.Bus != nil {
		stream, err := a.Bus.EnsureEventStream(ctx, bus.DefaultStreamLimits)
		if err != nil {
			return err
		}
		if a.events, err = a.Bus.EventConsumer(ctx, stream, 4096); err != nil {
			return err
		}
		pub = a.Bus.NewEventPublisher()
	}
	a.Ingest = ingest.New(ingest.Deps{Store: a.DB, Publisher: pub, Decoder: decoder{}, Splitter: telemetry.Split,
		Now: a.now, Logger: a.Log})
	if err := a.loadRules(); err != nil {
		return err
	}
	if err := a.listenSyslog(); err != nil {
		return err
	}
	a.rebuildIndicators(ctx)
	return nil
}

// loadRules loads the Sigma rules directory named by the config, if any.
func (a *App) loadRules() error {
	if a.Config.Rules == "" {
		return nil
	}
	rs, problems := sigma.LoadDir(os.DirFS(a.Config.Rules), ".")
	for _, p := range problems {
		a.Log.Warn("sigma rule not loaded", "problem", p.Error())
	}
	a.Engine.SetRules(rs)
	a.Log.Info("sigma rules loaded", "dir", a.Config.Rules, "rules", rs.Len(), "skipped", len(problems))
	return nil
}

// listenSyslog opens the syslog listener the config asks for, over TLS
// when a certificate is given.
func (a *App) listenSyslog() error {
	c := a.Config
	if c.SyslogListen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", c.SyslogListen)
	if err != nil {
		return fmt.Errorf("syslog listener: %w", err)
	}
	if c.SyslogTLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.SyslogTLSCert, c.SyslogTLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("syslog TLS: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	a.syslog = ln
	a.Log.Info("syslog listener", "addr", ln.Addr().String(), "tls", c.SyslogTLSCert != "")
	return nil
}

// rebuildIndicators compiles the active indicators into a new index and
// swaps it into the engine; matching continues on the old one meanwhile.
func (a *App) rebuildIndicators(ctx context.Context) {
	start := time.Now()
	var inds []intel.Indicator
	if err := a.Intel.Active(ctx, func(in intel.Indicator) error { inds = append(inds, in); return nil }); err != nil {
		a.Log.Error("indicator index not rebuilt", "err", err)
		return
	}
	ix, st := detect.Build(inds, a.now().UTC())
	a.Engine.SetIndicators(ix)
	a.Log.Info("indicator index rebuilt", "indicators", st.Indexed, "took", time.Since(start))
}

// background starts the monitoring workers; each returns when ctx ends.
func (a *App) background(ctx context.Context, run func(func())) {
	if a.events != nil {
		for range max(1, runtime.GOMAXPROCS(0)) {
			w := &detect.Worker{Engine: a.Engine, Source: detectSource{bus.EventSource{C: a.events}}, Alerts: a.Alerts,
				Decode: a.decodeChunk, Log: a.Log}
			run(func() { w.Run(ctx) })
		}
		// Often, so that each purge is small: a purge holds the stream's
		// lock while it deletes block files, and publishes wait (trimming
		// once a second put ingest→alert p99 at 70-80 ms, every 100 ms at
		// 16-22 ms; BenchmarkPipelineLatency at 160k events/s).
		run(func() { every(ctx, 100*time.Millisecond, a.trimEvents) })
	}
	if a.syslog != nil {
		run(func() {
			if err := intake.NewSyslog(a.Ingest, a.Log).Serve(ctx, a.syslog); err != nil {
				a.Log.Error("syslog listener stopped", "err", err)
			}
		})
	}
	run(func() { a.pullFeeds(ctx, time.Minute) })
	if a.Evidence != nil {
		run(func() { a.reverifyEvidence(ctx, ReverifyEvery) })
	}
	a.portalBackground(ctx, run)
	a.advisoryBackground(ctx, run)
	a.notifyBackground(ctx, run)
	a.incidentBackground(ctx, run)
	a.allianceBackground(ctx, run)
	run(func() {
		ingest.WatchSilence(ctx, a.DB, silenceSink{a.Alerts}, time.Minute, a.now,
			func(err error) { a.Log.Error("sensor silence check failed", "err", err) })
	})
}

// trimEvents drops the events every consumer acknowledged (bus.TrimEvents).
func (a *App) trimEvents(ctx context.Context) error {
	if err := a.Bus.TrimEvents(ctx); err != nil && ctx.Err() == nil {
		a.Log.Warn("events not trimmed; the stream keeps them until the next try", "err", err)
	}
	return nil
}

// decodeChunk turns a stream message back into events: the events ingest
// published beside the records, or, when Sigma rules need Fields, the raw
// records decoded exactly as ingest did when it accepted them.
func (a *App) decodeChunk(data []byte, fn func(*event.Event, []byte)) error {
	skipped, err := ingest.Events(data, decoder{}, a.Engine.NeedsFields(), fn)
	if skipped > 0 {
		a.Log.Error("records that decoded at ingest no longer decode; skipped", "records", skipped)
	}
	if errors.Is(err, ingest.ErrChunkVersion) {
		return detect.ErrNewerFormat
	}
	return err
}

// decoder adapts internal/telemetry to ingest.Decoder.
type decoder struct{}

func (decoder) Detect(raw []byte) event.Format { return telemetry.Detect(raw) }
func (decoder) Decode(f event.Format, raw []byte) (event.Event, error) {
	return telemetry.Decode(f, raw)
}

// DecodeModel makes decoder an ingest.ModelDecoder.
func (decoder) DecodeModel(f event.Format, raw []byte) (event.Event, error) {
	return telemetry.DecodeModel(f, raw)
}

// detectSource adapts the bus consumer to detect.Source.
type detectSource struct{ bus.EventSource }

func (s detectSource) Fetch(ctx context.Context, max int, wait time.Duration) ([]detect.Message, error) {
	ms, err := s.EventSource.Fetch(ctx, max, wait)
	out := make([]detect.Message, len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out, err
}

// silenceSink raises sensor silence alerts.
type silenceSink struct{ alerts *alert.Service }

func (s silenceSink) SensorSilent(ctx context.Context, sn ingest.Sensor, now time.Time) error {
	return s.alerts.SensorSilent(ctx, sn.ID, sn.Name, sn.OrgID, sn.LastSeen, now)
}

func (s silenceSink) SensorRecovered(ctx context.Context, sn ingest.Sensor, now time.Time) error {
	return s.alerts.SensorRecovered(ctx, sn.ID, sn.Name, sn.OrgID, now)
}

// unavailable is the publisher when the process runs without the bus.
type unavailable struct{}

func (unavailable) Publish(context.Context, ingest.Batch) error {
	return errs.New(errs.KindUnavailable, "ingest.no_stream", "this process does not run the event stream")
}

// pullFeeds pulls due feeds every interval until ctx ends.
func (a *App) pullFeeds(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.PullFeeds(ctx); err != nil && ctx.Err() == nil {
				a.Log.Error("feed pull failed", "err", err)
			}
		}
	}
}

// PullFeeds pulls every feed that is due now.
func (a *App) PullFeeds(ctx context.Context) error {
	return a.Intel.PullDue(ctx, func(ctx context.Context, f intel.Feed, d intel.Indicator) (intel.ImportResult, error) {
		return importer.Pull(ctx, f, a.fetch, d)
	})
}

// fetch GETs a feed document: bounded in time, refusing non-2xx answers.
func (a *App) fetch(ctx context.Context, url string) (io.ReadCloser, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("User-Agent", "Khien-feed-puller")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		return nil, errs.New(errs.KindUnavailable, "feed.unreachable", "the feed could not be fetched: "+err.Error())
	}
	if resp.StatusCode/100 != 2 {
		resp.Body.Close()
		cancel()
		return nil, errs.New(errs.KindUnavailable, "feed.http_status", "the feed answered HTTP "+resp.Status)
	}
	return cancelCloser{resp.Body, cancel}, nil
}

// cancelCloser releases the request's context when the body is closed.
type cancelCloser struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelCloser) Close() error { err := c.ReadCloser.Close(); c.cancel(); return err }

// EventConsumerInfo reports the detection consumer's backlog (for health
// pages and benchmarks); an error when the process runs without the bus.
func (a *App) EventConsumerInfo(ctx context.Context) (*jetstream.ConsumerInfo, error) {
	if a.events == nil {
		return nil, errs.New(errs.KindUnavailable, "bus.off", "this process runs without the event stream")
	}
	return a.events.Info(ctx)
}

// SyslogAddr is the syslog listener's bound address, "" when off.
func (a *App) SyslogAddr() string {
	if a.syslog == nil {
		return ""
	}
	return a.syslog.Addr().String()
}
