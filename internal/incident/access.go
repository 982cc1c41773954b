package incident

import (
	"slices"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/tlp"
)

// Viewer is who reads or changes incidents, as the store filters by it. It
// is derived from a principal by ViewerOf and nowhere else.
type Viewer struct {
	UserID    string
	Read      auth.Scope // organisations whose incidents the viewer reads (incident:read ∪ incident:manage)
	Manage    auth.Scope // organisations whose incidents the viewer runs (the coordinating body)
	Report    auth.Scope // organisations for which the viewer reports and adds shared notes
	Respond   bool       // a responder: sees incidents with an active grant, nothing else
	Own       []string   // the viewer's own organisations (TLP does not hide their incidents)
	Clearance tlp.Level  // national readers see incidents up to this TLP
}

// ViewerOf derives the viewer of principal p from the policy table.
func ViewerOf(p auth.Principal) Viewer {
	read := union(p.Scope(auth.PermIncidentRead), p.Scope(auth.PermIncidentManage))
	return Viewer{
		UserID:    p.UserID,
		Read:      read,
		Manage:    p.Scope(auth.PermIncidentManage),
		Report:    p.Scope(auth.PermIncidentReport),
		Respond:   p.Can(auth.PermIncidentRespond),
		Own:       slices.Clone(p.Orgs),
		Clearance: p.Clearance(),
	}
}

// SystemViewer is the platform itself (sweeper, escalation checks): it sees
// and runs everything.
func SystemViewer() Viewer {
	all := auth.Scope{All: true}
	return Viewer{Read: all, Manage: all, Report: all, Clearance: tlp.Red}
}

func union(a, b auth.Scope) auth.Scope {
	if a.All || b.All {
		return auth.Scope{All: true}
	}
	out := slices.Clone(a.Orgs)
	for _, o := range b.Orgs {
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return auth.Scope{Orgs: out}
}

// Actor is the part a viewer plays on one incident; it decides what they may do.
type Actor uint8

// Actors, from least to most power over an incident.
const (
	ActorNone        Actor = iota // sees nothing (the store answers 404 anyway)
	ActorReader                   // reads shared entries (leadership, investigators, constituents without report)
	ActorReporter                 // the reporting organisation: adds shared notes, answers
	ActorResponder                // a mobilised responder: works tasks, moves the work along
	ActorCoordinator              // the coordinating body: everything
)

// ActorOn returns the part v plays on incident inc, which the store already
// let v see (member says whether v holds an active grant on it).
func (v Viewer) ActorOn(inc Incident, member bool) Actor {
	switch {
	case v.Manage.Allows(inc.OrgID):
		return ActorCoordinator
	case member && v.Respond:
		return ActorResponder
	case v.Report.Allows(inc.OrgID):
		return ActorReporter
	case v.Read.Allows(inc.OrgID):
		return ActorReader
	}
	return ActorNone
}

// SeesInternal reports whether the actor sees internal timeline entries.
func (a Actor) SeesInternal() bool { return a == ActorCoordinator }

// CanNote reports whether the actor may add a note of visibility vis.
func (a Actor) CanNote(vis Visibility) bool {
	switch a {
	case ActorCoordinator:
		return vis.Valid()
	case ActorResponder, ActorReporter:
		return vis == Shared
	}
	return false
}

// CanWorkTasks reports whether the actor may create and change tasks.
func (a Actor) CanWorkTasks() bool { return a == ActorCoordinator || a == ActorResponder }
