package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
)

// advisoryReady answers 503 when the advisory service is not wired.
func (a *API) advisoryReady() error {
	if a.advisory == nil {
		return errs.New(errs.KindUnavailable, "advisory.unavailable", "advisories are not available")
	}
	return nil
}

// MaxAdvisoryBody bounds an advisory import's body.
const MaxAdvisoryBody = 32 << 20

// importInput is the body of POST /advisories/import in Khiên's own model;
// any other body is read by the importers (CSAF, CVE 5, NVD, OSV, KEV).
type importInput struct {
	Advisories []advisory.Advisory `json:"advisories"`
}

// publishResult is the answer of POST /advisories/{id}/publish.
type publishResult struct {
	Advisory advisory.Record     `json:"advisory"`
	Matched  advisory.SyncResult `json:"matched"`
}

func (a *API) listAdvisories(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	if pr.Sort == "" {
		pr.Sort = "-updated_at"
	}
	kev := false
	if s := q.Get("kev"); s != "" {
		if kev, err = strconv.ParseBool(s); err != nil {
			return errs.Invalid("request.bad_parameter", "a query parameter is not valid",
				errs.Field("kev", "request.bad_parameter", "true or false"))
		}
	}
	res, err := a.advisory.List(r.Context(), p, advisory.Filter{Source: q.Get("source"), Severity: q.Get("severity"),
		Status: q.Get("status"), CVE: q.Get("cve"), Query: q.Get("q"), KEV: kev}, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

func (a *API) getAdvisory(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	rec, err := a.advisory.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, rec)
}

func (a *API) createAdvisory(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in advisory.Record
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	rec, err := a.advisory.Create(r.Context(), p, in)
	if err != nil {
		return err
	}
	return created(w, rec)
}

func (a *API) updateAdvisory(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in advisory.Record
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	rec, err := a.advisory.Update(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return ok(w, rec)
}

func (a *API) publishAdvisory(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	rec, res, err := a.advisory.Publish(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, publishResult{Advisory: rec, Matched: res})
}

// importAdvisories imports advisories, each in its own transaction, and
// answers with each document's outcome (200 even when some failed).
func (a *API) importAdvisories(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := advisory.CanManage(p); err != nil {
		return err // before reading and parsing up to 32 MiB for nothing
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxAdvisoryBody))
	if _, over := errors.AsType[*http.MaxBytesError](err); over {
		return tooLarge(MaxAdvisoryBody)
	} else if err != nil {
		return errs.New(errs.KindBadRequest, "request.unreadable", "the body could not be read")
	}
	var in importInput
	var failed []advisory.DocResult
	if json.Unmarshal(data, &in) != nil || len(in.Advisories) == 0 {
		if a.readAdv == nil {
			return errs.Invalid("advisory.empty_import", "nothing to import",
				errs.Field("advisories", "advisory.empty_import", "give at least one advisory"))
		}
		in.Advisories, failed = a.readAdv(r.URL.Query().Get("name"), data)
	}
	if len(in.Advisories) == 0 && len(failed) == 0 {
		return errs.Invalid("advisory.empty_import", "nothing to import",
			errs.Field("advisories", "advisory.empty_import", "the body holds no advisory"))
	}
	var res advisory.ImportResult
	if len(in.Advisories) > 0 {
		if res, err = a.advisory.Import(r.Context(), p, in.Advisories); err != nil {
			return err
		}
	}
	res.Documents = append(res.Documents, failed...)
	res.Failed += len(failed)
	return ok(w, res)
}

func (a *API) listAdvisoryFeeds(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	fs, err := a.advisory.Feeds(r.Context(), p)
	if err != nil {
		return err
	}
	if fs == nil {
		fs = []advisory.Feed{}
	}
	return ok(w, map[string]any{"items": fs})
}

func (a *API) getAdvisoryFeed(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	f, err := a.advisory.Feed(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, f)
}

// advFeedInput is the body of POST and PATCH /advisory-feeds.
type advFeedInput struct {
	Name     *string `json:"name"`
	Kind     *string `json:"kind"`
	URL      *string `json:"url"`
	Schedule *int    `json:"schedule_minutes"`
	Enabled  *bool   `json:"enabled"`
}

func (in advFeedInput) apply(f *advisory.Feed) {
	set(&f.Name, in.Name)
	set(&f.Kind, in.Kind)
	set(&f.URL, in.URL)
	set(&f.EveryMins, in.Schedule)
	set(&f.Enabled, in.Enabled)
}

func (a *API) createAdvisoryFeed(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in advFeedInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	f := advisory.Feed{Enabled: true, EveryMins: 60}
	in.apply(&f)
	f, err := a.advisory.CreateFeed(r.Context(), p, f)
	if err != nil {
		return err
	}
	return created(w, f)
}

func (a *API) updateAdvisoryFeed(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in advFeedInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	f, err := a.advisory.Feed(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	in.apply(&f)
	if f, err = a.advisory.UpdateFeed(r.Context(), p, f); err != nil {
		return err
	}
	return ok(w, f)
}

func (a *API) pullAdvisoryFeed(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	res, err := a.advisory.Pull(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, res)
}

func (a *API) recomputeActions(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	res, err := a.advisory.Recompute(r.Context(), p)
	if err != nil {
		return err
	}
	return ok(w, res)
}
