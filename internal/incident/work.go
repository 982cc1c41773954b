package incident

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

// AddNote adds a note to the timeline. Only the coordinating body writes
// internal notes; the reporting organisation and mobilised responders write
// shared ones. A shared note by the coordinating body or a responder is an
// update to the reporter: it is the first response if none was given yet and
// restarts the update cadence.
func (s *Service) AddNote(ctx context.Context, p auth.Principal, id, body string, vis Visibility) (Entry, error) {
	body = strings.TrimSpace(body)
	var out Entry
	_, err := s.mutate(ctx, p, id, func(l *Loaded, a Actor, now time.Time) (Change, error) {
		cur := l.Incident
		var f errs.Fields
		checkText(&f, "body", body, maxText, true)
		if !vis.Valid() {
			f.Add("visibility", "incident.bad_visibility", "must be internal or shared")
		}
		if err := f.Err("incident.invalid"); err != nil {
			return Change{}, err
		}
		if !a.CanNote(vis) {
			return Change{}, forbidden("incident.not_allowed", "you may not add this kind of note")
		}
		out = Entry{ID: newID(), IncidentID: cur.ID, At: now, ActorID: p.UserID, Actor: p.Email, Kind: "note",
			Visibility: vis, Body: body}
		ch := Change{Entries: []Entry{out},
			Audit: []audit.Entry{audit.New(p, "incident.note", "incident", cur.ID, cur.OrgID).
				WithDetail(map[string]any{"visibility": vis, "entry": out.ID})},
			Notices: []notifyNotice{noticeNote(cur, out, p.UserID)},
		}
		if vis == Shared && (a == ActorCoordinator || a == ActorResponder) && cur.State.Open() && cur.State != StateNew {
			next := cur
			next.LastUpdateAt = now
			if next.FirstResponseAt.IsZero() {
				next.FirstResponseAt = now
			}
			ch.Incident = &next
		}
		return ch, nil
	})
	return out, err
}

// TaskInput creates or changes a task. Zero fields are left as they are on
// update; ClearDue and ClearAssignee empty them.
type TaskInput struct {
	Title         string    `json:"title"`
	Description   string    `json:"description"`
	AssigneeID    string    `json:"assignee_id"`
	ClearAssignee bool      `json:"clear_assignee"`
	DueAt         time.Time `json:"due_at,omitzero"`
	ClearDue      bool      `json:"clear_due"`
	State         TaskState `json:"state"`
}

// AddTask adds a task, or the tasks of a template when template is set.
func (s *Service) AddTask(ctx context.Context, p auth.Principal, id string, in TaskInput, template string) ([]Task, error) {
	if _, err := s.d.Store.GetIncident(ctx, ViewerOf(p), id); err != nil {
		return nil, err // the path's incident first: out of scope is 404 whatever the body says
	}
	assignee, err := s.assignee(ctx, in.AssigneeID)
	if err != nil {
		return nil, err
	}
	var out []Task
	_, err = s.mutate(ctx, p, id, func(l *Loaded, a Actor, now time.Time) (Change, error) {
		cur := l.Incident
		if !a.CanWorkTasks() {
			return Change{}, forbidden("incident.not_allowed", "only the coordinating body and mobilised responders work tasks")
		}
		if !cur.State.Open() {
			return Change{}, errs.Conflict("incident.not_open", "the incident is closed")
		}
		if assignee.ID != "" && !s.canAssign(l, assignee) {
			return Change{}, errs.Invalid("incident.invalid", "the assignee cannot work this incident",
				errs.Field("assignee_id", "incident.bad_assignee", "must be a coordinator or a responder mobilised to this incident"))
		}
		var drafts []Task
		if template != "" {
			ts := TemplateTasks(template, cur.Category)
			if ts == nil {
				return Change{}, errs.Invalid("incident.invalid", "no such task template",
					errs.Field("template", "incident.bad_template", "no such template"))
			}
			for _, t := range ts {
				drafts = append(drafts, Task{Title: t.Title, Description: t.Description, Template: t.Key,
					DueAt: now.Add(time.Duration(t.DueHours) * time.Hour)})
			}
		} else {
			var f errs.Fields
			in.Title = strings.TrimSpace(in.Title)
			checkText(&f, "title", in.Title, maxTitle, true)
			checkText(&f, "description", in.Description, maxText, false)
			if err := f.Err("incident.invalid"); err != nil {
				return Change{}, err
			}
			drafts = []Task{{Title: in.Title, Description: in.Description, DueAt: in.DueAt.UTC()}}
		}
		ch := Change{}
		for _, t := range drafts {
			t.ID, t.IncidentID, t.State, t.CreatedBy, t.CreatedAt, t.UpdatedAt = newID(), cur.ID, TaskOpen, p.Email, now, now
			t.AssigneeID, t.AssigneeLabel = assignee.ID, assignee.Email
			out = append(out, t)
			ch.Tasks = append(ch.Tasks, t)
			ch.Entries = append(ch.Entries, Entry{IncidentID: cur.ID, At: now, ActorID: p.UserID, Actor: p.Email,
				Kind: "task.added", Visibility: Shared, Body: t.Title})
			if t.AssigneeID != "" && t.AssigneeID != p.UserID {
				ch.Notices = append(ch.Notices, noticeTask(cur, t))
			}
		}
		ch.Audit = []audit.Entry{audit.New(p, "incident.task.add", "incident", cur.ID, cur.OrgID).
			WithDetail(map[string]any{"tasks": len(out), "template": template})}
		return ch, nil
	})
	return out, err
}

