package alert

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// Store is the storage alerts need.
type Store interface {
	// RecordHits folds hits into alerts in one transaction and returns the
	// alerts that were created or whose count grew.
	RecordHits(ctx context.Context, hits []Hit, now time.Time) ([]Alert, error)
	GetAlert(ctx context.Context, scope auth.Scope, id string) (Alert, error)
	ListAlerts(ctx context.Context, scope auth.Scope, f Filter, pr page.Request) (page.Result[Alert], error)
	AlertHistory(ctx context.Context, id string) ([]Change, error)
	// SetAlertState moves an alert (within scope) and records the change.
	SetAlertState(ctx context.Context, scope auth.Scope, id string, to State, c Change, e audit.Entry) (Alert, error)
	AddSuppression(ctx context.Context, s Suppression, e audit.Entry) error
	ActiveSuppressions(ctx context.Context, now time.Time) ([]Suppression, error)
}

// Filter narrows an alert list.
type Filter struct {
	State State
	Kind  Kind
	OrgID string
	Query string // substring of title or matched value
	// Clearance limits Query to alerts whose details the viewer may see;
	// set by the service.
	Clearance tlp.Level
}

// Sorts are the sortable alert fields.
var Sorts = []string{"last_seen", "severity", "first_seen"}

// Suppression silences one rule or indicator for one organisation until a time.
type Suppression struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"org_id"`
	MatchKey  string    `json:"match_key"` // the alert's Indicator, or "rule|"+RuleID
	Reason    string    `json:"reason"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Escalator turns an alert into an incident (the incident capability).
type Escalator interface {
	Escalate(ctx context.Context, p auth.Principal, a Alert) (ref string, err error)
}

// Deps are the Service's dependencies.
type Deps struct {
	Store     Store
	Broker    *Broker
	Escalator Escalator // nil until incidents exist
	Now       func() time.Time
	Logger    *slog.Logger
}

// Service records and triages alerts.
type Service struct{ d Deps }

// New returns a Service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Broker == nil {
		d.Broker = NewBroker()
	}
	return &Service{d: d}
}

// Broker is the live feed subscribers (SSE) read.
func (s *Service) Broker() *Broker { return s.d.Broker }

// Record folds hits into alerts and publishes what changed.
func (s *Service) Record(ctx context.Context, hits []Hit) ([]Alert, error) {
	if len(hits) == 0 {
		return nil, nil
	}
	changed, err := s.d.Store.RecordHits(ctx, hits, s.d.Now().UTC())
	if err != nil {
		return nil, err
	}
	for _, a := range changed {
		s.d.Broker.Publish(a)
	}
	return changed, nil
}

// View is an alert as principal p may see it: indicator details only as TLP
// allows, and the event excerpt only for the sensor's owner and national roles.
func View(p auth.Principal, a Alert, sensorOrg string) Alert {
	a = a.Redact(p.Clearance())
	if !p.Scope(auth.PermAlertRead).All && !slices.Contains(p.Orgs, sensorOrg) {
		a.Excerpt, a.SensorID = "", ""
	}
	return a
}

// SensorOrg is the organisation whose sensor saw the alert's event, "" for
// none.
func (a Alert) SensorOrg() string { return sensorOrg(a) }

// sensorOrg is the organisation whose sensor saw the alert's event.
func sensorOrg(a Alert) string {
	for _, o := range a.Orgs {
		if o.Reason == ReasonSensorOwner {
			return o.OrgID
		}
	}
	return ""
}

// Get returns one alert p may see, with its history.
func (s *Service) Get(ctx context.Context, p auth.Principal, id string) (Alert, []Change, error) {
	a, err := s.d.Store.GetAlert(ctx, p.Scope(auth.PermAlertRead), id)
	if err != nil {
		return Alert{}, nil, err
	}
	h, err := s.d.Store.AlertHistory(ctx, id)
	return View(p, a, sensorOrg(a)), h, err
}

// List lists the alerts p may see, newest first unless another order is asked.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter, pr page.Request) (page.Result[Alert], error) {
	if pr.Sort == "" {
		pr.Sort, pr.Desc = "last_seen", true
	}
	f.Clearance = p.Clearance()
	pr, err := pr.Normalize(Sorts)
	if err != nil {
		return page.Result[Alert]{}, err
	}
	if f.State != "" && !slices.Contains(States, f.State) {
		return page.Result[Alert]{}, errs.Invalid("alert.bad_filter", "unknown state", errs.Field("state", "alert.bad_state", "unknown state"))
	}
	res, err := s.d.Store.ListAlerts(ctx, p.Scope(auth.PermAlertRead), f, pr)
	for i, a := range res.Items {
		res.Items[i] = View(p, a, sensorOrg(a))
	}
	return res, err
}

// Visible reports whether p may see alert a (for live feeds).
func Visible(p auth.Principal, a Alert) bool { return involves(p.Scope(auth.PermAlertRead), a) }

// involves reports whether scope covers any organisation a concerns.
func involves(sc auth.Scope, a Alert) bool {
	if sc.All {
		return true
	}
	for _, o := range a.Orgs {
		if sc.Allows(o.OrgID) {
			return true
		}
	}
	return false
}

