package alliance

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

// MemberSorts and ResponderSorts are the sortable fields of the member and
// responder lists (keyset pages, internal/page).
var (
	MemberSorts    = []string{"name"}
	ResponderSorts = []string{"name"}
)

// Filter narrows a list of responders.
type Filter struct {
	OrgID    string // one member company
	Skill    string // holding this skill
	Province string // in this province
	Active   bool   // only active profiles
}

// Store is the storage the alliance needs; internal/store implements it.
// Changes append their audit entries, and enqueue their notices, in the
// transaction of the change; the store applies the rules of this package
// (Ask.Answer, Ask.Release, NewHours.Check, NewRating.Check) inside that
// transaction, on the row it read there.
type Store interface {
	// AllianceMembers and ResponderProfiles list one page (pr normalised
	// against MemberSorts, ResponderSorts).
	AllianceMembers(ctx context.Context, s auth.Scope, pr page.Request) (page.Result[Member], error)
	ResponderProfiles(ctx context.Context, s auth.Scope, f Filter, pr page.Request) (page.Result[Profile], error)
	ResponderProfile(ctx context.Context, s auth.Scope, userID string) (Profile, error)
	// SaveResponderProfile creates or replaces the profile of pr.UserID, who
	// must be a responder member of pr.OrgID, an alliance member within s.
	SaveResponderProfile(ctx context.Context, p auth.Principal, s auth.Scope, pr Profile) (Profile, error)
	SetResponderAvailability(ctx context.Context, p auth.Principal, s auth.Scope, userID string, a Availability) (Profile, error)
	// UnregisteredResponders lists responder users of member companies in s
	// without a profile (UserID, OrgID, OrgName, Name and Email set).
	UnregisteredResponders(ctx context.Context, s auth.Scope) ([]Profile, error)

	// MobilisationIncident reads the incident when its organisation is in s.
	MobilisationIncident(ctx context.Context, s auth.Scope, incidentID string) (Incident, error)
	CreateMobilisation(ctx context.Context, p auth.Principal, inc Incident, r Request) (Request, error)
	Mobilisation(ctx context.Context, s auth.Scope, id string) (Request, error)
	Mobilisations(ctx context.Context, s auth.Scope, incidentID string) ([]Request, error)
	// AskResponders asks the picked candidates on request r (read in s) and
	// enqueues their mobilisation.request notices.
	AskResponders(ctx context.Context, p auth.Principal, s auth.Scope, requestID string, picks []Candidate, now time.Time) (Request, error)
	// ResponderAsks lists the asks addressed to userID, newest first.
	ResponderAsks(ctx context.Context, userID string) ([]Ask, error)
	// ResponderAsk reads one ask addressed to userID.
	ResponderAsk(ctx context.Context, userID, askID string) (Ask, error)
	// AnswerAsk answers p's own ask; an accept grants access to the incident.
	AnswerAsk(ctx context.Context, p auth.Principal, askID string, accept bool, reason string, now time.Time) (Ask, error)
	// ReleaseAsk releases an accepted ask on an incident in s and revokes access.
	ReleaseAsk(ctx context.Context, p auth.Principal, s auth.Scope, askID, reason string, now time.Time) (Ask, error)
	LogHours(ctx context.Context, p auth.Principal, askID string, h NewHours, now time.Time) (Hours, error)
	// AskHours lists the hours of an ask: p's own, or any on an incident in s.
	AskHours(ctx context.Context, p auth.Principal, s auth.Scope, askID string) ([]Hours, error)
	RateAsk(ctx context.Context, p auth.Principal, s auth.Scope, askID string, r NewRating, now time.Time) (Rating, error)
	// ReleaseFinishedMobilisations releases everyone still mobilised to a
	// closed incident (and expires pending asks on it); it returns how many
	// incidents it settled.
	ReleaseFinishedMobilisations(ctx context.Context, now time.Time) (int, error)
}

// Deps are the Service's dependencies.
type Deps struct {
	Store  Store
	Now    func() time.Time
	Logger *slog.Logger
}

// Service is the alliance and mobilisation.
type Service struct {
	store Store
	now   func() time.Time
	log   *slog.Logger
}

