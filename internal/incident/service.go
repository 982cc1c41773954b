package incident

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// Alerts is what incidents need of the alert capability: reading an alert
// the principal may see.
type Alerts interface {
	GetAlert(ctx context.Context, scope auth.Scope, id string) (alert.Alert, error)
}

// Deps are the Service's dependencies.
type Deps struct {
	Store  Store
	Alerts Alerts       // nil: alerts cannot be linked
	Blobs  Blobs        // nil: files cannot be attached
	Clocks *ClockConfig // nil: the embedded configuration
	Now    func() time.Time
	Logger *slog.Logger
}

// Service runs incident coordination.
type Service struct {
	d   Deps
	tax *Taxonomy
}

// New returns a Service.
func New(d Deps) (*Service, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Clocks == nil {
		c, err := DefaultClocks()
		if err != nil {
			return nil, err
		}
		d.Clocks = c
	}
	return &Service{d: d, tax: RSIT()}, nil
}

// Clocks is the clock configuration in use.
func (s *Service) Clocks() *ClockConfig { return s.d.Clocks }

// Taxonomy is the RSIT taxonomy in use.
func (s *Service) Taxonomy() *Taxonomy { return s.tax }

func (s *Service) now() time.Time { return s.d.Now().UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// View is an incident as one viewer sees it.
type View struct {
	Loaded
	Actor    Actor
	Timeline []Entry
	Next     []State // states the viewer may move it to
}

// Report files a new incident for r.OrgID. The principal needs
// incident:report on that organisation (else NotFound). Every named system
// must belong to it (else a field error).
func (s *Service) Report(ctx context.Context, p auth.Principal, r Report) (Incident, error) {
	return s.report(ctx, p, r, "reported", nil)
}

func (s *Service) report(ctx context.Context, p auth.Principal, r Report, how string, alerts []string) (Incident, error) {
	now := s.now()
	v := ViewerOf(p)
	if r.OrgID != "" && !v.Report.Allows(r.OrgID) {
		return Incident{}, errs.NotFound("incident.org_not_found")
	}
	r, level, err := r.normalize(s.tax, s.d.Clocks, now)
	if err != nil {
		return Incident{}, err
	}
	systems, err := s.d.Store.OrgSystems(ctx, r.SystemIDs)
	if err != nil {
		return Incident{}, err
	}
	var f errs.Fields
	for _, id := range r.SystemIDs {
		i := slices.IndexFunc(systems, func(sy System) bool { return sy.ID == id })
		if i < 0 || systems[i].OrgID != r.OrgID {
			f.Add("system_ids", "incident.system_not_yours", "system "+id+" is not registered to the reporting organisation")
		}
	}
	if err := f.Err("incident.invalid"); err != nil {
		return Incident{}, err
	}
	inc := Incident{
		ID: newID(), OrgID: r.OrgID, ReporterID: p.UserID, ReporterLabel: p.Email,
		ContactName: r.ContactName, ContactEmail: r.ContactEmail, ContactPhone: r.ContactPhone,
		Title: r.Title, Description: r.Description, DetectedAt: r.DetectedAt.UTC(), OccurredAt: r.OccurredAt.UTC(),
		ReportedAt: now, Category: r.Category, Impact: r.Impact, ActionsTaken: r.ActionsTaken,
		PersonalData: r.PersonalData, TLP: level, State: StateNew, ClockProfile: r.ClockProfile,
		CreatedAt: now, UpdatedAt: now, Systems: systems, Indicators: r.Indicators, Alerts: alerts,
	}
	if r.OccurredAt.IsZero() {
		inc.OccurredAt = time.Time{}
	}
	inc.ProposedSeverity = ProposeSeverity(MaxLevel(systems), r.Impact, r.PersonalData)
	return s.d.Store.CreateIncident(ctx, inc, func(l Loaded) (Change, error) {
		inc := l.Incident
		ch := Change{Now: now,
			Entries: []Entry{{IncidentID: inc.ID, At: now, ActorID: p.UserID, Actor: p.Email, Kind: how,
				Visibility: Shared, Body: inc.Title}},
			Alerts: alerts,
			Clocks: s.d.Clocks.Plan(inc, nil, now),
			Audit: []audit.Entry{audit.New(p, "incident.report", "incident", inc.ID, inc.OrgID).
				WithDetail(map[string]any{"reference": inc.Reference, "systems": len(inc.Systems), "via": how})},
		}
		ch.Notices = noticesReported(inc, l.CoordOrgID)
		return ch, nil
	})
}

// Get returns an incident as p sees it, with its timeline.
func (s *Service) Get(ctx context.Context, p auth.Principal, id string) (View, error) {
	v := ViewerOf(p)
	l, err := s.d.Store.GetIncident(ctx, v, id)
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, v, l)
}

