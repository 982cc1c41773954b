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

// RedactURL hides the secret of a feed URL that carries credentials:
// https://user:pass@host/… reads https://user:xxxxx@host/…, and a lone
// user name (often a token) reads xxxxx. The store keeps the real URL for
// pulls; everything shown, answered or logged goes through here.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			return "xxxxx" // unparseable and may hold a secret: show nothing of it
		}
		return raw
	}
	if u.User != nil {
		if _, hasPass := u.User.Password(); !hasPass {
			u.User = url.User("xxxxx")
			return u.String()
		}
	}
	return u.Redacted()
}

// scrubURL removes a feed URL's secret from a message (a pull's error,
// which may quote the URL or a document URL under it).
func scrubURL(msg, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return msg
	}
	msg = strings.ReplaceAll(msg, raw, RedactURL(raw))
	if pass, ok := u.User.Password(); ok && pass != "" {
		msg = strings.ReplaceAll(msg, pass, "xxxxx")
		msg = strings.ReplaceAll(msg, url.PathEscape(pass), "xxxxx")
	} else if name := u.User.Username(); name != "" {
		msg = strings.ReplaceAll(msg, name, "xxxxx")
	}
	return msg
}

func redactFeed(f Feed) Feed {
	f.LastError = scrubURL(f.LastError, f.URL)
	f.URL = RedactURL(f.URL)
	return f
}

// Feeds lists the advisory feeds with their health (coordinators), their
// URLs redacted.
func (s *Service) Feeds(ctx context.Context, p auth.Principal) ([]Feed, error) {
	if err := canManage(p); err != nil {
		return nil, err
	}
	fs, err := s.d.Store.ListAdvisoryFeeds(ctx)
	for i := range fs {
		fs[i] = redactFeed(fs[i])
	}
	return fs, err
}

// Feed returns one feed, its URL redacted.
func (s *Service) Feed(ctx context.Context, p auth.Principal, id string) (Feed, error) {
	if err := canManage(p); err != nil {
		return Feed{}, err
	}
	f, err := s.d.Store.GetAdvisoryFeed(ctx, id)
	return redactFeed(f), err
}

// CreateFeed registers a feed.
func (s *Service) CreateFeed(ctx context.Context, p auth.Principal, f Feed) (Feed, error) {
	if err := canManage(p); err != nil {
		return Feed{}, err
	}
	if err := validateFeed(&f); err != nil {
		return Feed{}, err
	}
	f, err := s.d.Store.CreateAdvisoryFeed(ctx, f, audit.New(p, "advisory_feed.create", "advisory_feed", "", ""))
	return redactFeed(f), err
}

// UpdateFeed changes a feed's name, URL, schedule or enabled flag. A URL
// submitted back in its redacted form (as read) keeps the stored secret.
func (s *Service) UpdateFeed(ctx context.Context, p auth.Principal, f Feed) (Feed, error) {
	if err := canManage(p); err != nil {
		return Feed{}, err
	}
	cur, err := s.d.Store.GetAdvisoryFeed(ctx, f.ID)
	if err != nil {
		return Feed{}, err
	}
	if strings.TrimSpace(f.URL) == RedactURL(cur.URL) {
		f.URL = cur.URL
	}
	if err := validateFeed(&f); err != nil {
		return Feed{}, err
	}
	f, err = s.d.Store.UpdateAdvisoryFeed(ctx, f, audit.New(p, "advisory_feed.update", "advisory_feed", f.ID, ""))
	return redactFeed(f), err
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
		msg := scrubURL(err.Error(), f.URL)
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
			s.d.Logger.Warn("advisory feed pull failed", "feed", f.Name, "url", RedactURL(f.URL), "err", scrubURL(err.Error(), f.URL))
		}
		pulled++
	}
	return pulled, nil
}