// UpdateTask changes a task of incident id. A task ID of another incident
// answers NotFound, as if it did not exist.
func (s *Service) UpdateTask(ctx context.Context, p auth.Principal, id, taskID string, in TaskInput) (Task, error) {
	if _, err := s.d.Store.GetIncident(ctx, ViewerOf(p), id); err != nil {
		return Task{}, err // the path's incident first: out of scope is 404 whatever the body says
	}
	assignee, err := s.assignee(ctx, in.AssigneeID)
	if err != nil {
		return Task{}, err
	}
	var out Task
	_, err = s.mutate(ctx, p, id, func(l *Loaded, a Actor, now time.Time) (Change, error) {
		cur := l.Incident
		i := slices.IndexFunc(l.Tasks, func(t Task) bool { return t.ID == taskID })
		if i < 0 || a == ActorNone {
			return Change{}, errs.NotFound("incident.task_not_found")
		}
		if !a.CanWorkTasks() {
			return Change{}, forbidden("incident.not_allowed", "only the coordinating body and mobilised responders work tasks")
		}
		t := l.Tasks[i]
		// A responder changes only tasks given to them or to nobody.
		if a == ActorResponder && t.AssigneeID != "" && t.AssigneeID != p.UserID {
			return Change{}, forbidden("incident.task_not_yours", "this task is assigned to someone else")
		}
		var f errs.Fields
		if in.Title != "" {
			t.Title = strings.TrimSpace(in.Title)
			checkText(&f, "title", t.Title, maxTitle, true)
		}
		if in.Description != "" {
			t.Description = in.Description
			checkText(&f, "description", t.Description, maxText, false)
		}
		if in.State != "" {
			if !in.State.Valid() {
				f.Add("state", "incident.bad_task_state", "must be open, in_progress, done or cancelled")
			}
			if in.State == TaskDone && t.State != TaskDone {
				t.DoneAt = now
			} else if in.State != TaskDone {
				t.DoneAt = time.Time{}
			}
			t.State = in.State
		}
		if !in.DueAt.IsZero() {
			t.DueAt = in.DueAt.UTC()
		} else if in.ClearDue {
			t.DueAt = time.Time{}
		}
		if assignee.ID != "" {
			if !s.canAssign(l, assignee) {
				f.Add("assignee_id", "incident.bad_assignee", "must be a coordinator or a responder mobilised to this incident")
			}
			if a == ActorResponder && assignee.ID != p.UserID {
				f.Add("assignee_id", "incident.bad_assignee", "a responder takes tasks for themselves only")
			}
			t.AssigneeID, t.AssigneeLabel = assignee.ID, assignee.Email
		} else if in.ClearAssignee {
			t.AssigneeID, t.AssigneeLabel = "", ""
		}
		if err := f.Err("incident.invalid"); err != nil {
			return Change{}, err
		}
		t.UpdatedAt = now
		out = t
		ch := Change{Tasks: []Task{t},
			Entries: []Entry{{IncidentID: cur.ID, At: now, ActorID: p.UserID, Actor: p.Email, Kind: "task.updated",
				Visibility: Shared, Body: t.Title + " (" + string(t.State) + ")"}},
			Audit: []audit.Entry{audit.New(p, "incident.task.update", "incident", cur.ID, cur.OrgID).
				WithDetail(map[string]any{"task": t.ID, "state": t.State, "assignee_id": t.AssigneeID})},
		}
		if t.AssigneeID != "" && t.AssigneeID != l.Tasks[i].AssigneeID && t.AssigneeID != p.UserID {
			ch.Notices = append(ch.Notices, noticeTask(cur, t))
		}
		return ch, nil
	})
	return out, err
}

