package web

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// maxIntelUpload bounds a threat-intel document uploaded through the UI,
// like the API's import.
const maxIntelUpload = 64 << 20

// tlpLevels are the TLP levels, least restricted first.
var tlpLevels = []tlp.Level{tlp.Clear, tlp.Green, tlp.Amber, tlp.AmberStrict, tlp.Red}

func tlpOptions() []Option {
	out := make([]Option, 0, len(tlpLevels))
	for _, l := range tlpLevels {
		out = append(out, Option{Value: l.String(), Label: "TLP:" + l.String()})
	}
	return out
}

// feedListView lists the threat-intel feeds.
type feedListView struct {
	Base
	Feeds     []intel.Feed
	CanManage bool
}

func (w *Web) feedList(rw http.ResponseWriter, r *http.Request, s *session) error {
	feeds, err := w.intel.Feeds(r.Context(), s.P)
	if err != nil {
		return err
	}
	v := feedListView{Base: w.newBase(rw, r, s, "intel", "intel.title"), Feeds: feeds,
		CanManage: s.P.Scope(auth.PermIntelManage).All}
	return w.views.render(rw, r, http.StatusOK, "intel", &v)
}

// feedFormView creates or edits a feed.
type feedFormView struct {
	Base
	Form    *Form
	Feed    intel.Feed // zero when creating
	Formats []Option
	Levels  []Option
}

var feedFields = []string{"name", "format", "tlp", "confidence", "url", "interval", "ttl", "enabled"}

func (w *Web) renderFeedForm(rw http.ResponseWriter, r *http.Request, s *session, f *Form, feed intel.Feed) error {
	v := feedFormView{Base: w.newBase(rw, r, s, "intel", "feed.new_title"), Form: f, Feed: feed,
		Formats: enumOptions("feed_format.", intel.Formats), Levels: tlpOptions()}
	if feed.ID != "" {
		v.TitleKey, v.Title = "feed.edit_title", feed.Name
	}
	return w.views.render(rw, r, f.Status(), "feed_form", &v)
}

func (w *Web) feedNew(rw http.ResponseWriter, r *http.Request, s *session) error {
	if !s.P.Scope(auth.PermIntelManage).All {
		return errs.New(errs.KindForbidden, "intel.forbidden", "only coordinators manage threat intel")
	}
	f := newForm(feedFields...)
	feedToForm(f, intel.Feed{Format: intel.FormatAuto, TLP: tlp.Amber, Confidence: 50, Enabled: true})
	return w.renderFeedForm(rw, r, s, f, intel.Feed{})
}

func feedToForm(f *Form, feed intel.Feed) {
	f.Set("name", feed.Name)
	f.Set("format", string(feed.Format))
	f.Set("tlp", feed.TLP.String())
	f.Set("confidence", strconv.Itoa(feed.Confidence))
	f.Set("url", feed.URL)
	if feed.Interval > 0 {
		f.Set("interval", strconv.Itoa(int(feed.Interval/time.Minute)))
	}
	if feed.TTL > 0 {
		f.Set("ttl", strconv.Itoa(int(feed.TTL/(24*time.Hour))))
	}
	f.SetBool("enabled", feed.Enabled)
}

// feedFromForm reads a feed's settings; numbers that are not numbers are
// marked beside their inputs and reported with ok false.
func feedFromForm(f *Form, feed intel.Feed) (intel.Feed, bool) {
	feed.Name, feed.Format, feed.URL = f.Get("name"), intel.Format(f.Get("format")), strings.TrimSpace(f.Get("url"))
	feed.TLP, _ = tlp.Parse(f.Get("tlp")) // an unknown level stays zero, which the service refuses
	feed.Enabled = f.Bool("enabled")
	ok := true
	if n, err := strconv.Atoi(strings.TrimSpace(f.Get("confidence"))); err == nil {
		feed.Confidence = n
	} else {
		f.Fail(errs.Field("confidence", "feed.bad_confidence", "confidence runs from 0 to 100"))
		ok = false
	}
	interval, iok := wholeNumber(f, "interval", "feed.bad_interval", "pull between every 5 minutes and every 7 days")
	days, dok := wholeNumber(f, "ttl", "feed.bad_ttl", "validity runs from none to 5 years")
	feed.Interval, feed.TTL = time.Duration(interval)*time.Minute, time.Duration(days)*24*time.Hour
	return feed, ok && iok && dok
}

func (w *Web) feedCreate(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, feedFields...)
	if err != nil {
		return err
	}
	in, ok := feedFromForm(f, intel.Feed{})
	if !ok {
		return w.renderFeedForm(rw, r, s, f, intel.Feed{})
	}
	feed, err := w.intel.CreateFeed(r.Context(), s.P, in)
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderFeedForm(rw, r, s, f, intel.Feed{})
	}
	return w.redirect(rw, r, "/intel/feeds/"+url.PathEscape(feed.ID), "flash.feed_created")
}

