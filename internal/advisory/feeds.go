package advisory

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
)

func validateFeed(f *Feed) error {
	var fs errs.Fields
	f.Name, f.URL = strings.TrimSpace(f.Name), strings.TrimSpace(f.URL)
	if f.Name == "" {
		fs.Add("name", "advisory_feed.required", "give the feed a name")
	}
	if !slices.Contains(FeedKinds, f.Kind) {
		fs.Add("kind", "advisory_feed.bad_kind", "one of "+strings.Join(FeedKinds, ", "))
	}
	if u, err := url.Parse(f.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		fs.Add("url", "advisory_feed.bad_url", "an http or https URL")
	}
	if f.EveryMins < 0 || f.EveryMins > 7*24*60 {
		fs.Add("schedule_minutes", "advisory_feed.bad_schedule", "0 (manual only) to 10080 minutes")
	}
	return fs.Err("advisory_feed.invalid")
}

// Feeds lists the advisory feeds with their health (coordinators).
func (s *Service) Feeds(ctx context.Context, p auth.Principal) ([]Feed, error) {
	if err := canManage(p); err != nil {
		return nil, err
	}
	return s.d.Store.ListAdvisoryFeeds(ctx)
}

// Feed returns one feed.
func (s *Service) Feed(ctx context.Context, p auth.Principal, id string) (Feed, error) {
	if err := canManage(p); err != nil {
		return Feed{}, err
	}
	return s.d.Store.GetAdvisoryFeed(ctx, id)
}

// CreateFeed registers a feed.
func (s *Service) CreateFeed(ctx context.Context, p auth.Principal, f Feed) (Feed, error) {
	if err := canManage(p); err != nil {
		return Feed{}, err
	}
	if err := validateFeed(&f); err != nil {
		return Feed{}, err
	}
	return s.d.Store.CreateAdvisoryFeed(ctx, f, audit.New(p, "advisory_feed.create", "advisory_feed", "", ""))
}

// UpdateFeed changes a feed's name, URL, schedule or enabled flag.
func (s *Service) UpdateFeed(ctx context.Context, p auth.Principal, f Feed) (Feed, error) {
	if err := canManage(p); err != nil {
		return Feed{}, err
	}
	if err := validateFeed(&f); err != nil {
		return Feed{}, err
	}
	return s.d.Store.UpdateAdvisoryFeed(ctx, f, audit.New(p, "advisory_feed.update", "advisory_feed", f.ID, ""))
}

// Pull fetches a feed now and imports what it holds; the feed's health
// records the outcome either way.
func (s *Service) Pull(ctx context.Context, p auth.Principal, id string) (ImportResult, error) {
	if err := canManage(p); err != nil {
		return ImportResult{}, err
	}
	f, err := s.d.Store.GetAdvisoryFeed(ctx, id)
	if err != nil {
		return ImportResult{}, err
	}
	return s.pull(ctx, p, f)
}

func (s *Service) pull(ctx context.Context, p auth.Principal, f Feed) (ImportResult, error) {
	at := s.now()
	if s.d.Puller == nil {
		err := errs.New(errs.KindUnavailable, "advisory_feed.no_puller", "feed pulls are not available in this build")
		_ = s.d.Store.RecordAdvisoryPull(ctx, f.ID, at, ImportResult{}, err.Public)
		return ImportResult{}, err
	}
	advs, err := s.d.Puller.Pull(ctx, f)
	if err != nil {
		msg := err.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		_ = s.d.Store.RecordAdvisoryPull(ctx, f.ID, at, ImportResult{}, msg)
		return ImportResult{}, errs.New(errs.KindUnavailable, "advisory_feed.pull_failed", "the feed could not be pulled: "+msg)
	}
	res, err := s.importFrom(ctx, p, f.ID, advs)
	if err != nil {
		_ = s.d.Store.RecordAdvisoryPull(ctx, f.ID, at, res, "import failed")
		return res, err
	}
	return res, s.d.Store.RecordAdvisoryPull(ctx, f.ID, at, res, "")
}

// PullDue pulls every enabled feed whose schedule says so (a goroutine of
// the app runs it every minute); a failing feed does not stop the others.
func (s *Service) PullDue(ctx context.Context) (pulled int, err error) {
	feeds, err := s.d.Store.ListAdvisoryFeeds(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now()
	for _, f := range feeds {
		if !f.Due(now) {
			continue
		}
		if _, err := s.pull(ctx, auth.System(), f); err != nil {
			s.d.Logger.Warn("advisory feed pull failed", "feed", f.Name, "err", err)
		}
		pulled++
	}
	return pulled, nil
}
