package incident

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/tlp"
)

// Report is an initial incident report as a constituent (or an escalated
// alert) gives it.
type Report struct {
	OrgID        string      `json:"org_id"`
	Title        string      `json:"title"`
	Description  string      `json:"description"`
	ContactName  string      `json:"contact_name"`
	ContactEmail string      `json:"contact_email"`
	ContactPhone string      `json:"contact_phone"`
	DetectedAt   time.Time   `json:"detected_at"`
	OccurredAt   time.Time   `json:"occurred_at,omitzero"`
	Category     string      `json:"category"` // RSIT class/type or a MISP tag; may be empty
	Impact       Impact      `json:"impact"`
	ActionsTaken string      `json:"actions_taken"`
	PersonalData bool        `json:"personal_data"`
	SystemIDs    []string    `json:"system_ids"`
	Indicators   []Indicator `json:"indicators"`
	TLP          string      `json:"tlp"` // default AMBER
	ClockProfile string      `json:"clock_profile"`
}

// Bounds of free text.
const (
	maxTitle = 300
	maxText  = 20000
	maxShort = 300
	maxList  = 200
)

func checkText(f *errs.Fields, field, v string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		f.Add(field, "incident.required", "required")
	case utf8.RuneCountInString(v) > max:
		f.Add(field, "incident.too_long", "too long")
	case !utf8.ValidString(v):
		f.Add(field, "incident.bad_text", "not valid text")
	}
}

// normalize checks a report against the rules that need no storage and
// returns it cleaned. now bounds the times (nothing detected in the future).
func (r Report) normalize(tax *Taxonomy, cfg *ClockConfig, now time.Time) (Report, tlp.Level, error) {
	var f errs.Fields
	r.Title, r.Description = strings.TrimSpace(r.Title), strings.TrimSpace(r.Description)
	r.ContactEmail = strings.TrimSpace(r.ContactEmail)
	checkText(&f, "org_id", r.OrgID, 100, true)
	checkText(&f, "title", r.Title, maxTitle, true)
	checkText(&f, "description", r.Description, maxText, true)
	checkText(&f, "contact_name", r.ContactName, maxShort, false)
	checkText(&f, "contact_phone", r.ContactPhone, 50, false)
	checkText(&f, "actions_taken", r.ActionsTaken, maxText, false)
	if r.ContactEmail != "" {
		if a, err := mail.ParseAddress(r.ContactEmail); err != nil || a.Address != r.ContactEmail {
			f.Add("contact_email", "incident.bad_email", "not an e-mail address")
		}
	}
	switch {
	case r.DetectedAt.IsZero():
		f.Add("detected_at", "incident.required", "required")
	case r.DetectedAt.After(now.Add(5 * time.Minute)):
		f.Add("detected_at", "incident.future", "lies in the future")
	}
	if !r.OccurredAt.IsZero() {
		if r.OccurredAt.After(now.Add(5 * time.Minute)) {
			f.Add("occurred_at", "incident.future", "lies in the future")
		} else if !r.DetectedAt.IsZero() && r.OccurredAt.After(r.DetectedAt) {
			f.Add("occurred_at", "incident.after_detection", "cannot be after the time of detection")
		}
	}
	if r.Category != "" {
		c, ok := tax.Normalize(r.Category)
		if !ok {
			f.Add("category", "incident.bad_category", "not a value of the RSIT taxonomy")
		}
		r.Category = c
	}
	if r.Impact == "" {
		r.Impact = ImpactLow
	} else if !r.Impact.Valid() {
		f.Add("impact", "incident.bad_impact", "must be one of none, low, medium, high, critical")
	}
	level := tlp.Amber
	if r.TLP != "" {
		l, err := tlp.Parse(r.TLP)
		if err != nil {
			f.Add("tlp", "incident.bad_tlp", "not a TLP level")
		}
		level = l
	}
	if r.ClockProfile == "" {
		r.ClockProfile = cfg.Default
	} else if p := cfg.Profile(r.ClockProfile); p == nil || p.When != "" {
		f.Add("clock_profile", "incident.bad_profile", "not a clock profile: "+strings.Join(cfg.BaseProfiles(), ", "))
	}
	if len(r.SystemIDs) > maxList {
		f.Add("system_ids", "incident.too_many", "too many systems")
	}
	r.SystemIDs = dedupe(r.SystemIDs)
	if len(r.Indicators) > maxList {
		f.Add("indicators", "incident.too_many", "too many indicators")
	}
	for i := range r.Indicators {
		in := &r.Indicators[i]
		in.Type, in.Value = strings.TrimSpace(in.Type), strings.TrimSpace(in.Value)
		if !slices.Contains(IndicatorTypes, in.Type) || in.Value == "" || len(in.Value) > 2000 {
			f.Add("indicators", "incident.bad_indicator", "each indicator needs a known type ("+strings.Join(IndicatorTypes, ", ")+") and a value")
			break
		}
	}
	return r, level, f.Err("incident.invalid")
}

func dedupe(ids []string) []string {
	var out []string
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
