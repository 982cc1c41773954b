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
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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

// incidentClockRow is one clock as a page shows it.
type incidentClockRow struct {
	incident.Clock
	Status    string
	Left      string // "3 h 20 min", "−1 d 2 h" when past (in the page's language)
	Breached  bool
	Countdown bool // still running
}

func incidentClockRows(tr *translator, cs []incident.Clock, now time.Time) []incidentClockRow {
	out := make([]incidentClockRow, 0, len(cs))
	for _, c := range cs {
		st := c.Status(now)
		out = append(out, incidentClockRow{Clock: c, Status: st, Left: incidentDuration(tr, c.Remaining(now)),
			Breached: st == incident.ClockBreached, Countdown: st == incident.ClockRunning || st == incident.ClockPaused})
	}
	return out
}

// incidentDuration writes d as days, hours and minutes in the page's
// language ("3 ngày 2 giờ", "3 d 2 h").
func incidentDuration(tr *translator, d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "−", -d
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, incidentItoa(days)+" "+tr.T("incident.unit_day"))
	}
	if hours > 0 || days > 0 {
		parts = append(parts, incidentItoa(hours)+" "+tr.T("incident.unit_hour"))
	}
	if days == 0 {
		parts = append(parts, incidentItoa(mins)+" "+tr.T("incident.unit_minute"))
	}
	return sign + strings.Join(parts, " ")
}

func incidentItoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// incidentRSITKey is the catalogue key of an RSIT class ("rsit.fraud") or,
// with typ, of one of its types ("rsit.fraud.phishing"). The stored values
// stay the RSIT machine names; only the page shows the label.
func incidentRSITKey(class, typ string) string {
	if typ == "" {
		return "rsit." + class
	}
	return "rsit." + class + "." + typ
}

// incidentCategoryLabel names a category ("class" or "class/type") in the
// page's language: "Mã độc / Hệ thống bị nhiễm mã độc". A value outside the
// taxonomy is shown as it is.
func incidentCategoryLabel(tr *translator, tax *incident.Taxonomy, category string) string {
	if category == "" || !tax.Valid(category) {
		return category
	}
	class, typ, _ := strings.Cut(category, "/")
	label := tr.T(incidentRSITKey(class, ""))
	if typ != "" {
		label += " / " + tr.T(incidentRSITKey(class, typ))
	}
	return label
}