// GetByRef returns an incident by its reference number.
func (s *Service) GetByRef(ctx context.Context, p auth.Principal, ref string) (View, error) {
	v := ViewerOf(p)
	l, err := s.d.Store.IncidentByRef(ctx, v, strings.ToUpper(strings.TrimSpace(ref)))
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, v, l)
}

func (s *Service) view(ctx context.Context, v Viewer, l Loaded) (View, error) {
	a := v.ActorOn(l.Incident, l.Member)
	tl, err := s.d.Store.Timeline(ctx, v, l.Incident.ID, a.SeesInternal())
	if err != nil {
		return View{}, err
	}
	if !a.SeesInternal() {
		l.Incident.SeverityReason = "" // internal, as its severity.override entry
		l.Members = nil
		l.Files = slices.DeleteFunc(l.Files, func(f File) bool { return f.Visibility != Shared })
	}
	return View{Loaded: l, Actor: a, Timeline: tl, Next: Next(l.Incident.State, a)}, nil
}

// List lists incidents p may see.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter, pr page.Request) (page.Result[Incident], error) {
	pr, err := pr.Normalize(Sorts)
	if err != nil {
		return page.Result[Incident]{}, err
	}
	if f.State != "" && !f.State.Valid() {
		return page.Result[Incident]{}, errs.Invalid("incident.bad_filter", "unknown state", errs.Field("state", "incident.bad_state", "not a state"))
	}
	if f.Severity != "" && !f.Severity.Valid() {
		return page.Result[Incident]{}, errs.Invalid("incident.bad_filter", "unknown severity", errs.Field("severity", "incident.bad_severity", "not a severity"))
	}
	v := ViewerOf(p)
	res, err := s.d.Store.ListIncidents(ctx, v, f, pr)
	for i := range res.Items {
		if !v.ActorOn(res.Items[i], false).SeesInternal() {
			res.Items[i].SeverityReason = "" // internal, as its severity.override entry
		}
	}
	return res, err
}

// mutate runs fn on the incident p may see, with p's part in it.
func (s *Service) mutate(ctx context.Context, p auth.Principal, id string, fn func(l *Loaded, a Actor, now time.Time) (Change, error)) (Incident, error) {
	v := ViewerOf(p)
	now := s.now()
	return s.d.Store.MutateIncident(ctx, v, id, func(l *Loaded) (Change, error) {
		a := v.ActorOn(l.Incident, l.Member)
		ch, err := fn(l, a, now)
		if err != nil {
			return ch, err
		}
		ch.Now = now
		if ch.Incident != nil {
			ch.Incident.UpdatedAt = now
			ch.Clocks = s.d.Clocks.Plan(*ch.Incident, pausesAfter(l.Pauses, ch), now)
		} else if ch.OpenPause != nil || !ch.ClosePause.IsZero() {
			ch.Clocks = s.d.Clocks.Plan(l.Incident, pausesAfter(l.Pauses, ch), now)
		}
		return ch, nil
	})
}

// pausesAfter is the pause list once ch is applied.
func pausesAfter(ps []Pause, ch Change) []Pause {
	out := slices.Clone(ps)
	if !ch.ClosePause.IsZero() {
		for i := range out {
			if out[i].End.IsZero() {
				out[i].End = ch.ClosePause
			}
		}
	}
	if ch.OpenPause != nil {
		out = append(out, *ch.OpenPause)
	}
	return out
}

// forbidden is the error for an actor who sees an incident but may not do
// something to it.
func forbidden(code, public string) error { return errs.New(errs.KindForbidden, code, public) }

// Triage is what a coordinator decides when triaging.
type Triage struct {
	Category       string `json:"category"`
	Severity       string `json:"severity"`
	SeverityReason string `json:"severity_reason"`
	TLP            string `json:"tlp"`
	OwnerID        string `json:"owner_id"`
	ClockProfile   string `json:"clock_profile"`
	// PersonalData, when set, says whether personal data is involved (the
	// Decree 13/2023 clock follows it); nil leaves it as reported.
	PersonalData *bool `json:"personal_data,omitempty"`
}

