package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/page"
)

// alertKinds are the kinds of alert a list can be filtered by.
var alertKinds = []alert.Kind{alert.KindIndicator, alert.KindRule, alert.KindSensorSilent, alert.KindSensorRecovered}

// alertRow is one alert as a list shows it: the alert as its viewer may see
// it, and the names of the involved organisations the viewer may see.
type alertRow struct {
	alert.Alert
	OrgNames []string
	Others   int // involved organisations the viewer may not see
}

func newAlertRow(a alert.Alert, orgs Orgs) alertRow {
	row := alertRow{Alert: a}
	var seen []string
	for _, o := range a.Orgs {
		if slices.Contains(seen, o.OrgID) {
			continue // one organisation may be involved for two reasons
		}
		seen = append(seen, o.OrgID)
		if n, ok := orgs.name[o.OrgID]; ok {
			row.OrgNames = append(row.OrgNames, n)
		} else {
			row.Others++
		}
	}
	return row
}

// alertFilterOf reads the list's filters from a query.
func alertFilterOf(q url.Values) alert.Filter {
	return alert.Filter{State: alert.State(q.Get("state")), Kind: alert.Kind(q.Get("kind")),
		OrgID: q.Get("org"), Query: strings.TrimSpace(q.Get("q"))}
}

// alertListView lists alerts, newest first, and streams new ones.
type alertListView struct {
	Base
	Filter        alert.Filter
	Items         []alertRow
	Orgs          Orgs
	States, Kinds []Option
	Pager         Pager
	Live          string // the stream's URL on the first page; "" after
}

func needAlertRead(p auth.Principal) error {
	if !p.Can(auth.PermAlertRead) {
		return errs.New(errs.KindForbidden, "alert.forbidden", "your role may not see alerts")
	}
	return nil
}

func (w *Web) alertList(rw http.ResponseWriter, r *http.Request, s *session) error {
	ctx, p, q := r.Context(), s.P, r.URL.Query()
	if err := needAlertRead(p); err != nil {
		return err
	}
	all, err := w.orgs(ctx, p)
	if err != nil {
		return err
	}
	v := alertListView{Base: w.newBase(rw, r, s, "alerts", "alerts.title"), Filter: alertFilterOf(q), Orgs: all,
		States: enumOptions("alert_state.", alert.States), Kinds: enumOptions("alert_kind.", alertKinds)}
	res, err := w.alerts.List(ctx, p, v.Filter, page.Request{Limit: 50, Cursor: q.Get("cursor"), Sort: "-last_seen"})
	if err != nil {
		return err
	}
	for _, a := range res.Items {
		v.Items = append(v.Items, newAlertRow(a, all))
	}
	v.Pager = pager("/alerts", q, res.Next)
	if q.Get("cursor") == "" {
		live := cloneValues(q)
		live.Del("cursor")
		v.Live = "/alerts/live"
		if len(live) > 0 {
			v.Live += "?" + live.Encode()
		}
	}
	return w.views.render(rw, r, http.StatusOK, "alerts", &v)
}

// alertView is one alert with its history and the triage forms.
type alertView struct {
	Base
	Alert     alertRow
	History   []alert.Change
	Excerpt   string         // the event excerpt as indented JSON
	Sensor    *ingest.Sensor // the sensor that saw it, when the viewer may see it
	Form      *Form          // the triage forms' inputs and problems
	CanTriage bool
	MinExpiry string // bounds of the suppression's datetime-local input
	MaxExpiry string
}

var triageFields = []string{"note", "reason", "suppress_until"}

func (w *Web) alertShow(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderAlert(rw, r, s, newForm(triageFields...))
}

func (w *Web) renderAlert(rw http.ResponseWriter, r *http.Request, s *session, f *Form) error {
	ctx, p := r.Context(), s.P
	a, hist, err := w.alerts.Get(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	all, err := w.orgs(ctx, p)
	if err != nil {
		return err
	}
	v := alertView{Base: w.newBase(rw, r, s, "alerts", "alert.title"), Alert: newAlertRow(a, all), History: hist,
		Excerpt: prettyJSON(a.Excerpt), Form: f, CanTriage: canTriage(p, a)}
	if v.Title = a.Title; a.Redacted {
		v.Title = w.views.translator(s.Lang()).T("alert.redacted_title")
	}
	if a.SensorID != "" {
		if sn, err := w.ingest.Get(ctx, p, a.SensorID); err == nil {
			v.Sensor = &sn
		}
	}
	zone := w.views.translator(s.Lang()).zone
	now := w.now().In(zone)
	v.MinExpiry, v.MaxExpiry = now.Add(time.Minute).Format(localMinute), now.AddDate(1, 0, 0).Format(localMinute)
	return w.views.render(rw, r, f.Status(), "alert", &v)
}

// canTriage reports whether p may triage for an organisation a involves.
func canTriage(p auth.Principal, a alert.Alert) bool {
	sc := p.Scope(auth.PermAlertTriage)
	return slices.ContainsFunc(a.Orgs, func(o alert.Involved) bool { return sc.Allows(o.OrgID) }) || sc.All
}

// prettyJSON indents a JSON excerpt; anything else is shown as it is.
func prettyJSON(s string) string {
	if s == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(s), "", "  "); err != nil {
		return s
	}
	return buf.String()
}

