package incident

import (
	"slices"

	"github.com/khien-cert/khien/internal/errs"
)

// move is one allowed transition and who may make it.
type move struct {
	from, to State
	by       []Actor
}

// moves is THE table of the state machine. Triage (new → triaged), reject and
// merge have their own service operations with more input, but they are
// listed here too so one table answers "may this happen".
//
// The coordinating body may do every move. A mobilised responder moves the
// work along (start, contain, resolve) but never triages, reopens, closes,
// rejects or merges. The reporting organisation reports, adds shared notes
// and answers questions; it changes no state.
var moves = []move{
	{StateNew, StateTriaged, coord},
	{StateNew, StateRejected, coord},
	{StateNew, StateMerged, coord},
	{StateTriaged, StateRejected, coord},
	{StateTriaged, StateMerged, coord},
	{StateTriaged, StateInProgress, work},
	{StateInProgress, StateContained, work},
	{StateInProgress, StateResolved, work},
	{StateContained, StateResolved, work},
	{StateContained, StateInProgress, work}, // containment failed
	{StateResolved, StateInProgress, coord}, // reopened
	{StateResolved, StateClosed, coord},
}

var (
	coord = []Actor{ActorCoordinator}
	work  = []Actor{ActorCoordinator, ActorResponder}
)

// Next lists the states actor a may move an incident in state from to, in
// table order.
func Next(from State, a Actor) []State {
	var out []State
	for _, m := range moves {
		if m.from == from && slices.Contains(m.by, a) {
			out = append(out, m.to)
		}
	}
	return out
}

// CheckMove says whether actor a may move an incident from one state to
// another: nil, or an error with a stable code. A move nobody may make is
// Conflict ("incident.bad_transition"); a move others may make but a may not
// is Forbidden ("incident.not_allowed").
func CheckMove(from, to State, a Actor) error {
	if !to.Valid() {
		return errs.Invalid("incident.bad_state", "unknown state",
			errs.Field("state", "incident.bad_state", "not a state of an incident"))
	}
	for _, m := range moves {
		if m.from != from || m.to != to {
			continue
		}
		if slices.Contains(m.by, a) {
			return nil
		}
		return errs.New(errs.KindForbidden, "incident.not_allowed", "only the coordinating body may do this")
	}
	return errs.Conflict("incident.bad_transition", "an incident in state "+string(from)+" cannot move to "+string(to))
}
