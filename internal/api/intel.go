package api

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/tlp"
)

// MaxIntelBody bounds a threat-intel document posted to a feed.
const MaxIntelBody = 64 << 20

// feedJSON is a feed as the API shows it: the pull interval in seconds and
// the indicators' validity in days, as they are stored.
type feedJSON struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Format      intel.Format `json:"format"`
	URL         string       `json:"url,omitempty"`
	Interval    int64        `json:"interval_seconds"`
	TLP         tlp.Level    `json:"tlp"`
	Confidence  int          `json:"confidence"`
	TTL         int64        `json:"ttl_days"`
	Enabled     bool         `json:"enabled"`
	LastAttempt time.Time    `json:"last_attempt,omitzero"`
	LastSuccess time.Time    `json:"last_success,omitzero"`
	LastError   string       `json:"last_error,omitempty"`
	Count       int64        `json:"indicator_count"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

func toFeedJSON(f intel.Feed) feedJSON {
	return feedJSON{ID: f.ID, Name: f.Name, Format: f.Format, URL: f.URL, Interval: int64(f.Interval / time.Second),
		TLP: f.TLP, Confidence: f.Confidence, TTL: int64(f.TTL / (24 * time.Hour)), Enabled: f.Enabled,
		LastAttempt: f.LastAttempt, LastSuccess: f.LastSuccess, LastError: f.LastError, Count: f.Count,
		CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
}

// feedInput is the body of POST /intel/feeds; feedPatch of PATCH.
type feedInput struct {
	Name       string       `json:"name"`
	Format     intel.Format `json:"format"`
	URL        string       `json:"url"`
	Interval   int64        `json:"interval_seconds"`
	TLP        string       `json:"tlp"`
	Confidence int          `json:"confidence"`
	TTL        int64        `json:"ttl_days"`
}

type feedPatch struct {
	Name       *string       `json:"name"`
	Format     *intel.Format `json:"format"`
	URL        *string       `json:"url"`
	Interval   *int64        `json:"interval_seconds"`
	TLP        *string       `json:"tlp"`
	Confidence *int          `json:"confidence"`
	TTL        *int64        `json:"ttl_days"`
	Enabled    *bool         `json:"enabled"`
}

func (pt feedPatch) apply(f *intel.Feed) {
	set(&f.Name, pt.Name)
	set(&f.Format, pt.Format)
	set(&f.URL, pt.URL)
	if pt.TLP != nil {
		f.TLP = level(*pt.TLP)
	}
	set(&f.Confidence, pt.Confidence)
	set(&f.Enabled, pt.Enabled)
	if pt.Interval != nil {
		f.Interval = seconds(*pt.Interval)
	}
	if pt.TTL != nil {
		f.TTL = days(*pt.TTL)
	}
}

// level reads a TLP level; an unknown one is the zero level, which the
// service refuses on the field tlp.
func level(s string) tlp.Level {
	l, _ := tlp.Parse(s)
	return l
}

// days turns a count of days into a duration; out-of-range counts become
// one the service refuses.
func days(n int64) time.Duration {
	if n < 0 || n > 100*365 {
		return -1
	}
	return time.Duration(n) * 24 * time.Hour
}

// feedFieldNames maps the service's field names to the API's.
var feedFieldNames = map[string]string{"interval": "interval_seconds", "ttl": "ttl_days"}

// feedList is the body of GET /intel/feeds: every feed, not paged (a CERT
// has tens of feeds), in the list shape.
type feedList struct {
	Items []feedJSON `json:"items"`
}

func (a *API) listFeeds(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	fs, err := a.intel.Feeds(r.Context(), p)
	if err != nil {
		return err
	}
	out := feedList{Items: make([]feedJSON, 0, len(fs))}
	for _, f := range fs {
		out.Items = append(out.Items, toFeedJSON(f))
	}
	return ok(w, out)
}

func (a *API) createFeed(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in feedInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	f, err := a.intel.CreateFeed(r.Context(), p, intel.Feed{Name: in.Name, Format: in.Format, URL: in.URL,
		Interval: seconds(in.Interval), TLP: level(in.TLP), Confidence: in.Confidence, TTL: days(in.TTL)})
	if err != nil {
		return renameFields(err, feedFieldNames)
	}
	return created(w, toFeedJSON(f))
}

func (a *API) getFeed(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	f, err := a.intel.Feed(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, toFeedJSON(f))
}

func (a *API) updateFeed(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in feedPatch
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	f, err := a.intel.Feed(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	in.apply(&f)
	if f, err = a.intel.UpdateFeed(r.Context(), p, f); err != nil {
		return renameFields(err, feedFieldNames)
	}
	return ok(w, toFeedJSON(f))
}

// importFeed reads the body — one document of any content type, at most
// MaxIntelBody bytes — into the feed, adding to its indicators. ?name= is
// the document's file name, which helps format detection ("c2.csv").
func (a *API) importFeed(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	f, err := a.intel.Feed(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if r.ContentLength > MaxIntelBody {
		return tooLarge(MaxIntelBody)
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "upload"
	}
	body := bodyLimit{r: http.MaxBytesReader(w, r.Body, MaxIntelBody)}
	rep, err := a.intel.Import(r.Context(), p, f.ID, name, body, false)
	if err != nil {
		return err
	}
	if rep.Skipped == nil {
		rep.Skipped = intel.Skipped{}
	}
	return ok(w, rep)
}

// bodyLimit turns the body's over-limit error into the API's 413, so the
// importer passes it on as it is.
type bodyLimit struct{ r io.Reader }

func (b bodyLimit) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if _, over := errors.AsType[*http.MaxBytesError](err); over {
		return n, tooLarge(MaxIntelBody)
	}
	return n, err
}

func (a *API) listIndicators(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	typ, err := enumParam(q, "type", intel.Types)
	if err != nil {
		return err
	}
	res, err := a.intel.Indicators(r.Context(), p, intel.Filter{Type: typ, FeedID: q.Get("feed"), Query: q.Get("q")}, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}
