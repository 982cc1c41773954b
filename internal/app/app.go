// Package app is Khiên's composition root: it builds every service from one
// config.Config, wires them to the HTTP muxes, and runs and stops them.
// Nothing else in Khiên constructs services or reads configuration.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/bus"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/csaf"
	"github.com/khien-cert/khien/internal/detect"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/store"
	"github.com/khien-cert/khien/internal/web"
)

// App is a running Khiên: its stores, services and HTTP handler.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	DB       *store.DB
	Bus      *bus.Bus
	Auth     *auth.Service
	Org      *org.Service
	Verifier note.Verifier
	Metrics  *Metrics
	Ingest   *ingest.Service
	Alerts   *alert.Service
	Intel    *intel.Service
	Engine   *detect.Engine
	Evidence *evidence.Service
	Portal   *portal.Service // the public scam portal (portal.go)
	// Advisory is advisories, action items and compliance debt (advisory.go).
	Advisory *advisory.Service
	// Notify manages preferences, the outbox and webhooks; Dispatcher
	// delivers the outbox (notify.go).
	Notify     *notify.Service
	Dispatcher *notify.Dispatcher
	// Incidents is incident coordination (incident.go).
	Incidents *incident.Service
	// incidentFiles holds incident attachments (incident.go).
	incidentFiles io.Closer
	// Alliance is the responder alliance and mobilisation (alliance.go).
	Alliance *alliance.Service

	csaf   *csaf.Cache        // the CSAF provider tree at /.well-known/csaf/ (csaf.go)
	events jetstream.Consumer // the shared detection consumer; nil without the bus
	syslog net.Listener       // the syslog listener; nil when not configured
	ui     *web.Web           // the browser UI, whose live streams end at shutdown

	handler http.Handler
	now     func() time.Time
}

// Options are what New needs besides the config.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time // clock; time.Now when nil
	// WithoutBus skips NATS (administrative commands that only touch SQL).
	WithoutBus bool
	// Hasher overrides the password hasher (tests use auth.TestParams).
	Hasher *auth.Hasher
}

// Open opens the data directory and database and builds the services. It does
// not start NATS or listen; Start does.
func Open(ctx context.Context, cfg config.Config, o Options) (*App, error) {
	a := &App{Config: cfg, Log: o.Logger, now: o.Now}
	if a.Log == nil {
		a.Log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	root, err := os.OpenRoot(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	defer root.Close()
	signer, verifier, err := audit.LoadOrCreateKey(root, audit.KeyName)
	if err != nil {
		return nil, err
	}
	a.Verifier = verifier
	a.DB, err = store.Open(ctx, cfg.Database, store.Options{Logger: a.Log, Now: a.now, Signer: signer})
	if err != nil {
		return nil, err
	}
	a.Auth = auth.New(auth.Deps{Store: a.DB, Now: a.now, SessionTTL: cfg.SessionTTL, Hasher: o.Hasher, Logger: a.Log})
	a.Org = org.New(org.Deps{Store: inventoryStore{a.DB, a.inventoryChanged}, Now: a.now, Logger: a.Log})
	if err := a.openAdvisory(); err != nil {
		a.DB.Close()
		return nil, err
	}
	if err := a.Org.RebuildIndex(ctx); err != nil {
		a.DB.Close()
		return nil, err
	}
	if !o.WithoutBus {
		a.Bus, err = bus.Open(ctx, bus.Options{URL: cfg.NATS, DataDir: cfg.DataDir, Logger: a.Log})
		if err != nil {
			a.DB.Close()
			return nil, err
		}
	}
	if err := a.openIncidents(); err != nil {
		a.Close()
		return nil, err
	}
	a.openAlliance()
	if err := a.openMonitoring(ctx); err != nil {
		a.Close()
		return nil, err
	}
	if a.Evidence, err = a.openEvidence(ctx, root); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.openPortal(ctx, root); err != nil {
		a.Close()
		return nil, err
	}
	if a.csaf, err = a.openCSAF(root, advisorySource{a.DB}); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.openNotify(); err != nil {
		a.Close()
		return nil, err
	}
	a.Metrics = newMetrics()
	if a.handler, err = a.routes(); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// Handler is the whole HTTP surface, for tests that drive it in-process.
func (a *App) Handler() http.Handler { return a.handler }

// Close releases the bus and the database.
func (a *App) Close() error {
	if a.syslog != nil {
		a.syslog.Close()
	}
	if a.Bus != nil {
		a.Bus.Close()
	}
	if a.Evidence != nil {
		a.Evidence.Close()
	}
	if a.incidentFiles != nil {
		a.incidentFiles.Close()
	}
	return a.DB.Close()
}

// Serve listens on the configured address and serves until ctx is done,
// then shuts down gracefully. ready, if not nil, receives the bound address.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", a.Config.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	srv.RegisterOnShutdown(a.ui.StopStreams)
	var wg sync.WaitGroup
	bg, stopBG := context.WithCancel(ctx)
	defer func() { stopBG(); wg.Wait() }()
	a.background(bg, func(f func()) { wg.Go(f) })
	errc := make(chan error, 1)
	wg.Go(func() { errc <- srv.Serve(ln) })
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
		a.Log.Info("shutting down", "grace", a.Config.ShutdownGrace)
		sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownGrace)
		err = srv.Shutdown(sctx)
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