func (w *Web) feedEdit(rw http.ResponseWriter, r *http.Request, s *session) error {
	feed, err := w.intel.Feed(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !s.P.Scope(auth.PermIntelManage).All {
		return errs.New(errs.KindForbidden, "intel.forbidden", "only coordinators manage threat intel")
	}
	f := newForm(feedFields...)
	feedToForm(f, feed)
	return w.renderFeedForm(rw, r, s, f, feed)
}

func (w *Web) feedUpdate(rw http.ResponseWriter, r *http.Request, s *session) error {
	cur, err := w.intel.Feed(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	f, err := readForm(rw, r, feedFields...)
	if err != nil {
		return err
	}
	in, ok := feedFromForm(f, cur)
	if !ok {
		return w.renderFeedForm(rw, r, s, f, cur)
	}
	if _, err := w.intel.UpdateFeed(r.Context(), s.P, in); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderFeedForm(rw, r, s, f, cur)
	}
	return w.redirect(rw, r, "/intel/feeds/"+url.PathEscape(cur.ID), "flash.feed_saved")
}

// feedView is one feed, its upload form and the report of an upload.
type feedView struct {
	Base
	Feed      intel.Feed
	Form      *Form
	Report    *intel.ImportReport
	Skipped   []skipCount // the report's skips, by reason
	CanManage bool
}

// skipCount is how many items of a document were skipped for one reason.
type skipCount struct {
	Reason string
	N      int
}

func (w *Web) feedShow(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderFeed(rw, r, s, newForm("file", "replace"), nil)
}

func (w *Web) renderFeed(rw http.ResponseWriter, r *http.Request, s *session, f *Form, rep *intel.ImportReport) error {
	feed, err := w.intel.Feed(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := feedView{Base: w.newBase(rw, r, s, "intel", "feed.title"), Feed: feed, Form: f, Report: rep,
		CanManage: s.P.Scope(auth.PermIntelManage).All}
	v.Title = feed.Name
	if rep != nil {
		for _, reason := range slices.Sorted(maps.Keys(rep.Skipped)) {
			v.Skipped = append(v.Skipped, skipCount{Reason: reason, N: rep.Skipped[reason]})
		}
	}
	return w.views.render(rw, r, f.Status(), "feed", &v)
}

// feedImport reads an uploaded document (multipart, at most maxIntelUpload
// bytes) into the feed and shows the import report on the feed's page.
func (w *Web) feedImport(rw http.ResponseWriter, r *http.Request, s *session) error {
	feed, err := w.intel.Feed(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm("file", "replace")
	r.Body = http.MaxBytesReader(rw, r.Body, maxIntelUpload)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			f.Fail(errs.Field("file", "intel.too_large", "the file is larger than 64 MiB"))
			return w.renderFeed(rw, r, s, f, nil)
		}
		return errs.New(errs.KindBadRequest, "request.bad_form", "the form could not be read")
	}
	defer r.MultipartForm.RemoveAll()
	f.SetBool("replace", r.FormValue("replace") == "on")
	file, hdr, err := r.FormFile("file")
	if err != nil {
		f.Fail(errs.Field("file", "intel.no_file", "choose a file to upload"))
		return w.renderFeed(rw, r, s, f, nil)
	}
	defer file.Close()
	rep, err := w.intel.Import(r.Context(), s.P, feed.ID, hdr.Filename, file, f.Bool("replace"))
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderFeed(rw, r, s, f, nil)
	}
	return w.renderFeed(rw, r, s, f, &rep)
}

// indicatorListView lists the indicators the viewer is cleared to see.
type indicatorListView struct {
	Base
	Type, FeedID, Query string
	Items               []intel.Indicator
	Feeds               []intel.Feed
	Types               []Option
	Pager               Pager
}

func (w *Web) indicatorList(rw http.ResponseWriter, r *http.Request, s *session) error {
	ctx, p, q := r.Context(), s.P, r.URL.Query()
	feeds, err := w.intel.Feeds(ctx, p)
	if err != nil {
		return err
	}
	v := indicatorListView{Base: w.newBase(rw, r, s, "intel", "indicators.title"), Feeds: feeds,
		Type: q.Get("type"), FeedID: q.Get("feed"), Query: strings.TrimSpace(q.Get("q")),
		Types: enumOptions("intel_type.", intel.Types)}
	res, err := w.intel.Indicators(ctx, p, intel.Filter{Type: intel.Type(v.Type), FeedID: v.FeedID, Query: v.Query},
		page.Request{Limit: 100, Cursor: q.Get("cursor"), Sort: "-updated_at"})
	if err != nil {
		return err
	}
	v.Items, v.Pager = res.Items, pager("/intel/indicators", q, res.Next)
	return w.views.render(rw, r, http.StatusOK, "indicators", &v)
}
