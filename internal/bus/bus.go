// Package bus is Khiên's message stream: NATS with JetStream. By default it
// runs an embedded in-process server with JetStream on local disk; given a
// URL it connects to an external cluster instead. No ports are opened by the
// embedded server: clients in the process connect in-process.
//
// Durability: the embedded server syncs every write to disk before it
// acknowledges (SyncAlways), so a message whose publish was acknowledged
// survives kill -9 and power loss. Streams that hold data Khiên acknowledges
// to senders must also be created with file storage.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// MaxPendingPublishes bounds unconfirmed asynchronous publishes per process.
const MaxPendingPublishes = 16384

// Options configure Open.
type Options struct {
	URL     string // empty: embedded server
	DataDir string // for the embedded server's JetStream store
	Logger  *slog.Logger
}

// Bus is a connection to NATS and, when embedded, the server itself.
type Bus struct {
	Conn   *nats.Conn
	JS     jetstream.JetStream
	server *server.Server
	log    *slog.Logger
}

// Open starts or connects to NATS and checks JetStream is available.
func Open(ctx context.Context, o Options) (*Bus, error) {
	b := &Bus{log: o.Logger}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	var opts []nats.Option
	opts = append(opts, nats.Name("khien"), nats.MaxReconnects(-1))
	url := o.URL
	if url == "" {
		srv, err := startEmbedded(o.DataDir)
		if err != nil {
			return nil, err
		}
		b.server = srv
		opts = append(opts, nats.InProcessServer(srv))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		b.shutdownServer()
		return nil, fmt.Errorf("bus: connect: %w", err)
	}
	b.Conn = nc
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(MaxPendingPublishes))
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("bus: jetstream: %w", err)
	}
	b.JS = js
	if _, err := js.AccountInfo(ctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("bus: jetstream not available: %w", err)
	}
	if b.server != nil {
		b.log.Info("bus: embedded NATS with JetStream", "store", filepath.Join(o.DataDir, "jetstream"))
	} else {
		b.log.Info("bus: connected to NATS", "url", nc.ConnectedUrlRedacted())
	}
	return b, nil
}

func startEmbedded(dataDir string) (*server.Server, error) {
	if dataDir == "" {
		return nil, errors.New("bus: embedded server needs a data directory")
	}
	srv, err := server.NewServer(&server.Options{
		ServerName: "khien-embedded",
		DontListen: true,
		JetStream:  true,
		StoreDir:   filepath.Join(dataDir, "jetstream"),
		SyncAlways: true,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		return nil, fmt.Errorf("bus: embedded server: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("bus: embedded server did not start within 30s")
	}
	return srv, nil
}

// Embedded reports whether the bus runs its own server.
func (b *Bus) Embedded() bool { return b.server != nil }

// Ready reports whether the connection and JetStream answer.
func (b *Bus) Ready(ctx context.Context) error {
	if b.Conn == nil || !b.Conn.IsConnected() {
		return errors.New("bus: not connected")
	}
	_, err := b.JS.AccountInfo(ctx)
	return err
}

// Close drains the connection and stops the embedded server.
func (b *Bus) Close() error {
	if b.Conn != nil {
		if err := b.Conn.Drain(); err != nil {
			b.Conn.Close()
		}
	}
	b.shutdownServer()
	return nil
}

func (b *Bus) shutdownServer() {
	if b.server != nil {
		b.server.Shutdown()
		b.server.WaitForShutdown()
	}
}