// incidentCategoryOptions lists every "class/type" of the taxonomy, labelled
// in the page's language.
func incidentCategoryOptions(tr *translator, tax *incident.Taxonomy) []Option {
	cats := tax.Categories()
	out := make([]Option, 0, len(cats))
	for _, c := range cats {
		out = append(out, Option{Value: c, Label: incidentCategoryLabel(tr, tax, c)})
	}
	return out
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

// incidentEntry is a timeline entry as shown: a state change names its
// states (translated by the page).
type incidentEntry struct {
	incident.Entry
	From, To incident.State
}

// incidentEntryShown puts the machine words the service writes into a
// timeline entry (an RSIT label, a clock or task state name, a Go duration,
// the "system" actor) into the page's language. Free text is left alone;
// an entry that does not have the expected shape is shown as stored.
func incidentEntryShown(tr *translator, tax *incident.Taxonomy, e incident.Entry) incident.Entry {
	if e.ActorID == "" && e.Actor == "system" {
		e.Actor = tr.T("incident.actor_system")
	}
	switch e.Kind {
	case "triaged":
		// "<RSIT label> · S2 · TLP:AMBER", the label in the taxonomy's English.
		label, rest, ok := strings.Cut(e.Body, " · ")
		if !ok {
			break
		}
		for _, c := range tax.Categories() {
			if tax.Label(c) == label {
				e.Body = incidentCategoryLabel(tr, tax, c) + " · " + rest
				break
			}
		}
	case "clock.breached":
		if e.Body != "" && tr.has("incident_clock."+e.Body) {
			e.Body = tr.T("incident_clock." + e.Body)
		}
	case "task.added":
		e.Body = incidentTaskTitle(tr, "", e.Body)
	case "task.updated":
		// "<title> (<task state>)"
		if i := strings.LastIndex(e.Body, " ("); i >= 0 && strings.HasSuffix(e.Body, ")") {
			if st := incident.TaskState(e.Body[i+2 : len(e.Body)-1]); st.Valid() {
				e.Body = incidentTaskTitle(tr, "", e.Body[:i]) + " (" + tr.T("incident_task_state."+string(st)) + ")"
			}
		}
	case "clocks.resumed":
		// how long the clocks stood still, as time.Duration.String
		if d, err := time.ParseDuration(e.Body); err == nil {
			e.Body = incidentDuration(tr, d)
		}
	}
	return e
}

// incidentTemplateTask finds the task of template tmpl (any template when
// "") whose title is title: its catalogue key ("incident_template_task.
// malware.2", with ".title" and ".desc") and its stored texts.
func incidentTemplateTask(tmpl, title string) (string, incident.TaskTemplate, bool) {
	for _, t := range incident.Templates("") {
		if tmpl != "" && t.Key != tmpl {
			continue
		}
		for i, tt := range t.Tasks {
			if tt.Title == title {
				return "incident_template_task." + t.Key + "." + strconv.Itoa(i+1), tt, true
			}
		}
	}
	return "", incident.TaskTemplate{}, false
}

// incidentTaskTitle shows a title a task template wrote, unchanged, in the
// page's language; any other title as it is.
func incidentTaskTitle(tr *translator, tmpl, title string) string {
	if key, _, ok := incidentTemplateTask(tmpl, title); ok {
		return tr.T(key + ".title")
	}
	return title
}

// incidentTasksShown returns a copy of tasks with the texts that came from
// a task template (and were not edited since) in the page's language. The
// stored texts are the template's Vietnamese.
func incidentTasksShown(tr *translator, tasks []incident.Task) []incident.Task {
	out := slices.Clone(tasks)
	for i, t := range out {
		if t.Template == "" {
			continue
		}
		key, tt, ok := incidentTemplateTask(t.Template, t.Title)
		if !ok {
			continue
		}
		out[i].Title = tr.T(key + ".title")
		if t.Description == tt.Description {
			out[i].Description = tr.T(key + ".desc")
		}
	}
	return out
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

// incidentAct reads a form, runs do, and either goes back to the incident
// with a flash or shows the page with the problem beside the form's fields.
func (w *Web) incidentAct(rw http.ResponseWriter, r *http.Request, s *session, fields []string, slot func(*incidentForms) **Form,
	flash string, do func(f *Form) error) error {
	f, err := readForm(rw, r, fields...)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := do(f); err != nil {
		if !f.Take(err) {
			return err
		}
		var fs incidentForms
		*slot(&fs) = f
		return w.renderIncident(rw, r, s, id, fs, "incident")
	}
	return w.redirect(rw, r, "/incidents/"+url.PathEscape(id), flash)
}

func (w *Web) incidentTriage(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentTriageFields, func(fs *incidentForms) **Form { return &fs.triage }, "flash.incident_triaged",
		func(f *Form) error {
			_, err := w.incidents.Triage(r.Context(), s.P, r.PathValue("id"), incident.Triage{Category: f.Get("category"),
				Severity: f.Get("severity"), SeverityReason: f.Get("severity_reason"), TLP: f.Get("tlp"),
				OwnerID: f.Get("owner_id"), ClockProfile: f.Get("clock_profile"), PersonalData: new(f.Bool("personal_data"))})
			return err
		})
}

func (w *Web) incidentTransition(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentMoveFields, func(fs *incidentForms) **Form { return &fs.move }, "flash.incident_moved",
		func(f *Form) error {
			_, err := w.incidents.Transition(r.Context(), s.P, r.PathValue("id"), incident.State(f.Get("state")), f.Get("note"))
			return err
		})
}

func (w *Web) incidentReject(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentRejectFields, func(fs *incidentForms) **Form { return &fs.reject }, "flash.incident_rejected",
		func(f *Form) error {
			_, err := w.incidents.Reject(r.Context(), s.P, r.PathValue("id"), f.Get("reason"))
			return err
		})
}

func (w *Web) incidentMerge(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentMergeFields, func(fs *incidentForms) **Form { return &fs.merge }, "flash.incident_merged",
		func(f *Form) error {
			_, err := w.incidents.Merge(r.Context(), s.P, r.PathValue("id"), f.Get("into"), f.Get("note"))
			return err
		})
}

func (w *Web) incidentNote(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentNoteFields, func(fs *incidentForms) **Form { return &fs.note }, "flash.incident_noted",
		func(f *Form) error {
			_, err := w.incidents.AddNote(r.Context(), s.P, r.PathValue("id"), f.Get("body"), incident.Visibility(f.Get("visibility")))
			return err
		})
}