// Triage classifies an incident, sets its severity (a severity other than
// the proposal needs a reason), TLP and owner; a new incident becomes triaged.
// It may be repeated while the incident is open to correct the classification.
func (s *Service) Triage(ctx context.Context, p auth.Principal, id string, t Triage) (Incident, error) {
	var owner Person
	if t.OwnerID != "" {
		o, err := s.d.Store.IncidentPerson(ctx, t.OwnerID)
		if err != nil || o.Disabled || !auth.Role(o.Role).National() || o.Role == string(auth.RoleLeadership) {
			return Incident{}, errs.Invalid("incident.invalid", "the owner must be an active coordinator",
				errs.Field("owner_id", "incident.bad_owner", "not an active coordinator"))
		}
		owner = o
	}
	return s.mutate(ctx, p, id, func(l *Loaded, a Actor, now time.Time) (Change, error) {
		cur := l.Incident
		if a != ActorCoordinator {
			return Change{}, forbidden("incident.not_allowed", "only the coordinating body triages")
		}
		if !cur.State.Open() || cur.State == StateResolved {
			return Change{}, errs.Conflict("incident.not_open", "the incident is no longer open to triage")
		}
		var f errs.Fields
		next := cur
		if cat, ok := s.tax.Normalize(t.Category); ok && strings.Contains(cat, "/") {
			next.Category = cat
		} else {
			f.Add("category", "incident.bad_category", "choose a class and type of the RSIT taxonomy")
		}
		sev := Severity(strings.ToUpper(strings.TrimSpace(t.Severity)))
		switch {
		case sev == "":
			sev = cur.ProposedSeverity
		case !sev.Valid():
			f.Add("severity", "incident.bad_severity", "must be S0 to S4")
		}
		reason := strings.TrimSpace(t.SeverityReason)
		if sev.Valid() && sev != cur.ProposedSeverity && reason == "" {
			f.Add("severity_reason", "incident.reason_required", "a severity other than the proposed "+string(cur.ProposedSeverity)+" needs a reason")
		}
		checkText(&f, "severity_reason", reason, maxText, false)
		next.Severity, next.SeverityReason = sev, reason
		if sev == cur.ProposedSeverity {
			next.SeverityReason = ""
		}
		if t.TLP != "" {
			l, err := tlp.Parse(t.TLP)
			if err != nil {
				f.Add("tlp", "incident.bad_tlp", "not a TLP level")
			}
			next.TLP = l
		}
		if t.ClockProfile != "" {
			if p := s.d.Clocks.Profile(t.ClockProfile); p == nil || p.When != "" {
				f.Add("clock_profile", "incident.bad_profile", "not a clock profile")
			} else {
				next.ClockProfile = t.ClockProfile
			}
		}
		if err := f.Err("incident.invalid"); err != nil {
			return Change{}, err
		}
		if t.OwnerID != "" {
			next.OwnerID, next.OwnerLabel = owner.ID, owner.Email
		}
		if t.PersonalData != nil {
			next.PersonalData = *t.PersonalData
		}
		if cur.State == StateNew {
			next.State, next.TriagedAt = StateTriaged, now
		}
		body := s.tax.Label(next.Category) + " · " + string(next.Severity) + " · TLP:" + next.TLP.String()
		ch := Change{Incident: &next,
			Entries: []Entry{{IncidentID: cur.ID, At: now, ActorID: p.UserID, Actor: p.Email, Kind: "triaged",
				Visibility: Shared, Body: body}},
			Audit: []audit.Entry{audit.New(p, "incident.triage", "incident", cur.ID, cur.OrgID).WithDetail(map[string]any{
				"category": next.Category, "severity": next.Severity, "proposed": cur.ProposedSeverity,
				"reason": next.SeverityReason, "tlp": next.TLP.String(), "owner_id": next.OwnerID,
				"personal_data": next.PersonalData})},
		}
		if next.SeverityReason != "" {
			ch.Entries = append(ch.Entries, Entry{IncidentID: cur.ID, At: now, ActorID: p.UserID, Actor: p.Email,
				Kind: "severity.override", Visibility: Internal, Body: string(cur.ProposedSeverity) + " → " + string(next.Severity) + ": " + next.SeverityReason})
		}
		if next.OwnerID != "" && next.OwnerID != cur.OwnerID {
			ch.Entries = append(ch.Entries, Entry{IncidentID: cur.ID, At: now, ActorID: p.UserID, Actor: p.Email,
				Kind: "assigned", Visibility: Internal, Body: next.OwnerLabel})
			ch.Notices = append(ch.Notices, noticeAssigned(next))
		}
		if next.State != cur.State {
			ch.Notices = append(ch.Notices, noticeState(next, cur.State, p.UserID))
		}
		return ch, nil
	})
}