// localMinute is the value format of a datetime-local input.
const localMinute = "2006-01-02T15:04"

// triage runs one triage step from a posted form. The alert is read first,
// through the caller's scope, so that another tenant's alert is 404 whatever
// the step; a refusal is shown on the alert page beside the input concerned.
func (w *Web) triage(rw http.ResponseWriter, r *http.Request, s *session, flash string,
	step func(ctx context.Context, f *Form, id string) error) error {
	id := r.PathValue("id")
	if _, _, err := w.alerts.Get(r.Context(), s.P, id); err != nil {
		return err
	}
	f, err := readForm(rw, r, triageFields...)
	if err != nil {
		return err
	}
	if err := step(r.Context(), f, id); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderAlert(rw, r, s, f)
	}
	return w.redirect(rw, r, "/alerts/"+url.PathEscape(id), flash)
}

func (w *Web) alertAcknowledge(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.triage(rw, r, s, "flash.alert_acknowledged", func(ctx context.Context, _ *Form, id string) error {
		_, err := w.alerts.Acknowledge(ctx, s.P, id)
		return err
	})
}

func (w *Web) alertClose(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.triage(rw, r, s, "flash.alert_closed", func(ctx context.Context, f *Form, id string) error {
		_, err := w.alerts.Close(ctx, s.P, id, f.Get("note"))
		return err
	})
}

func (w *Web) alertFalsePositive(rw http.ResponseWriter, r *http.Request, s *session) error {
	zone := w.views.translator(s.Lang()).zone
	return w.triage(rw, r, s, "flash.alert_false_positive", func(ctx context.Context, f *Form, id string) error {
		var until time.Time
		if v := strings.TrimSpace(f.Get("suppress_until")); v != "" {
			t, err := time.ParseInLocation(localMinute, v, zone)
			if err != nil {
				return errs.Invalid("alert.bad_expiry", "the suppression end is not a date and time",
					errs.Field("suppress_until", "alert.bad_expiry", "choose a time in the future, at most a year away"))
			}
			until = t.UTC()
		}
		_, err := w.alerts.FalsePositive(ctx, s.P, id, f.Get("reason"), until)
		return err
	})
}

func (w *Web) alertEscalate(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.triage(rw, r, s, "flash.alert_escalated", func(ctx context.Context, _ *Form, id string) error {
		_, _, err := w.alerts.Escalate(ctx, s.P, id)
		return err
	})
}

// monitoringCounts are the dashboard's monitoring figures.
type monitoringCounts struct {
	ShowAlerts, ShowSensors bool
	OpenAlerts, Silent      Count
}

// monitoringCounts counts the open alerts and silent sensors p may see.
func (w *Web) monitoringCounts(ctx context.Context, p auth.Principal) (monitoringCounts, error) {
	m := monitoringCounts{ShowAlerts: p.Can(auth.PermAlertRead), ShowSensors: p.Can(auth.PermOrgRead)}
	if m.ShowAlerts {
		for _, st := range []alert.State{alert.StateNew, alert.StateAcknowledged} {
			c, err := countAll(func(pr page.Request) (page.Result[alert.Alert], error) {
				pr.Sort = "-last_seen" // explicit, so that every page keeps the same order
				return w.alerts.List(ctx, p, alert.Filter{State: st}, pr)
			})
			if err != nil {
				return m, err
			}
			m.OpenAlerts.N, m.OpenAlerts.More = m.OpenAlerts.N+c.N, m.OpenAlerts.More || c.More
		}
	}
	if m.ShowSensors {
		silent := true
		c, err := countAll(func(pr page.Request) (page.Result[ingest.Sensor], error) {
			return w.ingest.List(ctx, p, ingest.SensorFilter{Silent: &silent}, pr)
		})
		if err != nil {
			return m, err
		}
		m.Silent = c
	}
	return m, nil
}