func (w *Web) incidentTaskAdd(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentTaskFields, func(fs *incidentForms) **Form { return &fs.task }, "flash.incident_task_added",
		func(f *Form) error {
			due, ok := incidentParseLocal(f.Get("due_at"), w.zone())
			if !ok {
				return errs.Invalid("incident.invalid", "not a date", errs.Field("due_at", "incident.bad_time", "not a date and time"))
			}
			_, err := w.incidents.AddTask(r.Context(), s.P, r.PathValue("id"), incident.TaskInput{Title: f.Get("title"),
				Description: f.Get("description"), AssigneeID: f.Get("assignee_id"), DueAt: due}, f.Get("template"))
			return err
		})
}

// incidentTaskUpdate changes a task's state (and, for a free task, takes it).
func (w *Web) incidentTaskUpdate(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, "state", "take")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	in := incident.TaskInput{State: incident.TaskState(f.Get("state"))}
	if f.Bool("take") {
		in.AssigneeID = s.P.UserID
	}
	if _, err := w.incidents.UpdateTask(r.Context(), s.P, id, r.PathValue("task"), in); err != nil {
		tf := newForm(incidentTaskFields...)
		if !tf.Take(err) {
			return err
		}
		return w.renderIncident(rw, r, s, id, incidentForms{task: tf}, "incident")
	}
	return w.redirect(rw, r, "/incidents/"+url.PathEscape(id)+"#tasks", "flash.incident_task_updated")
}

func (w *Web) incidentPause(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentPauseFields, func(fs *incidentForms) **Form { return &fs.pause }, "flash.incident_paused",
		func(f *Form) error {
			_, err := w.incidents.Pause(r.Context(), s.P, r.PathValue("id"), f.Get("reason"))
			return err
		})
}

func (w *Web) incidentResume(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, nil, func(fs *incidentForms) **Form { return &fs.pause }, "flash.incident_resumed",
		func(f *Form) error {
			_, err := w.incidents.Resume(r.Context(), s.P, r.PathValue("id"))
			return err
		})
}

func (w *Web) incidentLinkAlert(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentLinkFields, func(fs *incidentForms) **Form { return &fs.link }, "flash.incident_alert_linked",
		func(f *Form) error {
			_, err := w.incidents.LinkAlert(r.Context(), s.P, r.PathValue("id"), f.Get("alert_id"))
			return err
		})
}

// incidentFileAdd streams one uploaded file into the incident's files. The
// visibility field must come before the file in the form (it does in ours).
func (w *Web) incidentFileAdd(rw http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	r.Body = http.MaxBytesReader(rw, r.Body, incident.MaxFile+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return errs.New(errs.KindBadRequest, "request.bad_form", "the form could not be read")
	}
	f := newForm(incidentFileFields...)
	// Who may see the file must be known before its bytes are stored: a
	// client that sends the file part first gets a field error, never a
	// default that could share an internal file with the organisation.
	vis, visSet := incident.Shared, false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return errs.New(errs.KindTooLarge, "request.too_large", "the file is too large")
			}
			return errs.New(errs.KindBadRequest, "request.bad_form", "the form could not be read")
		}
		switch part.FormName() {
		case "visibility":
			b, _ := io.ReadAll(io.LimitReader(part, 32))
			vis, visSet = incident.Visibility(strings.TrimSpace(string(b))), true
			f.Set("visibility", string(vis))
		case "file":
			if part.FileName() == "" {
				continue
			}
			if !visSet {
				f.Fail(errs.Field("visibility", "incident.visibility_first", "say who may see the file before the file itself"))
				return w.renderIncident(rw, r, s, id, incidentForms{file: f}, "incident")
			}
			_, err := w.incidents.AttachFile(r.Context(), s.P, id, part.FileName(), part.Header.Get("Content-Type"), vis, part)
			if err != nil {
				if !f.Take(err) {
					return err
				}
				return w.renderIncident(rw, r, s, id, incidentForms{file: f}, "incident")
			}
			return w.redirect(rw, r, "/incidents/"+url.PathEscape(id)+"#files", "flash.incident_file_added")
		}
	}
	f.Fail(errs.Field("file", "incident.no_file", "choose a file"))
	return w.renderIncident(rw, r, s, id, incidentForms{file: f}, "incident")
}

// incidentFile sends an attached file as a download, never rendered inline.
func (w *Web) incidentFile(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, rc, err := w.incidents.OpenFile(r.Context(), s.P, r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		return err
	}
	defer rc.Close()
	h := rw.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	h.Set("Cache-Control", "no-store")
	_, _ = io.Copy(rw, rc)
	return nil
}
