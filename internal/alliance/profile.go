package alliance

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/tlp"
)

// Member is an alliance member company: an organisation of kind
// alliance-member, with how many responders it has registered.
type Member struct {
	OrgID      string `json:"org_id"`
	Slug       string `json:"slug"`
	Name       string `json:"name"`
	Province   string `json:"province,omitempty"`
	Responders int    `json:"responders"`
	Active     int    `json:"active_mobilisations"`
}

// Certification is a professional certification a responder holds.
type Certification struct {
	Name    string    `json:"name"`
	Issuer  string    `json:"issuer"`
	Expires time.Time `json:"expires,omitzero"` // zero: does not expire
}

// ValidAt reports whether the certification has not expired at t.
func (c Certification) ValidAt(t time.Time) bool { return c.Expires.IsZero() || t.Before(c.Expires) }

// Profile is a responder: a user of role responder who belongs to a member
// company, and what the alliance knows about them.
type Profile struct {
	UserID         string          `json:"user_id"`
	OrgID          string          `json:"org_id"` // the member company
	OrgName        string          `json:"org_name,omitempty"`
	Name           string          `json:"name"`  // from the user (read-only)
	Email          string          `json:"email"` // from the user (read-only)
	Skills         []string        `json:"skills"`
	Certifications []Certification `json:"certifications"`
	Clearance      tlp.Level       `json:"clearance"` // the highest TLP they may be shown
	Languages      []string        `json:"languages"`
	Province       string          `json:"province"`
	Capacity       int             `json:"capacity"` // concurrent incidents
	Availability   Availability    `json:"availability"`
	Conflicts      []string        `json:"conflicts"` // organisation IDs they must not work for
	Active         bool            `json:"active"`
	Phone          string          `json:"phone,omitempty"`
	Load           int             `json:"load"`    // accepted, unreleased mobilisations (read-only)
	Rating         float64         `json:"rating"`  // mean rating, 0 without any (read-only)
	Ratings        int             `json:"ratings"` // how many ratings (read-only)
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// Bounds of a profile.
const (
	MaxCapacity  = 10
	maxCerts     = 30
	maxLanguages = 10
	maxConflicts = 100
	maxText      = 200
	maxPhone     = 40
)

// Languages a responder may list (ISO 639-1), in display order.
var Languages = []string{"vi", "en", "fr", "zh", "ja", "ko", "ru", "de"}

// Normalize cleans p and checks it: known skills (deduplicated, in taxonomy
// order), certifications with a name and issuer, a valid clearance, known
// languages, a known province, a capacity of 1–MaxCapacity and a valid
// schedule. Every problem is named by field; p changes nothing in storage.
func (p *Profile) Normalize() error {
	var f errs.Fields
	p.Skills = uniq(p.Skills)
	for _, s := range p.Skills {
		if !ValidSkill(s) {
			f.Add("skills", "alliance.unknown_skill", fmt.Sprintf("unknown skill %q", s))
		}
	}
	slices.SortStableFunc(p.Skills, func(a, b string) int { return skillPos(a) - skillPos(b) })
	if len(p.Certifications) > maxCerts {
		f.Add("certifications", "alliance.too_many", fmt.Sprintf("at most %d certifications", maxCerts))
	}
	for i := range p.Certifications {
		c := &p.Certifications[i]
		c.Name, c.Issuer = strings.TrimSpace(c.Name), strings.TrimSpace(c.Issuer)
		c.Expires = c.Expires.UTC()
		if c.Name == "" || len([]rune(c.Name)) > maxText {
			f.Add(fmt.Sprintf("certifications[%d].name", i), "alliance.bad_certification", "a certification needs a name of at most 200 characters")
		}
		if c.Issuer == "" || len([]rune(c.Issuer)) > maxText {
			f.Add(fmt.Sprintf("certifications[%d].issuer", i), "alliance.bad_certification", "a certification needs an issuer of at most 200 characters")
		}
	}
	if !p.Clearance.Valid() {
		f.Add("clearance", "alliance.bad_clearance", "clearance must be a TLP level")
	}
	p.Languages = uniq(p.Languages)
	if len(p.Languages) > maxLanguages {
		f.Add("languages", "alliance.too_many", fmt.Sprintf("at most %d languages", maxLanguages))
	}
	for _, l := range p.Languages {
		if !slices.Contains(Languages, l) {
			f.Add("languages", "alliance.unknown_language", fmt.Sprintf("unknown language %q", l))
		}
	}
	if pr, ok := LookupProvince(p.Province); ok {
		p.Province = pr.Name
	} else {
		f.Add("province", "alliance.unknown_province", "not a province of Việt Nam")
	}
	if p.Capacity < 1 || p.Capacity > MaxCapacity {
		f.Add("capacity", "alliance.bad_capacity", fmt.Sprintf("capacity is 1 to %d concurrent incidents", MaxCapacity))
	}
	p.Conflicts = uniq(p.Conflicts)
	if len(p.Conflicts) > maxConflicts {
		f.Add("conflicts", "alliance.too_many", fmt.Sprintf("at most %d organisations", maxConflicts))
	}
	p.Phone = strings.TrimSpace(p.Phone)
	if len(p.Phone) > maxPhone {
		f.Add("phone", "alliance.too_long", fmt.Sprintf("at most %d characters", maxPhone))
	}
	if err := p.Availability.Normalize(); err != nil {
		if e, ok := err.(*errs.Error); ok {
			f = append(f, e.Fields...)
		}
	}
	return f.Err("alliance.bad_profile")
}

// HasSkill reports whether the responder lists skill.
func (p Profile) HasSkill(skill string) bool { return slices.Contains(p.Skills, skill) }

func skillPos(id string) int {
	return slices.IndexFunc(skills, func(s Skill) bool { return s.ID == id })
}

// uniq trims, drops empty and repeated values, keeping the first order.
func uniq(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
