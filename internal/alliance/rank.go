package alliance

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/khien-cert/khien/internal/tlp"
)

// Need is what a mobilisation request asks for, with what the ranking needs
// to know about the incident.
type Need struct {
	Skills   []string  // requested skills
	OrgID    string    // the affected organisation
	Province string    // the affected organisation's province ("" unknown)
	TLP      tlp.Level // the incident's marking; responders must be cleared for it
}

// Reasons a responder is not a candidate.
const (
	ExcludedOwnOrg    = "own_org"       // their member company is the affected organisation
	ExcludedConflict  = "conflict"      // they declared a conflict of interest with it
	ExcludedClearance = "clearance"     // their clearance is below the incident's TLP
	ExcludedInactive  = "inactive"      // their profile is not active
	ExcludedAsked     = "already_asked" // already asked on this request
)

// Weights of the score parts; they add up to 100.
const (
	WeightSkills       = 40
	WeightAvailability = 20
	WeightDistance     = 15
	WeightLoad         = 15
	WeightRating       = 10
)

// SoonOnCall is how far ahead "on call soon" looks.
const SoonOnCall = 12 * time.Hour

// Score is a candidate's points and the facts they came from.
type Score struct {
	Total        int       `json:"total"`
	Skills       int       `json:"skills"`
	Availability int       `json:"availability"`
	Distance     int       `json:"distance"`
	Load         int       `json:"load"`
	Rating       int       `json:"rating"`
	Matched      []string  `json:"matched"`
	Missing      []string  `json:"missing"`
	OnCall       bool      `json:"on_call"`
	NextOnCall   time.Time `json:"next_on_call,omitzero"`
	SameProvince bool      `json:"same_province"`
	SameRegion   bool      `json:"same_region"`
	DistanceKm   int       `json:"distance_km"`
	KnownPlace   bool      `json:"known_place"`
}

// Candidate is one responder considered for a request: scored, or excluded
// with a reason.
type Candidate struct {
	Responder Profile `json:"responder"`
	Score     Score   `json:"score"`
	Excluded  string  `json:"excluded,omitempty"`
}

// Rank scores every profile for n at now. Candidates come best first;
// excluded responders (with their reason, in user-ID order) are returned
// apart. asked lists user IDs already asked on the request. The result
// depends only on the arguments.
func Rank(n Need, ps []Profile, asked []string, now time.Time) (ranked, excluded []Candidate) {
	for _, p := range ps {
		c := Candidate{Responder: p}
		if c.Excluded = exclusion(n, p, asked); c.Excluded != "" {
			excluded = append(excluded, c)
			continue
		}
		c.Score = score(n, p, now)
		ranked = append(ranked, c)
	}
	slices.SortFunc(ranked, func(a, b Candidate) int {
		return cmp.Or(cmp.Compare(b.Score.Total, a.Score.Total), cmp.Compare(b.Score.Skills, a.Score.Skills),
			cmp.Compare(a.Responder.UserID, b.Responder.UserID))
	})
	slices.SortFunc(excluded, func(a, b Candidate) int { return cmp.Compare(a.Responder.UserID, b.Responder.UserID) })
	return ranked, excluded
}

func exclusion(n Need, p Profile, asked []string) string {
	switch {
	case n.OrgID != "" && p.OrgID == n.OrgID:
		return ExcludedOwnOrg
	case n.OrgID != "" && slices.Contains(p.Conflicts, n.OrgID):
		return ExcludedConflict
	case !p.Active:
		return ExcludedInactive
	case n.TLP.Valid() && !p.Clearance.Allows(n.TLP):
		return ExcludedClearance
	case slices.Contains(asked, p.UserID):
		return ExcludedAsked
	}
	return ""
}

func points(weight int, share float64) int {
	return int(math.Round(float64(weight) * min(max(share, 0), 1)))
}

func score(n Need, p Profile, now time.Time) Score {
	var s Score
	for _, sk := range uniq(n.Skills) {
		if p.HasSkill(sk) {
			s.Matched = append(s.Matched, sk)
		} else {
			s.Missing = append(s.Missing, sk)
		}
	}
	s.Skills = WeightSkills
	if want := len(s.Matched) + len(s.Missing); want > 0 {
		s.Skills = points(WeightSkills, float64(len(s.Matched))/float64(want))
	}

	s.OnCall = p.Availability.OnCallAt(now)
	if s.OnCall {
		s.Availability = WeightAvailability
	} else if next, ok := p.Availability.NextOnCall(now, SoonOnCall); ok {
		s.NextOnCall, s.Availability = next, WeightAvailability/2
	}

	km, known := DistanceKm(p.Province, n.Province)
	s.KnownPlace, s.DistanceKm = known, km
	if a, ok := LookupProvince(p.Province); ok {
		b, ok := LookupProvince(n.Province)
		s.SameRegion = ok && a.Region == b.Region
	}
	switch {
	case known && km == 0:
		s.SameProvince, s.Distance = true, WeightDistance
	case known:
		// Falls to nothing at 1,500 km (Hà Nội to Cà Mau is about 1,750),
		// and never reaches a same-province score.
		s.Distance = min(points(WeightDistance, 1-float64(km)/1500), WeightDistance-1)
	default:
		s.Distance = WeightDistance / 3
	}

	if p.Capacity > 0 {
		s.Load = points(WeightLoad, float64(p.Capacity-p.Load)/float64(p.Capacity))
	}

	mean := 3.0 // no ratings yet: the middle of the scale
	if p.Ratings > 0 {
		mean = p.Rating
	}
	s.Rating = points(WeightRating, (mean-1)/4)

	s.Total = s.Skills + s.Availability + s.Distance + s.Load + s.Rating
	return s
}
