package web

// Incident pages: the list with countdowns, the report form, an incident with
// its timeline, tasks, clocks and the coordinator's triage, the printable
// final report, and the statistics (incident_stats.go). The incident service
// decides who sees and does what; a page only asks it.
//
// FOR THE ALLIANCE UI: the detail page (templates/incident.html) has
// <section id="mobilise">{{template "incident_mobilise" .}}</section>, with
// the page's incidentView as dot. templates/_incident.html defines
// "incident_mobilise" as {{with .Mobilisation}}{{template "mobilise-panel" .}}{{end}},
// so your existing "mobilise-panel" (templates/_mobilise.html) is drawn with
// whatever you put in incidentView.Mobilisation. Fill it by setting
// w.incidentMobilisation (type IncidentMobilisation) in New or in your own
// set-up code; it is called for the detail page only, with the viewer and
// the incident as they see it. To draw something else, redefine
// "incident_mobilise" in a partial that sorts after _incident.html
// (e.g. _incident_mobilise.html).
// Forms and buttons here carry stable ids and names for browser flows.

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// incidentNav is the incidents entry for those who report, read or work them,
// and the statistics for those who read reports.
func incidentNav(p auth.Principal) []NavItem {
	var nav []NavItem
	if p.Can(auth.PermIncidentRead) || p.Can(auth.PermIncidentReport) || p.Can(auth.PermIncidentManage) || p.Can(auth.PermIncidentRespond) {
		nav = append(nav, NavItem{ID: "incidents", Key: "nav.incidents", Href: "/incidents"})
	}
	if p.Can(auth.PermReportRead) {
		nav = append(nav, NavItem{ID: "incident-stats", Key: "nav.incident_stats", Href: "/reports/incidents"})
	}
	return nav
}

// incidentRow is one line of the list.
type incidentRow struct {
	incident.Listed
	Next   *incidentClockRow // the nearest running deadline
	Clocks []incidentClockRow
}

type incidentsView struct {
	Base
	Rows      []incidentRow
	Pager     Pager
	Filter    *Form
	States    []Option
	Sevs      []Option
	Classes   []Option
	Orgs      []Option // for those who see more than their own organisations
	CanReport bool
}

var incidentFilterFields = []string{"state", "severity", "category", "org", "breached", "q"}

func incidentStateOptions() []Option {
	out := make([]Option, len(incident.States))
	for i, s := range incident.States {
		out[i] = Option{Value: string(s), Key: "incident_state." + string(s)}
	}
	return out
}

func incidentSeverityOptions() []Option {
	out := make([]Option, len(incident.Severities))
	for i, s := range incident.Severities {
		out[i] = Option{Value: string(s), Key: "incident_severity." + string(s)}
	}
	return out
}

func (w *Web) incidentList(rw http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	f := newForm(incidentFilterFields...)
	for _, k := range incidentFilterFields {
		f.Set(k, q.Get(k))
	}
	flt := incident.Filter{State: incident.State(q.Get("state")), Severity: incident.Severity(q.Get("severity")),
		Category: q.Get("category"), OrgID: q.Get("org"), Breached: q.Get("breached") == "on", Query: q.Get("q")}
	list, next, err := w.incidents.ListWithClocks(r.Context(), s.P, flt, page.Request{Cursor: q.Get("cursor"), Limit: 50, Sort: "-reported_at"})
	if err != nil {
		if !f.Take(err) {
			return err
		}
	}
	now := w.now()
	tr := w.views.translator(s.Lang())
	v := incidentsView{Base: w.newBase(rw, r, s, "incidents", "incident.list_title"), Filter: f, States: incidentStateOptions(),
		Sevs: incidentSeverityOptions(), CanReport: s.P.Can(auth.PermIncidentReport), Pager: pager("/incidents", q, next)}
	for _, c := range w.incidents.Taxonomy().Classes {
		v.Classes = append(v.Classes, Option{Value: c.Value, Key: incidentRSITKey(c.Value, "")})
	}
	if incident.ViewerOf(s.P).Read.All {
		all, err := w.orgs(r.Context(), s.P)
		if err != nil {
			return err
		}
		v.Orgs = all.Options(nil)
	}
	for _, x := range list {
		row := incidentRow{Listed: x, Clocks: incidentClockRows(tr, x.Clocks, now)}
		for i := range row.Clocks {
			c := &row.Clocks[i]
			if c.Countdown && (row.Next == nil || c.DeadlineAt.Before(row.Next.DeadlineAt)) {
				row.Next = c
			}
		}
		v.Rows = append(v.Rows, row)
	}
	return w.views.render(rw, r, f.Status(), "incidents", &v)
}

