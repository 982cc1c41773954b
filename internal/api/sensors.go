package api

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/page"
)

// sensorJSON is a sensor as the API shows it. Durations are whole seconds
// (cadence_seconds), not Go's nanoseconds.
type sensorJSON struct {
	ID         string      `json:"id"`
	OrgID      string      `json:"org_id"`
	Name       string      `json:"name"`
	Kind       ingest.Kind `json:"kind"`
	SourceCIDR string      `json:"source_cidr,omitempty"`
	Cadence    int64       `json:"cadence_seconds"`
	Disabled   bool        `json:"disabled"`
	LastSeen   time.Time   `json:"last_seen,omitzero"`
	Silent     bool        `json:"silent"`
	Accepted   int64       `json:"accepted_total"`
	Rejected   int64       `json:"rejected_total"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
}

func toSensorJSON(s ingest.Sensor) sensorJSON {
	return sensorJSON{ID: s.ID, OrgID: s.OrgID, Name: s.Name, Kind: s.Kind, SourceCIDR: s.SourceCIDR,
		Cadence: int64(s.Cadence / time.Second), Disabled: s.Disabled, LastSeen: s.LastSeen, Silent: s.Silent,
		Accepted: s.Accepted, Rejected: s.Rejected, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// sensorInput is the body of POST /orgs/{org}/sensors.
type sensorInput struct {
	Name       string      `json:"name"`
	Kind       ingest.Kind `json:"kind"`
	Cadence    int64       `json:"cadence_seconds"`
	SourceCIDR string      `json:"source_cidr"`
}

// sensorPatch is the body of PATCH /sensors/{id}. The organisation and the
// kind of a sensor do not change.
type sensorPatch struct {
	Name       *string `json:"name"`
	Cadence    *int64  `json:"cadence_seconds"`
	SourceCIDR *string `json:"source_cidr"`
	Disabled   *bool   `json:"disabled"`
}

// sensorToken is the answer that carries a sensor token, shown once.
type sensorToken struct {
	Sensor sensorJSON `json:"sensor"`
	Token  string     `json:"token"`
}

func (a *API) listSensors(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	f := ingest.SensorFilter{}
	if s := q.Get("silent"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errs.Invalid("request.bad_parameter", "a query parameter is not valid",
				errs.Field("silent", "request.bad_parameter", "true or false"))
		}
		f.Silent = &b
	}
	if f.OrgID, err = a.orgID(r, p); err != nil {
		return err
	}
	res, err := a.ingest.List(r.Context(), p, f, pr)
	if err != nil {
		return err
	}
	out := page.Result[sensorJSON]{Items: make([]sensorJSON, 0, len(res.Items)), Next: res.Next}
	for _, s := range res.Items {
		out.Items = append(out.Items, toSensorJSON(s))
	}
	return ok(w, out)
}

func (a *API) registerSensor(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in sensorInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	orgID, err := a.orgID(r, p)
	if err != nil {
		return err
	}
	s, token, err := a.ingest.Register(r.Context(), p, ingest.Sensor{OrgID: orgID, Name: in.Name, Kind: in.Kind,
		Cadence: seconds(in.Cadence), SourceCIDR: in.SourceCIDR})
	if err != nil {
		return renameFields(err, sensorFieldNames)
	}
	return created(w, sensorToken{Sensor: toSensorJSON(s), Token: token})
}

// sensorFieldNames maps the service's field names to the API's.
var sensorFieldNames = map[string]string{"cadence": "cadence_seconds"}

// renameFields returns err with its problems' field names mapped to the
// names of the API's JSON bodies, where they differ from the service's.
func renameFields(err error, names map[string]string) error {
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = slices.Clone(e.Fields)
	for i, f := range c.Fields {
		if to, ok := names[f.Field]; ok {
			c.Fields[i].Field = to
		}
	}
	return &c
}

// seconds turns a count of seconds into a duration; out-of-range counts
// become a duration the service refuses rather than one that wraps.
func seconds(n int64) time.Duration {
	if n < 0 || n > int64(365*24*time.Hour/time.Second) {
		return -1
	}
	return time.Duration(n) * time.Second
}

func (a *API) getSensor(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	s, err := a.ingest.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, toSensorJSON(s))
}

func (a *API) updateSensor(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in sensorPatch
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	s, err := a.ingest.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	set(&s.Name, in.Name)
	set(&s.SourceCIDR, in.SourceCIDR)
	set(&s.Disabled, in.Disabled)
	if in.Cadence != nil {
		s.Cadence = seconds(*in.Cadence)
	}
	if s, err = a.ingest.Update(r.Context(), p, s); err != nil {
		return renameFields(err, sensorFieldNames)
	}
	return ok(w, toSensorJSON(s))
}

// rotateSensorToken issues a new token; the old one stops working at once.
// The sensor is read first so that another tenant's is 404.
func (a *API) rotateSensorToken(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	s, err := a.ingest.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	token, err := a.ingest.RotateToken(r.Context(), p, s.ID)
	if err != nil {
		return err
	}
	return ok(w, sensorToken{Sensor: toSensorJSON(s), Token: token})
}

func (a *API) sensorHealth(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	h, err := a.ingest.Health(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if h.Minutes == nil {
		h.Minutes = []ingest.Minute{}
	}
	if h.Rejects == nil {
		h.Rejects = []ingest.Reject{}
	}
	return ok(w, h)
}
