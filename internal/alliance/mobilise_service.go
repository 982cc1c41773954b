package alliance

import (
	"context"
	"fmt"
	"slices"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
)

// CreateRequest opens a mobilisation request on an incident
// (incident:manage on its organisation).
func (s *Service) CreateRequest(ctx context.Context, p auth.Principal, n NewRequest) (Request, error) {
	sc, err := scope(p, auth.PermIncidentManage)
	if err != nil {
		return Request{}, err
	}
	now := s.clock()
	if err := n.Normalize(now); err != nil {
		return Request{}, err
	}
	inc, err := s.store.MobilisationIncident(ctx, sc, n.IncidentID)
	if err != nil {
		return Request{}, err
	}
	if inc.Finished() {
		return Request{}, errs.Conflict("alliance.incident_finished", "the incident is finished; no one is mobilised to it any more")
	}
	r := Request{IncidentID: inc.ID, IncidentRef: inc.Reference, OrgID: inc.OrgID, Skills: n.Skills, Count: n.Count,
		Deadline: n.Deadline, Note: n.Note, CreatedBy: p.UserID, CreatedAt: now}
	return s.store.CreateMobilisation(ctx, p, inc, r)
}

// Request reads a mobilisation request with its asks.
func (s *Service) Request(ctx context.Context, p auth.Principal, id string) (Request, error) {
	sc, err := scope(p, auth.PermIncidentManage)
	if err != nil {
		return Request{}, err
	}
	return s.store.Mobilisation(ctx, sc, id)
}

// Requests lists the requests of an incident ("" for every incident in
// scope), newest first.
func (s *Service) Requests(ctx context.Context, p auth.Principal, incidentID string) ([]Request, error) {
	sc, err := scope(p, auth.PermIncidentManage)
	if err != nil {
		return nil, err
	}
	return s.store.Mobilisations(ctx, sc, incidentID)
}

// Ranking is the ranked candidates of a request and who was left out.
type Ranking struct {
	Request  Request     `json:"request"`
	Incident Incident    `json:"incident"`
	Ranked   []Candidate `json:"candidates"`
	Excluded []Candidate `json:"excluded"`
}

// Candidates ranks every responder of the alliance for a request now.
func (s *Service) Candidates(ctx context.Context, p auth.Principal, requestID string) (Ranking, error) {
	sc, err := scope(p, auth.PermIncidentManage)
	if err != nil {
		return Ranking{}, err
	}
	r, err := s.store.Mobilisation(ctx, sc, requestID)
	if err != nil {
		return Ranking{}, err
	}
	inc, err := s.store.MobilisationIncident(ctx, sc, r.IncidentID)
	if err != nil {
		return Ranking{}, err
	}
	// Ranking looks at the whole alliance, whoever is asking: incident:manage
	// is the coordinating body's, which sees every responder.
	ps, err := s.everyProfile(ctx, auth.Scope{All: true}, Filter{})
	if err != nil {
		return Ranking{}, err
	}
	need := Need{Skills: r.Skills, OrgID: inc.OrgID, Province: inc.Province, TLP: inc.TLP}
	ranked, excluded := Rank(need, ps, r.AskedUsers(), s.clock())
	return Ranking{Request: r, Incident: inc, Ranked: ranked, Excluded: excluded}, nil
}

