package ingest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/page"
)

// Store is the storage sensors need. Scoped methods answer NotFound outside
// the scope; changes append the given audit entry in the same transaction.
type Store interface {
	CreateSensor(ctx context.Context, scope auth.Scope, s Sensor, tokenHash string, e audit.Entry) (Sensor, error)
	UpdateSensor(ctx context.Context, scope auth.Scope, s Sensor, e audit.Entry) (Sensor, error)
	SetSensorToken(ctx context.Context, scope auth.Scope, id, tokenHash string, e audit.Entry) error
	GetSensor(ctx context.Context, scope auth.Scope, id string) (Sensor, error)
	ListSensors(ctx context.Context, scope auth.Scope, f SensorFilter, pr page.Request) (page.Result[Sensor], error)
	SensorByToken(ctx context.Context, tokenHash string) (Sensor, error)
	SyslogSensors(ctx context.Context) ([]Sensor, error) // enabled sensors of kind syslog
	SensorMinutes(ctx context.Context, id string, since time.Time) ([]Minute, error)
	SensorRejects(ctx context.Context, id string, limit int) ([]Reject, error)
	// RecordBatch adds a batch's counts and rejects and sets last_seen.
	RecordBatch(ctx context.Context, sensorID string, at time.Time, accepted int, rejects []Reject) error
}

// Publisher stores a batch's records durably. Publish returns nil only once
// every record is stored; a chunk stored before is dropped as a duplicate.
// It may not keep b, whose slices ingest reuses once Publish returns.
type Publisher interface {
	Publish(ctx context.Context, b Batch) error
}

// SensorFilter narrows a sensor list.
type SensorFilter struct {
	OrgID  string
	Silent *bool
}

// SensorSorts are the sortable sensor fields.
var SensorSorts = []string{"name", "created_at"}

// Limits bound one batch.
type Limits struct {
	MaxBatchBytes int64 // decompressed bytes in a batch
	MaxRecords    int   // records in a batch
	MaxRecord     int   // bytes in one record (line)
	MaxInFlight   int   // batches accepted concurrently by this process
	KeepRejects   int   // rejected lines kept per sensor for its page
}

// DefaultLimits suit a 2-core server.
var DefaultLimits = Limits{MaxBatchBytes: 16 << 20, MaxRecords: 20000, MaxRecord: 64 << 10, MaxInFlight: 8, KeepRejects: 50}

// Decoder turns records into events (internal/telemetry in production).
type Decoder interface {
	Detect(raw []byte) event.Format
	Decode(format event.Format, raw []byte) (event.Event, error)
}

// Deps are the Service's dependencies.
type Deps struct {
	Store     Store
	Publisher Publisher
	Decoder   Decoder
	Splitter  Splitter
	Limits    Limits
	Now       func() time.Time
	Logger    *slog.Logger
}

// Splitter splits a batch into records (telemetry.Split in production).
type Splitter func(r io.Reader, maxRecord int, fn func(pos int, raw []byte, err error) error) error

// Service registers sensors and accepts their batches.
type Service struct {
	d     Deps
	slots chan struct{}
}