// New returns a Service.
func New(d Deps) *Service {
	s := &Service{store: d.Store, now: d.Now, log: d.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// clock is the service's time at the precision both databases keep.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

var errForbidden = errs.New(errs.KindForbidden, "alliance.forbidden", "you may not do this in the alliance")

func scope(p auth.Principal, perm auth.Permission) (auth.Scope, error) {
	sc := p.Scope(perm)
	if sc.Empty() {
		return sc, errForbidden
	}
	return sc, nil
}

// Members lists a page of the member companies p may see, by name.
func (s *Service) Members(ctx context.Context, p auth.Principal, pr page.Request) (page.Result[Member], error) {
	sc, err := scope(p, auth.PermAllianceRead)
	if err != nil {
		return page.Result[Member]{}, err
	}
	if pr, err = pr.Normalize(MemberSorts); err != nil {
		return page.Result[Member]{}, err
	}
	return s.store.AllianceMembers(ctx, sc, pr)
}

// Responders lists a page of the responders p may see, by name.
func (s *Service) Responders(ctx context.Context, p auth.Principal, f Filter, pr page.Request) (page.Result[Profile], error) {
	sc, err := scope(p, auth.PermAllianceRead)
	if err != nil {
		return page.Result[Profile]{}, err
	}
	if err := f.check(); err != nil {
		return page.Result[Profile]{}, err
	}
	if pr, err = pr.Normalize(ResponderSorts); err != nil {
		return page.Result[Profile]{}, err
	}
	return s.store.ResponderProfiles(ctx, sc, f, pr)
}

// everyProfile reads every profile in sc matching f, page by page: the
// roster (sorted by on-call state) and the ranking of candidates look at
// all of them at once. Their size is the alliance's (its registered
// responders), not the caller's to choose.
func (s *Service) everyProfile(ctx context.Context, sc auth.Scope, f Filter) ([]Profile, error) {
	ps := []Profile{}
	pr := page.Request{Limit: page.MaxLimit, Sort: ResponderSorts[0]}
	for {
		res, err := s.store.ResponderProfiles(ctx, sc, f, pr)
		if err != nil {
			return nil, err
		}
		ps = append(ps, res.Items...)
		if res.Next == "" {
			return ps, nil
		}
		pr.Cursor = res.Next
	}
}

func (f *Filter) check() error {
	f.Skill, f.Province = strings.TrimSpace(f.Skill), strings.TrimSpace(f.Province)
	if f.Skill != "" && !ValidSkill(f.Skill) {
		return errs.Invalid("alliance.unknown_skill", "unknown skill", errs.Field("skill", "alliance.unknown_skill", "unknown skill"))
	}
	if f.Province != "" {
		pr, ok := LookupProvince(f.Province)
		if !ok {
			return errs.Invalid("alliance.unknown_province", "unknown province",
				errs.Field("province", "alliance.unknown_province", "not a province of Việt Nam"))
		}
		f.Province = pr.Name
	}
	return nil
}

// Responder reads one responder's profile. A responder always sees their own.
func (s *Service) Responder(ctx context.Context, p auth.Principal, userID string) (Profile, error) {
	sc, err := scope(p, auth.PermAllianceRead)
	if err != nil {
		return Profile{}, err
	}
	return s.store.ResponderProfile(ctx, sc, userID)
}

// Unregistered lists the responder users of member companies who have no
// profile yet, for those who register responders (alliance:manage).
func (s *Service) Unregistered(ctx context.Context, p auth.Principal) ([]Profile, error) {
	sc, err := scope(p, auth.PermAllianceManage)
	if err != nil {
		return nil, err
	}
	return s.store.UnregisteredResponders(ctx, sc)
}

// SaveProfile creates or replaces a responder's profile (alliance:manage).
func (s *Service) SaveProfile(ctx context.Context, p auth.Principal, pr Profile) (Profile, error) {
	sc, err := scope(p, auth.PermAllianceManage)
	if err != nil {
		return Profile{}, err
	}
	if err := pr.Normalize(); err != nil {
		return Profile{}, err
	}
	return s.store.SaveResponderProfile(ctx, p, sc, pr)
}

// SetAvailability replaces a responder's schedule: their own, or anyone's
// with alliance:manage.
func (s *Service) SetAvailability(ctx context.Context, p auth.Principal, userID string, a Availability) (Profile, error) {
	sc := p.Scope(auth.PermAllianceManage)
	if sc.Empty() {
		if p.UserID == "" || p.UserID != userID || p.Scope(auth.PermAllianceRead).Empty() {
			return Profile{}, errs.NotFound("alliance.responder_not_found")
		}
		sc = p.Scope(auth.PermAllianceRead) // their own member company
	}
	if err := a.Normalize(); err != nil {
		return Profile{}, err
	}
	return s.store.SetResponderAvailability(ctx, p, sc, userID, a)
}

// RosterEntry is a responder with whether they are on call now.
type RosterEntry struct {
	Profile
	OnCall     bool      `json:"on_call"`
	NextOnCall time.Time `json:"next_on_call,omitzero"`
}

// Roster lists active responders with their on-call state now; with onlyNow
// it keeps those on call now. Those on call come first, then by name.
func (s *Service) Roster(ctx context.Context, p auth.Principal, f Filter, onlyNow bool) ([]RosterEntry, error) {
	sc, err := scope(p, auth.PermAllianceRead)
	if err != nil {
		return nil, err
	}
	f.Active = true
	if err := f.check(); err != nil {
		return nil, err
	}
	ps, err := s.everyProfile(ctx, sc, f)
	if err != nil {
		return nil, err
	}
	return Roster(ps, s.clock(), onlyNow), nil
}

// Roster computes the roster of ps at now (see Service.Roster).
func Roster(ps []Profile, now time.Time, onlyNow bool) []RosterEntry {
	out := []RosterEntry{}
	for _, pr := range ps {
		e := RosterEntry{Profile: pr, OnCall: pr.Availability.OnCallAt(now)}
		if !e.OnCall {
			e.NextOnCall, _ = pr.Availability.NextOnCall(now, 7*24*time.Hour)
		}
		if onlyNow && !e.OnCall {
			continue
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b RosterEntry) int {
		if a.OnCall != b.OnCall {
			if a.OnCall {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name+a.UserID, b.Name+b.UserID)
	})
	return out
}

// ReleaseFinished ends the mobilisations of incidents that closed: the
// responders are released (losing access) and pending asks expire.
func (s *Service) ReleaseFinished(ctx context.Context) (int, error) {
	return s.store.ReleaseFinishedMobilisations(ctx, s.clock())
}

// Sweep runs ReleaseFinished every interval until ctx ends, logging failures.
func (s *Service) Sweep(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.ReleaseFinished(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.log.Error("releasing responders of closed incidents failed", "err", err)
			case n > 0:
				s.log.Info("released responders of closed incidents", "incidents", n)
			}
		}
	}
}