// Ask sends the request to the picked responders, who must be among the
// ranked candidates now (not excluded, not asked before).
func (s *Service) Ask(ctx context.Context, p auth.Principal, requestID string, userIDs []string) (Request, error) {
	rk, err := s.Candidates(ctx, p, requestID)
	if err != nil {
		return Request{}, err
	}
	userIDs = uniq(userIDs)
	if len(userIDs) == 0 || len(userIDs) > MaxCount {
		return Request{}, errs.Invalid("alliance.bad_picks", "pick responders to ask",
			errs.Field("user_ids", "alliance.bad_picks", fmt.Sprintf("pick 1 to %d responders", MaxCount)))
	}
	now := s.clock()
	if !now.Before(rk.Request.Deadline) {
		return Request{}, errs.Conflict("alliance.deadline_passed", "the request's deadline has passed; open a new request")
	}
	if rk.Incident.Finished() {
		return Request{}, errs.Conflict("alliance.incident_finished", "the incident is finished; no one is mobilised to it any more")
	}
	var picks []Candidate
	var f errs.Fields
	for i, id := range userIDs {
		j := slices.IndexFunc(rk.Ranked, func(c Candidate) bool { return c.Responder.UserID == id })
		if j < 0 {
			code := "alliance.not_a_candidate"
			if k := slices.IndexFunc(rk.Excluded, func(c Candidate) bool { return c.Responder.UserID == id }); k >= 0 {
				code = "alliance.excluded_" + rk.Excluded[k].Excluded
			}
			f.Add(fmt.Sprintf("user_ids[%d]", i), code, "this responder cannot be asked on this request")
			continue
		}
		picks = append(picks, rk.Ranked[j])
	}
	if err := f.Err("alliance.bad_picks"); err != nil {
		return Request{}, err
	}
	sc, _ := scope(p, auth.PermIncidentManage)
	return s.store.AskResponders(ctx, p, sc, requestID, picks, now)
}

// MyAsks lists the asks addressed to p (a responder).
func (s *Service) MyAsks(ctx context.Context, p auth.Principal) ([]Ask, error) {
	if p.UserID == "" || p.Scope(auth.PermIncidentRespond).Empty() {
		return nil, errForbidden
	}
	as, err := s.store.ResponderAsks(ctx, p.UserID)
	now := s.clock()
	for i := range as {
		as[i].State = as[i].StateAt(now)
	}
	return as, err
}

// MyAsk reads one ask addressed to p; anyone else's is not found.
func (s *Service) MyAsk(ctx context.Context, p auth.Principal, askID string) (Ask, error) {
	if p.UserID == "" || p.Scope(auth.PermIncidentRespond).Empty() {
		return Ask{}, errs.NotFound("alliance.ask_not_found")
	}
	a, err := s.store.ResponderAsk(ctx, p.UserID, askID)
	a.State = a.StateAt(s.clock())
	return a, err
}

// Answer accepts or declines p's own ask before its deadline.
func (s *Service) Answer(ctx context.Context, p auth.Principal, askID string, accept bool, reason string) (Ask, error) {
	if p.UserID == "" || p.Scope(auth.PermIncidentRespond).Empty() {
		return Ask{}, errs.NotFound("alliance.ask_not_found")
	}
	return s.store.AnswerAsk(ctx, p, askID, accept, reason, s.clock())
}

// Release ends a responder's mobilisation and their access to the incident.
func (s *Service) Release(ctx context.Context, p auth.Principal, askID, reason string) (Ask, error) {
	sc, err := scope(p, auth.PermIncidentManage)
	if err != nil {
		return Ask{}, err
	}
	return s.store.ReleaseAsk(ctx, p, sc, askID, reason, s.clock())
}

// LogHours records time p worked on the incident of their ask.
func (s *Service) LogHours(ctx context.Context, p auth.Principal, askID string, h NewHours) (Hours, error) {
	if p.UserID == "" || p.Scope(auth.PermIncidentRespond).Empty() {
		return Hours{}, errs.NotFound("alliance.ask_not_found")
	}
	return s.store.LogHours(ctx, p, askID, h, s.clock())
}

// Hours lists the hours logged on an ask: by its responder, or by whoever
// manages the incident.
func (s *Service) Hours(ctx context.Context, p auth.Principal, askID string) ([]Hours, error) {
	return s.store.AskHours(ctx, p, p.Scope(auth.PermIncidentManage), askID)
}

// Rate records the coordinator's rating of a responder's work (needs
// alliance:manage and incident:manage on the incident).
func (s *Service) Rate(ctx context.Context, p auth.Principal, askID string, r NewRating) (Rating, error) {
	if _, err := scope(p, auth.PermAllianceManage); err != nil {
		return Rating{}, err
	}
	sc, err := scope(p, auth.PermIncidentManage)
	if err != nil {
		return Rating{}, err
	}
	return s.store.RateAsk(ctx, p, sc, askID, r, s.clock())
}