// Report form.

var incidentReportFields = []string{"org_id", "title", "description", "contact_name", "contact_email", "contact_phone",
	"detected_at", "occurred_at", "category", "impact", "actions_taken", "personal_data", "system_ids",
	"indicators", "tlp", "clock_profile"}

type incidentFormView struct {
	Base
	Form       *Form
	Orgs       []Option
	OrgID      string
	Systems    []org.System
	Categories []Option
	Impacts    []Option
	Profiles   []Option
	TLPs       []Option
}

func (w *Web) incidentNew(rw http.ResponseWriter, r *http.Request, s *session) error {
	f := newForm(incidentReportFields...)
	q := r.URL.Query()
	f.Set("org_id", cmp.Or(q.Get("org_id"), q.Get("org")))
	f.Set("impact", string(incident.ImpactLow))
	f.Set("tlp", "AMBER")
	f.Set("detected_at", w.now().In(w.zone()).Format("2006-01-02T15:04"))
	return w.renderIncidentForm(rw, r, s, f)
}

func (w *Web) renderIncidentForm(rw http.ResponseWriter, r *http.Request, s *session, f *Form) error {
	if !s.P.Can(auth.PermIncidentReport) {
		return errs.NotFound("incident.not_found")
	}
	all, err := w.orgs(r.Context(), s.P)
	if err != nil {
		return err
	}
	v := incidentFormView{Base: w.newBase(rw, r, s, "incidents", "incident.report_title"), Form: f,
		Orgs: all.Options(func(id string) bool { return s.P.CanOn(auth.PermIncidentReport, id) })}
	v.OrgID = f.Get("org_id")
	if v.OrgID == "" && len(v.Orgs) == 1 {
		v.OrgID = v.Orgs[0].Value
		f.Set("org_id", v.OrgID)
	}
	if v.OrgID != "" && s.P.CanOn(auth.PermIncidentReport, v.OrgID) {
		v.Systems, err = collect(func(pr page.Request) (page.Result[org.System], error) {
			return w.org.ListSystems(r.Context(), s.P, org.SystemFilter{OrgID: v.OrgID}, pr)
		}, "name")
		if err != nil {
			return err
		}
	}
	v.Categories = incidentCategoryOptions(w.views.translator(s.Lang()), w.incidents.Taxonomy())
	for _, i := range incident.Impacts {
		v.Impacts = append(v.Impacts, Option{Value: string(i), Key: "incident_impact." + string(i)})
	}
	for _, p := range w.incidents.Clocks().BaseProfiles() {
		v.Profiles = append(v.Profiles, Option{Value: p, Key: "incident_profile." + p})
	}
	for _, l := range []string{"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"} {
		v.TLPs = append(v.TLPs, Option{Value: l, Label: "TLP:" + l})
	}
	return w.views.render(rw, r, f.Status(), "incident_form", &v)
}

// incidentParseLocal reads a datetime-local value in the display zone; "" is zero.
func incidentParseLocal(s string, z *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, z); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// incidentParseIndicators reads one indicator a line: "type value" or just a value
// (then typed "other").
func incidentParseIndicators(s string) []incident.Indicator {
	var out []incident.Indicator
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		typ, val, ok := strings.Cut(line, " ")
		if !ok || !slices.Contains(incident.IndicatorTypes, typ) {
			typ, val = "other", line
		}
		out = append(out, incident.Indicator{Type: typ, Value: strings.TrimSpace(val)})
	}
	return out
}

func (w *Web) incidentCreate(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, incidentReportFields...)
	if err != nil {
		return err
	}
	z := w.zone()
	detected, ok1 := incidentParseLocal(f.Get("detected_at"), z)
	occurred, ok2 := incidentParseLocal(f.Get("occurred_at"), z)
	if !ok1 {
		f.Fail(errs.Field("detected_at", "incident.bad_time", "not a date and time"))
	}
	if !ok2 {
		f.Fail(errs.Field("occurred_at", "incident.bad_time", "not a date and time"))
	}
	if !ok1 || !ok2 {
		return w.renderIncidentForm(rw, r, s, f)
	}
	inc, err := w.incidents.Report(r.Context(), s.P, incident.Report{OrgID: f.Get("org_id"), Title: f.Get("title"),
		Description: f.Get("description"), ContactName: f.Get("contact_name"), ContactEmail: f.Get("contact_email"),
		ContactPhone: f.Get("contact_phone"), DetectedAt: detected, OccurredAt: occurred, Category: f.Get("category"),
		Impact: incident.Impact(f.Get("impact")), ActionsTaken: f.Get("actions_taken"), PersonalData: f.Bool("personal_data"),
		SystemIDs: f.Values["system_ids"], Indicators: incidentParseIndicators(f.Get("indicators")), TLP: f.Get("tlp"),
		ClockProfile: f.Get("clock_profile")})
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound && f.Get("org_id") != "" {
			f.Fail(errs.Field("org_id", "incident.org_not_found", "you may not report for this organisation"))
			return w.renderIncidentForm(rw, r, s, f)
		}
		if !f.Take(err) {
			return err
		}
		return w.renderIncidentForm(rw, r, s, f)
	}
	return w.redirect(rw, r, "/incidents/"+url.PathEscape(inc.ID), "flash.incident_reported")
}