func (s *Service) assignee(ctx context.Context, id string) (Person, error) {
	if strings.TrimSpace(id) == "" {
		return Person{}, nil
	}
	pe, err := s.d.Store.IncidentPerson(ctx, id)
	if err != nil || pe.Disabled {
		return Person{}, errs.Invalid("incident.invalid", "no such user",
			errs.Field("assignee_id", "incident.bad_assignee", "no such active user"))
	}
	return pe, nil
}

// canAssign reports whether person may be given tasks of the loaded
// incident: the coordinating body, or a responder with an active grant.
func (s *Service) canAssign(l *Loaded, pe Person) bool {
	switch auth.Role(pe.Role) {
	case auth.RoleCoordinator, auth.RoleAdministrator:
		return true
	case auth.RoleResponder:
		return slices.ContainsFunc(l.Members, func(m Member) bool { return m.UserID == pe.ID && m.RevokedAt.IsZero() })
	}
	return false
}

// Pause stops the pausable clocks (service targets) while the incident waits
// on the reporter. Only the coordinating body pauses and resumes.
func (s *Service) Pause(ctx context.Context, p auth.Principal, id, reason string) (Incident, error) {
	reason = strings.TrimSpace(reason)
	return s.mutate(ctx, p, id, func(l *Loaded, a Actor, now time.Time) (Change, error) {
		cur := l.Incident
		if a != ActorCoordinator {
			return Change{}, forbidden("incident.not_allowed", "only the coordinating body pauses clocks")
		}
		if !cur.State.Open() {
			return Change{}, errs.Conflict("incident.not_open", "the incident is closed")
		}
		if !cur.WaitingSince.IsZero() {
			return Change{}, errs.Conflict("incident.already_paused", "the clocks are already paused")
		}
		var f errs.Fields
		checkText(&f, "reason", reason, maxText, true)
		if err := f.Err("incident.invalid"); err != nil {
			return Change{}, err
		}
		next := cur
		next.WaitingSince = now
		return Change{Incident: &next, OpenPause: &Pause{Start: now, Reason: reason},
			Entries: []Entry{{IncidentID: cur.ID, At: now, ActorID: p.UserID, Actor: p.Email, Kind: "clocks.paused",
				Visibility: Shared, Body: reason}},
			Audit: []audit.Entry{audit.New(p, "incident.pause", "incident", cur.ID, cur.OrgID).WithDetail(map[string]any{"reason": reason})},
		}, nil
	})
}

// Resume restarts paused clocks.
func (s *Service) Resume(ctx context.Context, p auth.Principal, id string) (Incident, error) {
	return s.mutate(ctx, p, id, func(l *Loaded, a Actor, now time.Time) (Change, error) {
		cur := l.Incident
		if a != ActorCoordinator {
			return Change{}, forbidden("incident.not_allowed", "only the coordinating body resumes clocks")
		}
		if cur.WaitingSince.IsZero() {
			return Change{}, errs.Conflict("incident.not_paused", "the clocks are not paused")
		}
		next := cur
		next.WaitingSince = time.Time{}
		return Change{Incident: &next, ClosePause: now,
			Entries: []Entry{{IncidentID: cur.ID, At: now, ActorID: p.UserID, Actor: p.Email, Kind: "clocks.resumed",
				Visibility: Shared, Body: now.Sub(cur.WaitingSince).Round(time.Minute).String()}},
			Audit: []audit.Entry{audit.New(p, "incident.resume", "incident", cur.ID, cur.OrgID)},
		}, nil
	})
}