// Transition moves an incident to another state, with an optional note on
// the timeline. Who may make which move is the table in transition.go.
func (s *Service) Transition(ctx context.Context, p auth.Principal, id string, to State, note string) (Incident, error) {
	note = strings.TrimSpace(note)
	return s.mutate(ctx, p, id, func(l *Loaded, a Actor, now time.Time) (Change, error) {
		cur := l.Incident
		switch to {
		case StateTriaged:
			return Change{}, errs.Invalid("incident.use_triage", "triage with a classification and a severity",
				errs.Field("state", "incident.use_triage", "use the triage operation"))
		case StateRejected, StateMerged:
			return Change{}, errs.Invalid("incident.use_operation", "reject and merge have their own operations",
				errs.Field("state", "incident.use_operation", "use reject or merge"))
		}
		if err := CheckMove(cur.State, to, a); err != nil {
			return Change{}, err
		}
		var f errs.Fields
		checkText(&f, "note", note, maxText, false)
		if err := f.Err("incident.invalid"); err != nil {
			return Change{}, err
		}
		next := cur
		next.State = to
		switch to {
		case StateInProgress:
			if next.FirstResponseAt.IsZero() {
				next.FirstResponseAt = now
			}
			if cur.State == StateResolved {
				next.ResolvedAt = time.Time{}
			}
		case StateContained:
			next.ContainedAt = now
		case StateResolved:
			next.ResolvedAt = now
			if next.ContainedAt.IsZero() {
				next.ContainedAt = now
			}
		case StateClosed:
			next.ClosedAt = now
		}
		next.LastUpdateAt = now
		return Change{Incident: &next, By: p,
			Entries: []Entry{{IncidentID: cur.ID, At: now, ActorID: p.UserID, Actor: p.Email, Kind: "state",
				Visibility: Shared, Body: note, Detail: `{"from":"` + string(cur.State) + `","to":"` + string(to) + `"}`}},
			Audit: []audit.Entry{audit.New(p, "incident.transition", "incident", cur.ID, cur.OrgID).
				WithDetail(map[string]any{"from": cur.State, "to": to, "reference": cur.Reference})},
			Notices: []notifyNotice{noticeState(next, cur.State, p.UserID)},
		}, nil
	})
}

// Reject closes a new or triaged incident as not an incident, with a reason.
func (s *Service) Reject(ctx context.Context, p auth.Principal, id, reason string) (Incident, error) {
	reason = strings.TrimSpace(reason)
	return s.mutate(ctx, p, id, func(l *Loaded, a Actor, now time.Time) (Change, error) {
		cur := l.Incident
		if err := CheckMove(cur.State, StateRejected, a); err != nil {
			return Change{}, err
		}
		var f errs.Fields
		checkText(&f, "reason", reason, maxText, true)
		if err := f.Err("incident.invalid"); err != nil {
			return Change{}, err
		}
		next := cur
		next.State, next.RejectionReason, next.ClosedAt = StateRejected, reason, now
		return Change{Incident: &next, By: p,
			Entries: []Entry{{IncidentID: cur.ID, At: now, ActorID: p.UserID, Actor: p.Email, Kind: "rejected",
				Visibility: Shared, Body: reason}},
			Audit: []audit.Entry{audit.New(p, "incident.reject", "incident", cur.ID, cur.OrgID).
				WithDetail(map[string]any{"reason": reason, "reference": cur.Reference})},
			Notices: []notifyNotice{noticeState(next, cur.State, p.UserID)},
		}, nil
	})
}