// Detail page.

// incidentView is an incident as its page shows it.
type incidentView struct {
	Base
	incident.View
	Clocks     []incidentClockRow
	Moves      []incident.State // the plain transitions offered as buttons (triage, reject and merge have forms)
	Coordinate bool             // the viewer is of the coordinating body
	Evidence   bool             // the viewer may open an evidence case for the incident
	Entries    []incidentEntry  // the timeline as shown
	WorkTasks  bool
	CanNote    bool
	Internal   bool // may write internal notes
	Category   string
	Templates  []incident.Template
	People     []Option // who tasks may be given to
	Owners     []Option
	Categories []Option
	Sevs       []Option
	TLPs       []Option
	Profiles   []Option
	Triage     *Form
	Move       *Form
	Reject     *Form
	Merge      *Form
	Note       *Form
	Task       *Form
	Pause      *Form
	Link       *Form
	File       *Form
	// Mobilisation is filled by the alliance UI (see the comment at the top
	// of this file) and drawn by the "incident_mobilise" template.
	Mobilisation any
	PrintedAt    time.Time

	// EvidenceCase: the incident's evidence case exists and the viewer may
	// open it; EvidenceShared: only as a responder, for items shared with it.
	EvidenceCase, EvidenceShared bool
}

var (
	incidentTriageFields = []string{"category", "severity", "severity_reason", "tlp", "owner_id", "clock_profile", "personal_data"}
	incidentMoveFields   = []string{"state", "note"}
	incidentRejectFields = []string{"reason"}
	incidentMergeFields  = []string{"into", "note"}
	incidentNoteFields   = []string{"body", "visibility"}
	incidentTaskFields   = []string{"title", "description", "assignee_id", "due_at", "template"}
	incidentPauseFields  = []string{"reason"}
	incidentLinkFields   = []string{"alert_id"}
	incidentFileFields   = []string{"file", "visibility"}
)

type incidentForms struct{ triage, move, reject, merge, note, task, pause, link, file *Form }

func (fs *incidentForms) fill() {
	for _, p := range []struct {
		f      **Form
		fields []string
	}{{&fs.triage, incidentTriageFields}, {&fs.move, incidentMoveFields}, {&fs.reject, incidentRejectFields}, {&fs.merge, incidentMergeFields},
		{&fs.note, incidentNoteFields}, {&fs.task, incidentTaskFields}, {&fs.pause, incidentPauseFields}, {&fs.link, incidentLinkFields},
		{&fs.file, incidentFileFields}} {
		if *p.f == nil {
			*p.f = newForm(p.fields...)
		}
	}
}

// IncidentMobilisation lets the alliance UI fill the detail page's panel:
// given the request's principal and the incident, it returns the panel's
// data (nil for none).
type IncidentMobilisation func(ctx context.Context, p auth.Principal, v incident.View) (any, error)

func (w *Web) incidentShow(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderIncident(rw, r, s, r.PathValue("id"), incidentForms{}, "incident")
}

func (w *Web) incidentPrint(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderIncident(rw, r, s, r.PathValue("id"), incidentForms{}, "incident_print")
}