// triage moves an alert for p, checking p may triage for an involved org.
func (s *Service) triage(ctx context.Context, p auth.Principal, id string, to State, action, note string) (Alert, error) {
	a, err := s.d.Store.GetAlert(ctx, p.Scope(auth.PermAlertRead), id)
	if err != nil {
		return Alert{}, err
	}
	if !involves(p.Scope(auth.PermAlertTriage), a) {
		return Alert{}, errs.New(errs.KindForbidden, "alert.forbidden", "your role may not triage alerts")
	}
	if !a.State.Open() && to != StateClosed {
		return Alert{}, errs.Conflict("alert.not_open", "this alert is no longer open")
	}
	c := Change{At: s.d.Now().UTC(), Actor: p.Email, Action: action, Note: note}
	out, err := s.d.Store.SetAlertState(ctx, p.Scope(auth.PermAlertRead), id, to, c,
		audit.New(p, "alert."+action, "alert", id, sensorOrg(a)))
	if err == nil {
		s.d.Broker.Publish(out)
	}
	return View(p, out, sensorOrg(out)), err
}

// Acknowledge marks an alert as being looked at.
func (s *Service) Acknowledge(ctx context.Context, p auth.Principal, id string) (Alert, error) {
	return s.triage(ctx, p, id, StateAcknowledged, "acknowledge", "")
}

// Close ends an alert that needs nothing more.
func (s *Service) Close(ctx context.Context, p auth.Principal, id, note string) (Alert, error) {
	return s.triage(ctx, p, id, StateClosed, "close", strings.TrimSpace(note))
}

// FalsePositive marks an alert as a false positive with a reason and, when
// until is not zero, suppresses its rule or indicator for the caller's
// organisation (or, for national roles, the sensor's owner) until then.
func (s *Service) FalsePositive(ctx context.Context, p auth.Principal, id, reason string, until time.Time) (Alert, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 2000 {
		return Alert{}, errs.Invalid("alert.reason_required", "a false positive needs a reason",
			errs.Field("reason", "alert.reason_required", "say why this is a false positive (at most 2000 characters)"))
	}
	now := s.d.Now().UTC()
	if !until.IsZero() && (!until.After(now) || until.After(now.AddDate(1, 0, 0))) {
		return Alert{}, errs.Invalid("alert.bad_expiry", "the suppression must end within a year",
			errs.Field("suppress_until", "alert.bad_expiry", "choose a time in the future, at most a year away"))
	}
	a, err := s.triage(ctx, p, id, StateFalsePositive, "false_positive", reason)
	if err != nil || until.IsZero() {
		return a, err
	}
	full, err := s.d.Store.GetAlert(ctx, p.Scope(auth.PermAlertRead), id)
	if err != nil {
		return a, err
	}
	org := suppressFor(p, full)
	key := full.Indicator
	if full.Kind == KindRule {
		key = "rule|" + full.RuleID
	}
	sup := Suppression{OrgID: org, MatchKey: key, Reason: reason, ExpiresAt: until.UTC(), CreatedBy: p.Email, CreatedAt: now}
	return a, s.d.Store.AddSuppression(ctx, sup, audit.New(p, "alert.suppress", "suppression", "", org).WithDetail(map[string]string{"match": key}))
}

// suppressFor is the organisation a false-positive suppression by p
// applies to: the sensor's owner when p may triage for it (its traffic is
// benign, so nobody needs the alert), else the first involved organisation
// p triages for.
func suppressFor(p auth.Principal, a Alert) string {
	sc := p.Scope(auth.PermAlertTriage)
	if so := sensorOrg(a); so != "" && sc.Allows(so) {
		return so
	}
	for _, o := range a.Orgs {
		if sc.Allows(o.OrgID) {
			return o.OrgID
		}
	}
	return ""
}

// Escalate hands an alert to incident coordination.
func (s *Service) Escalate(ctx context.Context, p auth.Principal, id string) (Alert, string, error) {
	if s.d.Escalator == nil {
		return Alert{}, "", errs.New(errs.KindConflict, "alert.escalation_unavailable", "incident coordination is not available yet")
	}
	a, err := s.d.Store.GetAlert(ctx, p.Scope(auth.PermAlertRead), id)
	if err != nil {
		return Alert{}, "", err
	}
	ref, err := s.d.Escalator.Escalate(ctx, p, a)
	if err != nil {
		return Alert{}, "", err
	}
	out, err := s.triage(ctx, p, id, StateEscalated, "escalate", ref)
	return out, ref, err
}

// SensorSilent raises an alert that a sensor stopped sending, for its
// owner and the coordinators (who see every alert).
func (s *Service) SensorSilent(ctx context.Context, sensorID, sensorName, orgID string, lastSeen, now time.Time) error {
	_, err := s.Record(ctx, []Hit{{Kind: KindSensorSilent, Severity: 3, Title: "Sensor silent: " + sensorName,
		RuleID: "sensor-silent", Value: sensorName, SensorID: sensorID, TLP: tlp.Amber, EventID: "silent:" + sensorID + ":" + now.Format(time.RFC3339),
		EventTime: now, Excerpt: `{"last_seen":"` + lastSeen.UTC().Format(time.RFC3339) + `"}`,
		Orgs: []Involved{{OrgID: orgID, Reason: ReasonSensorOwner}}}})
	return err
}

// SensorRecovered raises an alert that a silent sensor sends again.
func (s *Service) SensorRecovered(ctx context.Context, sensorID, sensorName, orgID string, now time.Time) error {
	_, err := s.Record(ctx, []Hit{{Kind: KindSensorRecovered, Severity: 1, Title: "Sensor recovered: " + sensorName,
		RuleID: "sensor-recovered", Value: sensorName, SensorID: sensorID, TLP: tlp.Amber, EventID: "recovered:" + sensorID + ":" + now.Format(time.RFC3339),
		EventTime: now, Orgs: []Involved{{OrgID: orgID, Reason: ReasonSensorOwner}}}})
	return err
}
