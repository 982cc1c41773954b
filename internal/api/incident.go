package api

import (
	"cmp"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/incident"
)

// incidentBody is the body of GET /incidents/{id}: the incident, its
// timeline as the caller may see it (internal entries only for the
// coordinating body), tasks, clocks with their state now, and the moves the
// caller may make.
type incidentBody struct {
	incident.Incident
	Timeline []incident.Entry  `json:"timeline"`
	Tasks    []incident.Task   `json:"tasks"`
	Clocks   []clockBody       `json:"clocks"`
	Members  []incident.Member `json:"members,omitempty"`
	Files    []incident.File   `json:"files"`
	Next     []incident.State  `json:"next_states"`
}

// clockBody is a clock with its status and time left.
type clockBody struct {
	incident.Clock
	Status           string `json:"status"`
	RemainingSeconds int64  `json:"remaining_seconds"`
}

func (a *API) incidentsOn() error {
	if a.incidents == nil {
		return errs.New(errs.KindUnavailable, "incident.unavailable", "incident coordination is not available")
	}
	return nil
}

func (a *API) listIncidents(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	if pr.Sort == "" {
		pr.Sort = "-reported_at"
	}
	state, err := enumParam(q, "state", incident.States)
	if err != nil {
		return err
	}
	sev, err := enumParam(q, "severity", incident.Severities)
	if err != nil {
		return err
	}
	f := incident.Filter{State: state, Severity: sev, Category: q.Get("category"), OrgID: q.Get("org"), Query: q.Get("q")}
	switch q.Get("breached") {
	case "", "false":
	case "true":
		f.Breached = true
	default:
		return errs.Invalid("request.bad_parameter", "a query parameter is not valid",
			errs.Field("breached", "request.bad_parameter", "true or false"))
	}
	res, err := a.incidents.List(r.Context(), p, f, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

func (a *API) reportIncident(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in incident.Report
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	inc, err := a.incidents.Report(r.Context(), p, in)
	if err != nil {
		return err
	}
	return created(w, inc)
}

func (a *API) getIncident(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	v, err := a.incidents.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, bodyOf(v, time.Now()))
}

func bodyOf(v incident.View, now time.Time) incidentBody {
	b := incidentBody{Incident: v.Incident, Timeline: v.Timeline, Tasks: v.Tasks, Members: v.Members, Next: v.Next,
		Clocks: []clockBody{}, Files: v.Files}
	if b.Files == nil {
		b.Files = []incident.File{}
	}
	if b.Tasks == nil {
		b.Tasks = []incident.Task{}
	}
	if b.Next == nil {
		b.Next = []incident.State{}
	}
	for _, c := range v.Clocks {
		b.Clocks = append(b.Clocks, clockBody{Clock: c, Status: c.Status(now), RemainingSeconds: int64(c.Remaining(now) / time.Second)})
	}
	return b
}

// reread answers the incident as the caller now sees it after a change.
func (a *API) reread(w http.ResponseWriter, r *http.Request, p auth.Principal, id string) error {
	v, err := a.incidents.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	return ok(w, bodyOf(v, time.Now()))
}

func (a *API) triageIncident(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in incident.Triage
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	inc, err := a.incidents.Triage(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return a.reread(w, r, p, inc.ID)
}

// incidentTransitionInput is the body of POST /incidents/{id}/transition.
type incidentTransitionInput struct {
	State incident.State `json:"state"`
	Note  string         `json:"note"`
}

func (a *API) transitionIncident(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in incidentTransitionInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	inc, err := a.incidents.Transition(r.Context(), p, r.PathValue("id"), in.State, in.Note)
	if err != nil {
		return err
	}
	return a.reread(w, r, p, inc.ID)
}

// incidentReasonInput is the body of reject and pause.
type incidentReasonInput struct {
	Reason string `json:"reason"`
}

func (a *API) rejectIncident(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in incidentReasonInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	inc, err := a.incidents.Reject(r.Context(), p, r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	return a.reread(w, r, p, inc.ID)
}

// incidentMergeInput is the body of POST /incidents/{id}/merge.
type incidentMergeInput struct {
	Into string `json:"into"` // the surviving incident's ID or reference
	Note string `json:"note"`
}

func (a *API) mergeIncident(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in incidentMergeInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	inc, err := a.incidents.Merge(r.Context(), p, r.PathValue("id"), in.Into, in.Note)
	if err != nil {
		return err
	}
	return a.reread(w, r, p, inc.ID)
}

// incidentNoteInput is the body of POST /incidents/{id}/notes.
type incidentNoteInput struct {
	Body       string              `json:"body"`
	Visibility incident.Visibility `json:"visibility"`
}

func (a *API) addIncidentNote(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in incidentNoteInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Visibility == "" {
		in.Visibility = incident.Shared
	}
	e, err := a.incidents.AddNote(r.Context(), p, r.PathValue("id"), in.Body, in.Visibility)
	if err != nil {
		return err
	}
	return created(w, e)
}

// incidentTaskInput is the body of POST /incidents/{id}/tasks: one task, or the
// tasks of a template.
type incidentTaskInput struct {
	incident.TaskInput
	Template string `json:"template"`
}

func (a *API) addIncidentTask(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in incidentTaskInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	ts, err := a.incidents.AddTask(r.Context(), p, r.PathValue("id"), in.TaskInput, in.Template)
	if err != nil {
		return err
	}
	return created(w, map[string]any{"items": ts})
}

func (a *API) updateIncidentTask(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in incident.TaskInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	t, err := a.incidents.UpdateTask(r.Context(), p, r.PathValue("id"), r.PathValue("task"), in)
	if err != nil {
		return err
	}
	return ok(w, t)
}

func (a *API) pauseIncidentClocks(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in incidentReasonInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	inc, err := a.incidents.Pause(r.Context(), p, r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	return a.reread(w, r, p, inc.ID)
}

func (a *API) resumeIncidentClocks(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	inc, err := a.incidents.Resume(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.reread(w, r, p, inc.ID)
}

// incidentAlertInput is the body of POST /incidents/{id}/alerts.
type incidentAlertInput struct {
	AlertID string `json:"alert_id"`
}

func (a *API) linkIncidentAlert(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in incidentAlertInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	inc, err := a.incidents.LinkAlert(r.Context(), p, r.PathValue("id"), in.AlertID)
	if err != nil {
		return err
	}
	return a.reread(w, r, p, inc.ID)
}

// incidentTaxonomy lists the RSIT categories, the clock profiles and the
// task templates, for clients building forms.
func (a *API) incidentTaxonomy(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	c := a.incidents.Clocks()
	return ok(w, map[string]any{"taxonomy": a.incidents.Taxonomy(), "clock_profiles": c.BaseProfiles(),
		"default_clock_profile": c.Default, "templates": incident.Templates("")})
}

// attachIncidentFile stores the request body as a file of the incident:
// POST /incidents/{id}/files?name=…&visibility=shared|internal.
func (a *API) attachIncidentFile(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	r.Body = http.MaxBytesReader(w, r.Body, incident.MaxFile)
	f, err := a.incidents.AttachFile(r.Context(), p, r.PathValue("id"), cmp.Or(q.Get("name"), "file"),
		r.Header.Get("Content-Type"), incident.Visibility(q.Get("visibility")), r.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return errs.New(errs.KindTooLarge, "request.too_large", "the file is too large")
		}
		return err
	}
	return created(w, f)
}

// getIncidentFile sends a file's content as an octet stream.
func (a *API) getIncidentFile(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	f, rc, err := a.incidents.OpenFile(r.Context(), p, r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	h.Set("Digest", "sha-256="+f.SHA256)
	_, _ = io.Copy(w, rc)
	return nil
}

// incidentStatsBody is the body of GET /reports/incidents.
type incidentStatsBody struct {
	Year            int                       `json:"year"`
	Total           int                       `json:"total"`
	ByCategory      map[string]int            `json:"by_category"`
	BySeverity      map[incident.Severity]int `json:"by_severity"`
	BySector        map[string]int            `json:"by_sector"`
	ByProvince      map[string]int            `json:"by_province"`
	ByMonth         map[string]int            `json:"by_month"`
	MTTASeconds     int64                     `json:"mtta_seconds"`
	MTTRSeconds     int64                     `json:"mttr_seconds"`
	Finished        int                       `json:"finished"`
	WithinClocks    int                       `json:"within_clocks"`
	MajorIncidents  int                       `json:"major_incidents"` // S3 and S4 reported in the year
	WithinShare     float64                   `json:"within_share"`
	MajorDefinition string                    `json:"major_definition"`
}

// incidentStats answers the statistics of one year (Asia/Ho_Chi_Minh), for
// report:read.
func (a *API) incidentStats(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	z := incident.Zone()
	year := time.Now().In(z).Year()
	if s := r.URL.Query().Get("year"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2000 || n > 2100 {
			return errs.Invalid("incident.bad_year", "not a year", errs.Field("year", "incident.bad_year", "a year such as 2026"))
		}
		year = n
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, z)
	st, _, err := a.incidents.Statistics(r.Context(), p, from, from.AddDate(1, 0, 0))
	if err != nil {
		return err
	}
	return ok(w, incidentStatsBody{Year: year, Total: st.Total, ByCategory: st.ByCategory, BySeverity: st.BySeverity,
		BySector: st.BySector, ByProvince: st.ByProvince, ByMonth: st.ByMonth, MTTASeconds: int64(st.MTTA / time.Second),
		MTTRSeconds: int64(st.MTTR / time.Second), Finished: st.Finished, WithinClocks: st.WithinClocks,
		MajorIncidents: st.MajorByYear[year], WithinShare: st.WithinShare(), MajorDefinition: "severity S3 or S4"})
}
