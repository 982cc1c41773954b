package incident

import (
	"testing"
	"testing/synctest"

	"github.com/khien-cert/khien/internal/errs"
)

// Every (from, to, actor) triple: the table says exactly who may do what,
// and everything else is refused with the right kind. Run under synctest as
// every test of time-bearing domain logic here is.
func TestStateMachine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		allowed := map[[2]State][]Actor{
			{StateNew, StateTriaged}:          {ActorCoordinator},
			{StateNew, StateRejected}:         {ActorCoordinator},
			{StateNew, StateMerged}:           {ActorCoordinator},
			{StateTriaged, StateRejected}:     {ActorCoordinator},
			{StateTriaged, StateMerged}:       {ActorCoordinator},
			{StateTriaged, StateInProgress}:   {ActorCoordinator, ActorResponder},
			{StateInProgress, StateContained}: {ActorCoordinator, ActorResponder},
			{StateInProgress, StateResolved}:  {ActorCoordinator, ActorResponder},
			{StateContained, StateResolved}:   {ActorCoordinator, ActorResponder},
			{StateContained, StateInProgress}: {ActorCoordinator, ActorResponder},
			{StateResolved, StateInProgress}:  {ActorCoordinator},
			{StateResolved, StateClosed}:      {ActorCoordinator},
		}
		actors := []Actor{ActorNone, ActorReader, ActorReporter, ActorResponder, ActorCoordinator}
		for _, from := range States {
			for _, to := range States {
				who := allowed[[2]State{from, to}]
				for _, a := range actors {
					err := CheckMove(from, to, a)
					may := false
					for _, w := range who {
						may = may || w == a
					}
					switch {
					case may && err != nil:
						t.Errorf("%s→%s by %d: refused: %v", from, to, a, err)
					case !may && err == nil:
						t.Errorf("%s→%s by %d: allowed", from, to, a)
					case !may && len(who) == 0 && errs.KindOf(err) != errs.KindConflict:
						t.Errorf("%s→%s by %d: kind %v, want conflict (nobody may)", from, to, a, errs.KindOf(err))
					case !may && len(who) > 0 && errs.KindOf(err) != errs.KindForbidden:
						t.Errorf("%s→%s by %d: kind %v, want forbidden", from, to, a, errs.KindOf(err))
					}
				}
			}
		}
		// Named cases from the issue.
		for _, c := range []struct {
			name     string
			from, to State
			a        Actor
			kind     errs.Kind
		}{
			{"closing a new incident", StateNew, StateClosed, ActorCoordinator, errs.KindConflict},
			{"a constituent closing", StateResolved, StateClosed, ActorReporter, errs.KindForbidden},
			{"a responder closing", StateResolved, StateClosed, ActorResponder, errs.KindForbidden},
			{"a responder rejecting", StateNew, StateRejected, ActorResponder, errs.KindForbidden},
			{"reopening a closed incident", StateClosed, StateInProgress, ActorCoordinator, errs.KindConflict},
			{"leaving merged", StateMerged, StateTriaged, ActorCoordinator, errs.KindConflict},
		} {
			if k := errs.KindOf(CheckMove(c.from, c.to, c.a)); k != c.kind {
				t.Errorf("%s: kind %v, want %v", c.name, k, c.kind)
			}
		}
		if got := Next(StateResolved, ActorResponder); len(got) != 0 {
			t.Errorf("a responder may move a resolved incident to %v", got)
		}
	})
}
