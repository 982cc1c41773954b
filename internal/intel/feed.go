package intel

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// Format is how a feed's documents are written.
type Format string

const (
	FormatAuto     Format = "auto" // detected per document
	FormatList     Format = "list"
	FormatCSV      Format = "csv"
	FormatSTIX     Format = "stix"
	FormatMISP     Format = "misp"      // one MISP event (any envelope)
	FormatMISPFeed Format = "misp-feed" // a MISP feed: manifest.json and its events
)

// Formats lists every feed format.
var Formats = []Format{FormatAuto, FormatList, FormatCSV, FormatSTIX, FormatMISP, FormatMISPFeed}

// Feed is a source of indicators: uploads, or a URL pulled on a schedule.
type Feed struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Format      Format        `json:"format"`
	URL         string        `json:"url,omitempty"`
	Interval    time.Duration `json:"interval,omitempty"` // 0: manual uploads only
	TLP         tlp.Level     `json:"tlp"`                // default for its indicators
	Confidence  int           `json:"confidence"`         // default, 0–100
	TTL         time.Duration `json:"ttl,omitempty"`      // default validity of its indicators; 0: none
	Enabled     bool          `json:"enabled"`
	LastAttempt time.Time     `json:"last_attempt,omitzero"`
	LastSuccess time.Time     `json:"last_success,omitzero"`
	LastError   string        `json:"last_error,omitempty"`
	Count       int64         `json:"indicator_count"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// Store is the storage threat intel needs. Intel is national data: reads
// are gated by permission and filtered by TLP clearance, not by tenant.
type Store interface {
	CreateFeed(ctx context.Context, f Feed, e audit.Entry) (Feed, error)
	UpdateFeed(ctx context.Context, f Feed, e audit.Entry) (Feed, error)
	GetFeed(ctx context.Context, id string) (Feed, error)
	ListFeeds(ctx context.Context) ([]Feed, error)
	// SaveIndicators upserts a feed's indicators; with replace, the feed's
	// indicators absent from inds are removed. It records the feed's success.
	SaveIndicators(ctx context.Context, feedID string, inds []Indicator, replace bool, now time.Time, e audit.Entry) (SaveStats, error)
	// FeedFailed records a failed attempt.
	FeedFailed(ctx context.Context, feedID, reason string, now time.Time) error
	ListIndicators(ctx context.Context, clearance tlp.Level, f Filter, pr page.Request) (page.Result[Indicator], error)
	// ActiveIndicators calls fn for every indicator valid at now.
	ActiveIndicators(ctx context.Context, now time.Time, fn func(Indicator) error) error
}

// SaveStats is what a save changed.
type SaveStats struct {
	Added   int `json:"added"`
	Updated int `json:"updated"`
	Removed int `json:"removed"`
}

// Filter narrows an indicator list.
type Filter struct {
	Type   Type
	FeedID string
	Query  string // substring of the value
}

// Sorts are the sortable indicator fields.
var Sorts = []string{"updated_at", "value"}

// Reader parses a document of a format into indicators (see
// internal/intel/importer); injected to keep this package free of the
// format packages.
type Reader func(format Format, name string, r io.Reader, defaults Indicator) (ImportResult, error)

// Deps are the Service's dependencies.
type Deps struct {
	Store    Store
	Read     Reader
	Now      func() time.Time
	Logger   *slog.Logger
	OnChange func() // called after indicators changed (rebuild the detection index)
}

// Service manages feeds and indicators.
type Service struct{ d Deps }

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.OnChange == nil {
		d.OnChange = func() {}
	}
	return &Service{d: d}
}

// MaxDocument bounds one imported document; a larger one fails
// (intel.too_large), it is never silently cut.
const MaxDocument = DefaultMaxBytes

func validateFeed(f *Feed) error {
	var fs errs.Fields
	f.Name = strings.TrimSpace(f.Name)
	if n := len([]rune(f.Name)); n < 1 || n > 100 {
		fs.Add("name", "feed.bad_name", "the name must have 1 to 100 characters")
	}
	if f.Format == "" {
		f.Format = FormatAuto
	}
	if !slices.Contains(Formats, f.Format) {
		fs.Add("format", "feed.bad_format", "format must be one of auto, list, csv, stix, misp, misp-feed")
	}
	if !f.TLP.Valid() {
		fs.Add("tlp", "feed.bad_tlp", "choose a TLP level")
	}
	if f.Confidence < 0 || f.Confidence > 100 {
		fs.Add("confidence", "feed.bad_confidence", "confidence runs from 0 to 100")
	}
	if f.URL != "" {
		if u, err := url.Parse(f.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			fs.Add("url", "feed.bad_url", "want an http or https URL")
		}
		if f.Interval != 0 && (f.Interval < 5*time.Minute || f.Interval > 7*24*time.Hour) {
			fs.Add("interval", "feed.bad_interval", "pull between every 5 minutes and every 7 days")
		}
	} else if f.Interval != 0 {
		fs.Add("interval", "feed.interval_without_url", "a schedule needs a URL")
	}
	if f.TTL < 0 || f.TTL > 5*365*24*time.Hour {
		fs.Add("ttl", "feed.bad_ttl", "validity runs from none to 5 years")
	}
	return fs.Err("feed.invalid")
}

func manage(p auth.Principal) error {
	if !p.Scope(auth.PermIntelManage).All {
		return errs.New(errs.KindForbidden, "intel.forbidden", "only coordinators manage threat intel")
	}
	return nil
}

// CreateFeed adds a feed.
func (s *Service) CreateFeed(ctx context.Context, p auth.Principal, f Feed) (Feed, error) {
	if err := manage(p); err != nil {
		return Feed{}, err
	}
	f.Enabled = true
	if err := validateFeed(&f); err != nil {
		return Feed{}, err
	}
	return s.d.Store.CreateFeed(ctx, f, audit.New(p, "intel.feed_create", "feed", "", ""))
}

// UpdateFeed changes a feed's settings.
func (s *Service) UpdateFeed(ctx context.Context, p auth.Principal, f Feed) (Feed, error) {
	if err := manage(p); err != nil {
		return Feed{}, err
	}
	if err := validateFeed(&f); err != nil {
		return Feed{}, err
	}
	return s.d.Store.UpdateFeed(ctx, f, audit.New(p, "intel.feed_update", "feed", f.ID, ""))
}

// Feeds lists feeds for readers of intel.
func (s *Service) Feeds(ctx context.Context, p auth.Principal) ([]Feed, error) {
	if !p.Can(auth.PermIntelRead) {
		return nil, errs.New(errs.KindForbidden, "intel.forbidden", "you may not read threat intel")
	}
	fs, err := s.d.Store.ListFeeds(ctx)
	for i := range fs {
		fs[i] = forReader(p, fs[i])
	}
	return fs, err
}

// forReader hides a feed's pull URL (which often embeds credentials) from
// those who do not manage intel: they see only its host.
func forReader(p auth.Principal, f Feed) Feed {
	if f.URL == "" || manage(p) == nil {
		return f
	}
	if u, err := url.Parse(f.URL); err == nil {
		f.URL = u.Scheme + "://" + u.Host + "/…"
	} else {
		f.URL = "…"
	}
	return f
}

// Feed returns one feed.
func (s *Service) Feed(ctx context.Context, p auth.Principal, id string) (Feed, error) {
	if !p.Can(auth.PermIntelRead) {
		return Feed{}, errs.NotFound("feed.not_found")
	}
	f, err := s.d.Store.GetFeed(ctx, id)
	return forReader(p, f), err
}

// Indicators lists indicators p is cleared to see.
func (s *Service) Indicators(ctx context.Context, p auth.Principal, f Filter, pr page.Request) (page.Result[Indicator], error) {
	if !p.Can(auth.PermIntelRead) {
		return page.Result[Indicator]{}, errs.New(errs.KindForbidden, "intel.forbidden", "you may not read threat intel")
	}
	pr, err := pr.Normalize(Sorts)
	if err != nil {
		return page.Result[Indicator]{}, err
	}
	return s.d.Store.ListIndicators(ctx, p.Clearance(), f, pr)
}

// ImportReport is the outcome of one import.
type ImportReport struct {
	Read    int       `json:"read"`
	Skipped Skipped   `json:"skipped,omitempty"`
	Saved   SaveStats `json:"saved"`
}

// Import reads one document into a feed. Uploads add to the feed; scheduled
// pulls replace its indicator set (replace=true).
func (s *Service) Import(ctx context.Context, p auth.Principal, feedID, name string, r io.Reader, replace bool) (ImportReport, error) {
	if err := manage(p); err != nil {
		return ImportReport{}, err
	}
	f, err := s.d.Store.GetFeed(ctx, feedID)
	if err != nil {
		return ImportReport{}, err
	}
	now := s.d.Now().UTC()
	res, err := s.d.Read(f.Format, name, LimitReader(r, MaxDocument), s.defaults(f, now))
	if err != nil {
		if ferr := s.d.Store.FeedFailed(ctx, f.ID, errs.PublicMessage(err), now); ferr != nil {
			s.d.Logger.Warn("feed failure not recorded", "feed", f.ID, "err", ferr)
		}
		return ImportReport{}, err
	}
	e := audit.New(p, "intel.import", "feed", f.ID, "").WithDetail(map[string]any{"document": name, "read": len(res.Indicators)})
	st, err := s.d.Store.SaveIndicators(ctx, f.ID, res.Indicators, replace, now, e)
	if err != nil {
		return ImportReport{}, err
	}
	s.d.OnChange()
	return ImportReport{Read: len(res.Indicators), Skipped: res.Skipped, Saved: st}, nil
}

// Puller fetches and reads a feed's current document(s) from its URL
// (importer.Pull with an HTTP client in production).
type Puller func(ctx context.Context, f Feed, defaults Indicator) (ImportResult, error)

// PullDue pulls every enabled feed with a URL whose interval has passed since
// its last attempt, replacing its indicator set; a failure is recorded on
// the feed (its page shows the last error) and does not stop the others.
func (s *Service) PullDue(ctx context.Context, pull Puller) error {
	feeds, err := s.d.Store.ListFeeds(ctx)
	if err != nil {
		return err
	}
	now := s.d.Now().UTC()
	changed := false
	for _, f := range feeds {
		if !f.Enabled || f.URL == "" || f.Interval == 0 || now.Sub(f.LastAttempt) < f.Interval {
			continue
		}
		res, err := pull(ctx, f, s.defaults(f, now))
		if err != nil {
			if ferr := s.d.Store.FeedFailed(ctx, f.ID, errs.PublicMessage(err), now); ferr != nil {
				return ferr
			}
			s.d.Logger.Warn("feed pull failed", "feed", f.Name, "err", err)
			continue
		}
		e := audit.New(auth.System(), "intel.pull", "feed", f.ID, "").WithDetail(map[string]any{"url": f.URL, "read": len(res.Indicators)})
		if _, err := s.d.Store.SaveIndicators(ctx, f.ID, res.Indicators, true, now, e); err != nil {
			return err
		}
		changed = true
	}
	if changed {
		s.d.OnChange()
	}
	return nil
}

// defaults are where a feed's indicators start.
func (s *Service) defaults(f Feed, now time.Time) Indicator {
	d := Indicator{TLP: f.TLP, Confidence: f.Confidence, Source: f.Name}
	if f.TTL > 0 {
		d.ValidUntil = now.Add(f.TTL)
	}
	return d
}

// Active calls fn for every indicator in force now (for the detection index).
func (s *Service) Active(ctx context.Context, fn func(Indicator) error) error {
	return s.d.Store.ActiveIndicators(ctx, s.d.Now().UTC(), fn)
}