// New returns a Service.
func New(d Deps) *Service {
	if d.Limits == (Limits{}) {
		d.Limits = DefaultLimits
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{d: d, slots: make(chan struct{}, d.Limits.MaxInFlight)}
}

// Limits returns the batch limits, for transports that bound bodies.
func (s *Service) Limits() Limits { return s.d.Limits }

func newToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = TokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func validate(s *Sensor) error {
	var f errs.Fields
	s.Name = strings.TrimSpace(s.Name)
	if n := len([]rune(s.Name)); n < 1 || n > 100 {
		f.Add("name", "sensor.bad_name", "the name must have 1 to 100 characters")
	}
	if !slices.Contains(Kinds, s.Kind) {
		f.Add("kind", "sensor.bad_kind", "kind must be one of suricata, zeek, windows, syslog, json")
	}
	if s.Cadence == 0 {
		s.Cadence = DefaultCadence
	}
	if s.Cadence < time.Minute || s.Cadence > 7*24*time.Hour {
		f.Add("cadence", "sensor.bad_cadence", "the expected cadence must be between 1 minute and 7 days")
	}
	if s.SourceCIDR != "" {
		p, err := netip.ParsePrefix(s.SourceCIDR)
		if err != nil {
			if a, aerr := netip.ParseAddr(s.SourceCIDR); aerr == nil {
				p, err = a.Prefix(a.BitLen())
			}
		}
		if err != nil {
			f.Add("source_cidr", "sensor.bad_source", "not an IP address or CIDR")
		} else {
			s.SourceCIDR = p.Masked().String()
		}
	}
	if s.Kind == KindSyslog && s.SourceCIDR == "" {
		f.Add("source_cidr", "sensor.source_required", "a syslog sensor is recognised by its source address: give it")
	}
	return f.Err("sensor.invalid")
}

// Register adds a sensor and returns its token, shown once.
func (s *Service) Register(ctx context.Context, p auth.Principal, in Sensor) (Sensor, string, error) {
	if !p.CanOn(auth.PermSensorManage, in.OrgID) {
		if p.CanOn(auth.PermOrgRead, in.OrgID) {
			return Sensor{}, "", errs.New(errs.KindForbidden, "sensor.forbidden", "your role may not register sensors")
		}
		return Sensor{}, "", errs.NotFound("org.not_found")
	}
	if err := validate(&in); err != nil {
		return Sensor{}, "", err
	}
	token, hash := newToken()
	out, err := s.d.Store.CreateSensor(ctx, p.Scope(auth.PermSensorManage), in, hash,
		audit.New(p, "sensor.create", "sensor", "", in.OrgID))
	return out, token, err
}

// Update changes a sensor's name, cadence, source or disabled flag.
func (s *Service) Update(ctx context.Context, p auth.Principal, in Sensor) (Sensor, error) {
	cur, err := s.Get(ctx, p, in.ID)
	if err != nil {
		return Sensor{}, err
	}
	if !p.CanOn(auth.PermSensorManage, cur.OrgID) {
		return Sensor{}, errs.New(errs.KindForbidden, "sensor.forbidden", "your role may not change sensors")
	}
	in.OrgID, in.Kind = cur.OrgID, cur.Kind
	if err := validate(&in); err != nil {
		return Sensor{}, err
	}
	return s.d.Store.UpdateSensor(ctx, p.Scope(auth.PermSensorManage), in,
		audit.New(p, "sensor.update", "sensor", in.ID, in.OrgID))
}

// RotateToken replaces a sensor's token; the old one stops working at once.
func (s *Service) RotateToken(ctx context.Context, p auth.Principal, id string) (string, error) {
	cur, err := s.Get(ctx, p, id)
	if err != nil {
		return "", err
	}
	if !p.CanOn(auth.PermSensorManage, cur.OrgID) {
		return "", errs.New(errs.KindForbidden, "sensor.forbidden", "your role may not change sensors")
	}
	token, hash := newToken()
	err = s.d.Store.SetSensorToken(ctx, p.Scope(auth.PermSensorManage), id, hash,
		audit.New(p, "sensor.rotate_token", "sensor", id, cur.OrgID))
	return token, err
}

// Get returns a sensor p may see (sensors are read with org:read).
func (s *Service) Get(ctx context.Context, p auth.Principal, id string) (Sensor, error) {
	return s.d.Store.GetSensor(ctx, p.Scope(auth.PermOrgRead), id)
}

// List lists the sensors p may see.
func (s *Service) List(ctx context.Context, p auth.Principal, f SensorFilter, pr page.Request) (page.Result[Sensor], error) {
	pr, err := pr.Normalize(SensorSorts)
	if err != nil {
		return page.Result[Sensor]{}, err
	}
	return s.d.Store.ListSensors(ctx, p.Scope(auth.PermOrgRead), f, pr)
}

// Health is a sensor's recent activity, for its page.
type Health struct {
	Minutes []Minute `json:"minutes"` // the last hour, oldest first
	Rejects []Reject `json:"rejects"` // the newest rejected lines
}

// Health returns a sensor's last hour of counters and newest rejects.
func (s *Service) Health(ctx context.Context, p auth.Principal, id string) (Health, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return Health{}, err
	}
	ms, err := s.d.Store.SensorMinutes(ctx, id, s.d.Now().UTC().Add(-time.Hour))
	if err != nil {
		return Health{}, err
	}
	rs, err := s.d.Store.SensorRejects(ctx, id, s.d.Limits.KeepRejects)
	return Health{Minutes: ms, Rejects: rs}, err
}

// Authenticate returns the enabled sensor a token belongs to.
func (s *Service) Authenticate(ctx context.Context, token string) (Sensor, error) {
	bad := errs.New(errs.KindUnauthenticated, "sensor.bad_token", "the sensor token is not valid")
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 128 {
		return Sensor{}, bad
	}
	sn, err := s.d.Store.SensorByToken(ctx, hashToken(token))
	if errs.Is(err, errs.KindNotFound) || (err == nil && sn.Disabled) {
		return Sensor{}, bad
	}
	return sn, err
}

// SensorForAddr returns the enabled syslog sensor whose source CIDR holds
// addr, the most specific one when several do. Syslog carries no token, so
// the sender's address is its credential (with TLS client checks at the
// network edge where needed).
func (s *Service) SensorForAddr(ctx context.Context, addr netip.Addr) (Sensor, error) {
	list, err := s.d.Store.SyslogSensors(ctx)
	if err != nil {
		return Sensor{}, err
	}
	best, bits := Sensor{}, -1
	for _, sn := range list {
		p, err := netip.ParsePrefix(sn.SourceCIDR)
		if err == nil && p.Contains(addr.Unmap()) && p.Bits() > bits {
			best, bits = sn, p.Bits()
		}
	}
	if bits < 0 {
		return Sensor{}, errs.NotFound("sensor.not_found")
	}
	return best, nil
}