// LinkAlert links an alert p may see to an incident p runs or reported.
func (s *Service) LinkAlert(ctx context.Context, p auth.Principal, id, alertID string) (Incident, error) {
	if s.d.Alerts == nil {
		return Incident{}, errs.New(errs.KindUnavailable, "incident.alerts_unavailable", "alerts are not available")
	}
	if _, err := s.d.Store.GetIncident(ctx, ViewerOf(p), id); err != nil {
		return Incident{}, err // the path's incident first: out of scope is 404 whatever the body says
	}
	al, err := s.d.Alerts.GetAlert(ctx, p.Scope(auth.PermAlertRead), strings.TrimSpace(alertID))
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return Incident{}, errs.Invalid("incident.invalid", "no such alert",
				errs.Field("alert_id", "incident.bad_alert", "no such alert"))
		}
		return Incident{}, err
	}
	return s.mutate(ctx, p, id, func(l *Loaded, a Actor, now time.Time) (Change, error) {
		cur := l.Incident
		if a != ActorCoordinator && a != ActorReporter {
			return Change{}, forbidden("incident.not_allowed", "you may not link alerts to this incident")
		}
		if !cur.State.Open() {
			return Change{}, errs.Conflict("incident.not_open", "the incident is closed")
		}
		// Its title goes on the shared timeline: only an alert that concerns
		// the incident's organisation is linked.
		if !slices.ContainsFunc(al.Orgs, func(o alert.Involved) bool { return o.OrgID == cur.OrgID }) {
			return Change{}, errs.Invalid("incident.invalid", "the alert does not concern the incident's organisation",
				errs.Field("alert_id", "incident.bad_alert", "the alert does not concern this organisation"))
		}
		if slices.Contains(cur.Alerts, al.ID) {
			return Change{}, errs.Conflict("incident.alert_linked", "the alert is already linked")
		}
		return Change{Alerts: []string{al.ID},
			Entries: []Entry{{IncidentID: cur.ID, At: now, ActorID: p.UserID, Actor: p.Email, Kind: "alert.linked",
				Visibility: Shared, Body: al.Title, Detail: `{"alert_id":"` + al.ID + `"}`}},
			Audit: []audit.Entry{audit.New(p, "incident.alert.link", "incident", cur.ID, cur.OrgID).WithDetail(map[string]any{"alert_id": al.ID})},
		}, nil
	})
}

// Escalate implements alert.Escalator: it reports a new incident for the
// first organisation the alert concerns on which p may report, with the
// alert linked, and returns its reference.
func (s *Service) Escalate(ctx context.Context, p auth.Principal, a alert.Alert) (string, error) {
	v := ViewerOf(p)
	org := ""
	for _, o := range a.Orgs {
		if v.Report.Allows(o.OrgID) {
			org = o.OrgID
			break
		}
	}
	if org == "" {
		return "", forbidden("incident.not_allowed", "you may not report an incident for the organisations this alert concerns")
	}
	// Escalating again (a retry after the alert's own update failed, or a
	// second click) answers the open incident already made from this alert
	// instead of opening a duplicate.
	one, err := page.Request{Limit: 1}.Normalize(Sorts)
	if err != nil {
		return "", err
	}
	prior, err := s.d.Store.ListIncidents(ctx, v, Filter{AlertID: a.ID, Open: true, OrgID: org}, one)
	if err != nil {
		return "", err
	}
	if len(prior.Items) > 0 {
		return prior.Items[0].Reference, nil
	}
	detected := a.FirstSeen
	if detected.IsZero() || detected.After(s.now()) {
		detected = s.now()
	}
	desc := "Escalated from alert " + a.ID + " (" + string(a.Kind) + ", seen " + strconv.FormatInt(a.Count, 10) + "×)."
	if a.Value != "" && !a.Redacted {
		desc += "\n" + a.Field + ": " + a.Value
	}
	r := Report{OrgID: org, Title: a.Title, Description: desc, DetectedAt: detected, Impact: ImpactLow,
		TLP: a.TLP.String()}
	if a.Kind == alert.KindIndicator && a.Value != "" && !a.Redacted {
		if typ, val, ok := strings.Cut(a.Indicator, "|"); ok && slices.Contains(IndicatorTypes, typ) {
			r.Indicators = []Indicator{{Type: typ, Value: val}}
		}
	}
	inc, err := s.report(ctx, p, r, "escalated", []string{a.ID})
	if err != nil {
		return "", err
	}
	return inc.Reference, nil
}

var _ alert.Escalator = (*Service)(nil)