func (w *Web) renderIncident(rw http.ResponseWriter, r *http.Request, s *session, id string, fs incidentForms, tmpl string) error {
	iv, err := w.incidents.Get(r.Context(), s.P, id)
	if err != nil {
		return err
	}
	fs.fill()
	now := w.now()
	inc := iv.Incident
	tr := w.views.translator(s.Lang())
	v := incidentView{Base: w.newBase(rw, r, s, "incidents", "incident.title"), View: iv, Clocks: incidentClockRows(tr, iv.Clocks, now),
		Coordinate: iv.Actor == incident.ActorCoordinator, WorkTasks: iv.Actor.CanWorkTasks(),
		CanNote: iv.Actor.CanNote(incident.Shared), Internal: iv.Actor.CanNote(incident.Internal),
		Category: incidentCategoryLabel(tr, w.incidents.Taxonomy(), inc.Category), Templates: incident.Templates(inc.Category),
		Triage: fs.triage, Move: fs.move, Reject: fs.reject, Merge: fs.merge, Note: fs.note, Task: fs.task,
		Pause: fs.pause, Link: fs.link, File: fs.file, PrintedAt: now, Sevs: incidentSeverityOptions()}
	v.Title = inc.Reference
	v.Tasks = incidentTasksShown(tr, iv.Tasks)
	if inc.ReporterID == "" && inc.ReporterLabel == "system" {
		v.Incident.ReporterLabel = tr.T("incident.actor_system")
	}
	v.Evidence = w.evidence != nil && s.P.CanOn(auth.PermEvidenceAssign, inc.OrgID)
	if tmpl == "incident" {
		if v.EvidenceCase, v.EvidenceShared, err = w.incidentEvidence(r.Context(), s.P, inc.ID); err != nil {
			return err
		}
	}
	for _, e := range iv.Timeline {
		row := incidentEntry{Entry: incidentEntryShown(tr, w.incidents.Taxonomy(), e)}
		if e.Kind == "state" {
			var d struct{ From, To incident.State }
			if json.Unmarshal([]byte(e.Detail), &d) == nil && d.From.Valid() && d.To.Valid() {
				row.From, row.To = d.From, d.To
			}
		}
		v.Entries = append(v.Entries, row)
	}
	for _, st := range iv.Next {
		if st != incident.StateTriaged && st != incident.StateRejected && st != incident.StateMerged {
			v.Moves = append(v.Moves, st)
		}
	}
	if v.Note.Get("visibility") == "" {
		v.Note.Set("visibility", string(incident.Shared))
	}
	if v.Coordinate {
		if v.Triage.Get("category") == "" && len(v.Triage.Banner) == 0 && len(v.Triage.Errors) == 0 {
			v.Triage.Set("category", inc.Category)
			v.Triage.Set("severity", string(inc.Severity))
			if inc.Severity == "" {
				v.Triage.Set("severity", string(inc.ProposedSeverity))
			}
			v.Triage.Set("severity_reason", inc.SeverityReason)
			v.Triage.Set("tlp", inc.TLP.String())
			v.Triage.Set("owner_id", inc.OwnerID)
			v.Triage.Set("clock_profile", inc.ClockProfile)
			v.Triage.SetBool("personal_data", inc.PersonalData)
		}
		v.Categories = incidentCategoryOptions(tr, w.incidents.Taxonomy())
		for _, l := range []string{"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"} {
			v.TLPs = append(v.TLPs, Option{Value: l, Label: "TLP:" + l})
		}
		for _, p := range w.incidents.Clocks().BaseProfiles() {
			v.Profiles = append(v.Profiles, Option{Value: p, Key: "incident_profile." + p})
		}
		v.Owners = []Option{{Value: s.P.UserID, Label: s.P.Email}}
		if inc.OwnerID != "" && inc.OwnerID != s.P.UserID {
			v.Owners = append(v.Owners, Option{Value: inc.OwnerID, Label: inc.OwnerLabel})
		}
		// Other coordinators, when the viewer may list users.
		if users, err := w.auth.ListUsers(r.Context(), s.P, auth.UserFilter{Role: auth.RoleCoordinator}, page.Request{Limit: 200}); err == nil {
			for _, u := range users.Items {
				if !slices.ContainsFunc(v.Owners, func(o Option) bool { return o.Value == u.ID }) {
					v.Owners = append(v.Owners, Option{Value: u.ID, Label: u.Email})
				}
			}
		}
	}
	if v.WorkTasks {
		v.People = append(v.People, Option{Value: s.P.UserID, Label: s.P.Email})
		for _, o := range v.Owners {
			if o.Value == s.P.UserID {
				continue
			}
			v.People = append(v.People, o)
		}
		for _, m := range iv.Members {
			if m.RevokedAt.IsZero() && m.UserID != s.P.UserID {
				v.People = append(v.People, Option{Value: m.UserID, Label: m.Email})
			}
		}
	}
	if w.incidentMobilisation != nil && tmpl == "incident" {
		if v.Mobilisation, err = w.incidentMobilisation(r.Context(), s.P, iv); err != nil {
			return err
		}
	}
	status := http.StatusOK
	for _, f := range []*Form{fs.triage, fs.move, fs.reject, fs.merge, fs.note, fs.task, fs.pause, fs.link, fs.file} {
		if f.Status() != http.StatusOK {
			status = f.Status()
		}
	}
	return w.views.render(rw, r, status, tmpl, &v)
}
