// How incident pages say things in the viewer's language: clocks and
// durations, RSIT categories, timeline entries and template tasks.

package web

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/incident"
)

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
