package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/page"
)

// sensorListView lists sensors with their health at a glance.
type sensorListView struct {
	Base
	OrgID  string
	Silent string // "1": only silent ones
	Items  []ingest.Sensor
	Orgs   Orgs
	Pager  Pager
	CanNew bool
}

func (w *Web) sensorList(rw http.ResponseWriter, r *http.Request, s *session) error {
	ctx, p, q := r.Context(), s.P, r.URL.Query()
	all, err := w.orgs(ctx, p)
	if err != nil {
		return err
	}
	v := sensorListView{Base: w.newBase(rw, r, s, "sensors", "sensors.title"), Orgs: all,
		OrgID: q.Get("org"), Silent: q.Get("silent"), CanNew: p.Can(auth.PermSensorManage)}
	f := ingest.SensorFilter{OrgID: v.OrgID}
	if v.Silent == "1" {
		f.Silent = new(true)
	}
	res, err := w.ingest.List(ctx, p, f, page.Request{Limit: 50, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	v.Items, v.Pager = res.Items, pager("/sensors", q, res.Next)
	return w.views.render(rw, r, http.StatusOK, "sensors", &v)
}

// sensorFormView registers a sensor.
type sensorFormView struct {
	Base
	Form  *Form
	Orgs  []Option
	Kinds []Option
}

var sensorFields = []string{"org_id", "name", "kind", "cadence", "source_cidr"}

func (w *Web) renderSensorForm(rw http.ResponseWriter, r *http.Request, s *session, f *Form) error {
	all, err := w.orgs(r.Context(), s.P)
	if err != nil {
		return err
	}
	v := sensorFormView{Base: w.newBase(rw, r, s, "sensors", "sensor.new_title"), Form: f,
		Orgs:  all.Options(func(id string) bool { return s.P.CanOn(auth.PermSensorManage, id) }),
		Kinds: enumOptions("sensor_kind.", ingest.Kinds)}
	return w.views.render(rw, r, f.Status(), "sensor_form", &v)
}

func (w *Web) sensorNew(rw http.ResponseWriter, r *http.Request, s *session) error {
	f := newForm(sensorFields...)
	orgID := r.URL.Query().Get("org")
	if orgID == "" && len(s.P.Orgs) == 1 {
		orgID = s.P.Orgs[0]
	}
	f.Set("org_id", orgID)
	f.Set("kind", string(ingest.KindSuricata))
	f.Set("cadence", strconv.Itoa(int(ingest.DefaultCadence/time.Minute)))
	return w.renderSensorForm(rw, r, s, f)
}

// wholeNumber reads an input of a whole number of units (minutes, days);
// empty is 0, which the services read as their default. Anything else is
// marked beside the input, and ok is false.
func wholeNumber(f *Form, name, code, msg string) (n int, ok bool) {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		f.Fail(errs.Field(name, code, msg))
		return 0, false
	}
	return n, true
}

func (w *Web) sensorCreate(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, sensorFields...)
	if err != nil {
		return err
	}
	cadence, ok := wholeNumber(f, "cadence", "sensor.bad_cadence", "the expected cadence must be between 1 minute and 7 days")
	if !ok {
		return w.renderSensorForm(rw, r, s, f)
	}
	sn, token, err := w.ingest.Register(r.Context(), s.P, ingest.Sensor{OrgID: f.Get("org_id"), Name: f.Get("name"),
		Kind: ingest.Kind(f.Get("kind")), Cadence: time.Duration(cadence) * time.Minute,
		SourceCIDR: strings.TrimSpace(f.Get("source_cidr"))})
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderSensorForm(rw, r, s, f)
	}
	return w.renderSensorToken(rw, r, s, sn, token, "sensor.created")
}

// sensorTokenView shows a sensor's new token, once, with the command that
// sends a batch with it.
type sensorTokenView struct {
	Base
	Sensor  ingest.Sensor
	Token   string
	Command string
	Lead    string // catalogue key: registered or rotated
}

func (w *Web) renderSensorToken(rw http.ResponseWriter, r *http.Request, s *session, sn ingest.Sensor, token, lead string) error {
	v := sensorTokenView{Base: w.newBase(rw, r, s, "sensors", "sensor.token_title"), Sensor: sn, Token: token, Lead: lead,
		Command: "curl -H 'Authorization: Bearer " + token + "' --data-binary @events.ndjson " + w.sensorBase(r) + "/ingest/v1/events"}
	v.Title = sn.Name
	return w.views.render(rw, r, http.StatusOK, "sensor_token", &v)
}

