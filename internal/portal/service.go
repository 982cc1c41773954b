package portal

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal/canon"
	"github.com/khien-cert/khien/internal/portal/guard"
)

// Store is the storage the portal needs. The portal's data is national:
// the review queue is gated by permission, not by tenant. Methods that
// change state append the given audit entries in the same transaction,
// filling each one's target. Entry reads (EntryByKey, GetEntry,
// ListEntries) fill the entry's current-round Confirmations and its
// StaffReporters.
type Store interface {
	EntryByKey(ctx context.Context, key string) (Entry, error)
	GetEntry(ctx context.Context, id string) (Entry, error)
	ListEntries(ctx context.Context, f EntryFilter, pr page.Request) (page.Result[Entry], error)
	// History lists an entry's review steps, oldest first.
	History(ctx context.Context, entryID string) ([]Review, error)
	// SaveReport stores a report, its screenshots and its entry: inserted
	// when e.Version is 0, else updated only while the stored version is
	// still e.Version. A lost race is errs.KindConflict with CodeRace.
	SaveReport(ctx context.Context, r Report, shots []Screenshot, e Entry, audits []audit.Entry) (Report, Entry, error)
	// SaveReview stores a review step and the entry it changed, under the
	// same version rule as SaveReport.
	SaveReview(ctx context.Context, e Entry, step Review, a audit.Entry) (Entry, error)
	ReportByReceipt(ctx context.Context, hash string) (Report, error)
	// EntryReports lists an entry's reports, newest first, and audits the
	// read: reports hold what citizens wrote and how to reach them.
	EntryReports(ctx context.Context, entryID string, a audit.Entry) ([]Report, error)
	// Screenshot returns one picture and audits the read.
	Screenshot(ctx context.Context, id string, a audit.Entry) (Screenshot, error)

	CreateAppeal(ctx context.Context, ap Appeal, a audit.Entry) (Appeal, error)
	GetAppeal(ctx context.Context, id string) (Appeal, error)
	AppealByReceipt(ctx context.Context, hash string) (Appeal, error)
	ListAppeals(ctx context.Context, f AppealFilter, pr page.Request) (page.Result[Appeal], error)
	// DecideAppeal stores a decided appeal and, when the decision changed
	// the entry, the entry and step (version rule as SaveReport).
	DecideAppeal(ctx context.Context, ap Appeal, e *Entry, step *Review, a audit.Entry) (Appeal, error)

	// Listings calls fn for each entry matching f, oldest entry first.
	Listings(ctx context.Context, f ListingFilter, fn func(Listing) error) error
}

// CodeRace is the code of a save that lost a race with another change of
// the same entry; the Service retries it.
const CodeRace = "portal.entry_changed"

// EntryFilter narrows the review queue.
type EntryFilter struct {
	State      State
	Kind       canon.Kind
	Query      string // substring of the key
	NewReports bool   // only closed entries with reports since their decision
}

// EntrySorts are the queue's sortable fields, the first the default.
var EntrySorts = []string{"last_reported", "reports", "created_at"}

// ListingFilter selects listings to stream.
type ListingFilter struct {
	States       []State
	ChangedSince time.Time // updated at or after; zero for any
	ValidAt      time.Time // published ones must not have expired by then; zero for any
	ExpiredBy    time.Time // published ones must have expired by then; zero for any
}

// Deps are the Service's dependencies.
type Deps struct {
	Store  Store
	Now    func() time.Time
	Logger *slog.Logger
	TTL    time.Duration // how long a publication lasts; DefaultTTL when 0
	// PoWKey keys the proof-of-work challenges; every process serving the
	// portal must share it. A random key is made when it is empty.
	PoWKey []byte
	PoW    guard.PoWOptions
	// Report limits reports and appeals per client network (default one
	// every 2 minutes, bursts of 5); Lookup limits look-ups and receipt
	// checks (default one a second, bursts of 30).
	Report, Lookup guard.LimitOptions
	// Bulletins keeps awareness bulletins and Stats counts for the public
	// statistics page (bulletin.go, stats.go); without them those answer
	// KindUnavailable.
	Bulletins BulletinStore
	Stats     StatsStore
	// BulletinImages keeps the bulletins' pictures (bulletin_image.go);
	// without it a bulletin with a new picture answers KindUnavailable.
	BulletinImages BulletinBlobs
	// Reviewers keeps the trusted alliance reviewers (reviewers.go);
	// without it only PermPortalReview works the queue.
	Reviewers ReviewerStore
}

// Service is the public portal: reports, look-ups, review and appeals.
type Service struct {
	d       Deps
	pow     *guard.PoW
	reports *guard.Limiter
	lookups *guard.Limiter
	live    live
	stats   statsCache
}

// New returns a Service. Call RebuildIndex before answering look-ups.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.TTL <= 0 {
		d.TTL = DefaultTTL
	}
	if len(d.PoWKey) == 0 {
		d.PoWKey = make([]byte, 32)
		rand.Read(d.PoWKey)
	}
	if d.Report.Every == 0 {
		d.Report = guard.LimitOptions{Every: 2 * time.Minute, Burst: 5}
	}
	if d.Lookup.Every == 0 {
		d.Lookup = guard.LimitOptions{Every: time.Second, Burst: 30}
	}
	return &Service{
		d: d, pow: guard.NewPoW(d.PoWKey, d.PoW),
		reports: guard.NewLimiter(d.Report), lookups: guard.NewLimiter(d.Lookup),
	}
}

func (s *Service) now() time.Time { return s.d.Now().UTC().Truncate(time.Microsecond) }

// Client is what the portal knows of an anonymous caller: the network
// address (used for rate limits only, never stored) and the abuse checks
// the form carried.
type Client struct {
	Remote   string
	PoWToken string
	PoWNonce string
	Honeypot string // the hidden field; must be empty
}

// citizen is the audit actor of anonymous reports and appeals. It carries
// no address: the audit trail is kept for ever, a citizen's address is
// not.
func citizen() auth.Principal { return auth.Principal{Email: "citizen"} }

// Challenge issues a proof-of-work challenge for a form.
func (s *Service) Challenge() guard.Challenge { return s.pow.Issue(s.d.Now()) }

// admit checks a form's honeypot, the client's rate and its proof of
// work, cheapest first; it stores nothing.
func (s *Service) admit(c Client, lim *guard.Limiter) error {
	now := s.d.Now()
	if err := guard.Honeypot(c.Honeypot); err != nil {
		return err
	}
	if err := lim.Limit(c.Remote, now); err != nil {
		return err
	}
	return s.pow.Verify(c.PoWToken, c.PoWNonce, now)
}

// reviewer checks p may work the queue.
func reviewer(p auth.Principal, perm auth.Permission) (Reviewer, error) {
	if !p.Can(perm) {
		return Reviewer{}, errs.New(errs.KindForbidden, "portal.forbidden", "you may not review reports")
	}
	return Reviewer{ID: p.UserID, Label: p.Email}, nil
}

// maxAttempts bounds the retries of a save that lost a race.
const maxAttempts = 4

func lostRace(err error) bool {
	e, ok := errors.AsType[*errs.Error](err)
	return ok && e.Code == CodeRace
}