// Merge marks incident id a duplicate of survivor: it points to the
// survivor, and both timelines say so. The survivor must be an open
// incident the coordinator sees, and not the same one.
func (s *Service) Merge(ctx context.Context, p auth.Principal, id, survivorID, note string) (Incident, error) {
	v := ViewerOf(p)
	if _, err := s.d.Store.GetIncident(ctx, v, id); err != nil {
		return Incident{}, err // the path's incident first: out of scope is 404 whatever the body says
	}
	survivorID = strings.TrimSpace(survivorID)
	if strings.HasPrefix(strings.ToUpper(survivorID), "KH-") {
		if sl, err := s.d.Store.IncidentByRef(ctx, v, strings.ToUpper(survivorID)); err == nil {
			survivorID = sl.Incident.ID
		}
	}
	sv, err := s.d.Store.GetIncident(ctx, v, survivorID)
	if errs.KindOf(err) == errs.KindNotFound {
		return Incident{}, errs.Invalid("incident.invalid", "no such incident to merge into",
			errs.Field("into", "incident.bad_survivor", "no such incident"))
	} else if err != nil {
		return Incident{}, err
	}
	return s.mutate(ctx, p, id, func(l *Loaded, a Actor, now time.Time) (Change, error) {
		cur := l.Incident
		if err := CheckMove(cur.State, StateMerged, a); err != nil {
			return Change{}, err
		}
		if sv.Incident.ID == cur.ID || !sv.Incident.State.Open() {
			return Change{}, errs.Invalid("incident.invalid", "merge into another, open incident",
				errs.Field("into", "incident.bad_survivor", "must be another open incident"))
		}
		// Both timelines get a shared entry naming the other incident: a
		// survivor of another organisation would tell each what the other
		// reported.
		if sv.Incident.OrgID != cur.OrgID {
			return Change{}, errs.Invalid("incident.invalid", "merge into an incident of the same organisation",
				errs.Field("into", "incident.bad_survivor", "must be an incident of the same organisation"))
		}
		next := cur
		next.State, next.MergedInto, next.ClosedAt = StateMerged, sv.Incident.ID, now
		body := strings.TrimSpace(note)
		return Change{Incident: &next, By: p,
			Entries: []Entry{{IncidentID: cur.ID, At: now, ActorID: p.UserID, Actor: p.Email, Kind: "merged",
				Visibility: Shared, Body: "→ " + sv.Incident.Reference + " " + body, Detail: `{"into":"` + sv.Incident.ID + `"}`}},
			Also: []Entry{{IncidentID: sv.Incident.ID, At: now, ActorID: p.UserID, Actor: p.Email, Kind: "merged.in",
				Visibility: Shared, Body: "← " + cur.Reference + " " + body, Detail: `{"from":"` + cur.ID + `"}`}},
			Audit: []audit.Entry{audit.New(p, "incident.merge", "incident", cur.ID, cur.OrgID).
				WithDetail(map[string]any{"into": sv.Incident.ID, "reference": cur.Reference, "survivor": sv.Incident.Reference})},
			Notices: []notifyNotice{noticeState(next, cur.State, p.UserID)},
		}, nil
	})
}

// Listed is an incident of a list with its clocks.
type Listed struct {
	Incident
	Clocks []Clock
}

// ListWithClocks lists incidents p may see with their clocks, for lists
// showing countdowns.
func (s *Service) ListWithClocks(ctx context.Context, p auth.Principal, f Filter, pr page.Request) ([]Listed, string, error) {
	res, err := s.List(ctx, p, f, pr)
	if err != nil {
		return nil, "", err
	}
	ids := make([]string, len(res.Items))
	for i, x := range res.Items {
		ids[i] = x.ID
	}
	cs, err := s.d.Store.IncidentClocks(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	out := make([]Listed, len(res.Items))
	for i, x := range res.Items {
		out[i] = Listed{Incident: x, Clocks: cs[x.ID]}
	}
	return out, res.Next, nil
}

// Statistics computes the statistics of incidents p may see reported in
// [from, to). It needs report:read.
func (s *Service) Statistics(ctx context.Context, p auth.Principal, from, to time.Time) (Stats, []StatRow, error) {
	if !p.Can(auth.PermReportRead) {
		return Stats{}, nil, forbidden("incident.no_statistics", "statistics need the report:read permission")
	}
	rows, err := s.d.Store.IncidentStats(ctx, ViewerOf(p), from, to)
	if err != nil {
		return Stats{}, nil, err
	}
	return Compute(rows, from, to), rows, nil
}