// sensorBase is the URL sensors reach Khiên at: the configured base URL,
// else the scheme and host the browser used.
func (w *Web) sensorBase(r *http.Request) string {
	if w.baseURL != "" {
		return w.baseURL
	}
	scheme := "http"
	if r.TLS != nil || w.cookieSecure {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// sensorView is one sensor: its settings, the last hour and its rejects.
type sensorView struct {
	Base
	Sensor    ingest.Sensor
	OrgName   string
	Cadence   int // minutes
	Chart     barChart
	Rejects   []ingest.Reject
	CanManage bool
}

func (w *Web) sensorShow(rw http.ResponseWriter, r *http.Request, s *session) error {
	ctx, p := r.Context(), s.P
	sn, err := w.ingest.Get(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	h, err := w.ingest.Health(ctx, p, sn.ID)
	if err != nil {
		return err
	}
	v := sensorView{Base: w.newBase(rw, r, s, "sensors", "sensor.title"), Sensor: sn, Rejects: h.Rejects,
		Cadence: int(sn.Cadence / time.Minute), Chart: newBarChart(h.Minutes, w.now()),
		CanManage: p.CanOn(auth.PermSensorManage, sn.OrgID)}
	v.Title = sn.Name
	if o, err := w.org.GetOrg(ctx, p, sn.OrgID); err == nil {
		v.OrgName = o.Name
	}
	return w.views.render(rw, r, http.StatusOK, "sensor", &v)
}

func (w *Web) sensorRotate(rw http.ResponseWriter, r *http.Request, s *session) error {
	sn, err := w.ingest.Get(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	token, err := w.ingest.RotateToken(r.Context(), s.P, sn.ID)
	if err != nil {
		return err
	}
	return w.renderSensorToken(rw, r, s, sn, token, "sensor.rotated")
}

func (w *Web) sensorDisable(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.setSensorDisabled(rw, r, s, true, "flash.sensor_disabled")
}

func (w *Web) sensorEnable(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.setSensorDisabled(rw, r, s, false, "flash.sensor_enabled")
}

func (w *Web) setSensorDisabled(rw http.ResponseWriter, r *http.Request, s *session, disabled bool, flash string) error {
	sn, err := w.ingest.Get(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	sn.Disabled = disabled
	if _, err := w.ingest.Update(r.Context(), s.P, sn); err != nil {
		return err
	}
	return w.redirect(rw, r, "/sensors/"+url.PathEscape(sn.ID), flash)
}

// barChart is a sensor's last hour as an SVG bar chart drawn on the server:
// one bar per minute, accepted events below and rejected ones stacked on top.
type barChart struct {
	Width, Height     int
	Bars              []bar
	Accepted, Rejects int64
	Peak              int64 // the busiest minute's events
}

type bar struct {
	Minute             time.Time
	Accepted, Rejected int64
	X, W               int
	AY, AH, RY, RH     int // accepted and rejected rectangles
}

const (
	chartMinutes = 60
	chartBar     = 10 // horizontal pitch of a bar
	chartHeight  = 120
)

func newBarChart(ms []ingest.Minute, now time.Time) barChart {
	c := barChart{Width: chartMinutes * chartBar, Height: chartHeight}
	byMinute := make(map[int64]ingest.Minute, len(ms))
	for _, m := range ms {
		byMinute[m.Minute.UTC().Truncate(time.Minute).Unix()] = m
	}
	start := now.UTC().Truncate(time.Minute).Add(-(chartMinutes - 1) * time.Minute)
	for i := range chartMinutes {
		t := start.Add(time.Duration(i) * time.Minute)
		m := byMinute[t.Unix()]
		c.Bars = append(c.Bars, bar{Minute: t, Accepted: m.Accepted, Rejected: m.Rejected, X: i * chartBar, W: chartBar - 2})
		c.Accepted, c.Rejects = c.Accepted+m.Accepted, c.Rejects+m.Rejected
		c.Peak = max(c.Peak, m.Accepted+m.Rejected)
	}
	if c.Peak == 0 {
		return c
	}
	for i := range c.Bars {
		b := &c.Bars[i]
		b.AH = int(b.Accepted * chartHeight / c.Peak)
		b.RH = int(b.Rejected * chartHeight / c.Peak)
		if b.Accepted > 0 && b.AH == 0 {
			b.AH = 1 // a minute with events never looks empty
		}
		if b.Rejected > 0 && b.RH == 0 {
			b.RH = 1
		}
		b.AY = chartHeight - b.AH
		b.RY = b.AY - b.RH
	}
	return c
}
