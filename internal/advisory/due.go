package advisory

import (
	"strconv"
	"strings"
	"time"
)

// Day is 24 hours: due dates count whole days from when the item opened.
const Day = 24 * time.Hour

// DueTable is THE default due-date policy: how many days an organisation has
// to act on an advisory, by severity and by the information system's security
// level (1–5, Decree 85/2016). Index 0 is for levels 1–3, index 1 for 4–5:
// the more critical the system, the sooner. Operators may replace it through
// the configuration (DuePolicy.Table).
var DueTable = map[string][2]int{
	SeverityCritical: {15, 7},
	SeverityHigh:     {30, 15},
	SeverityMedium:   {60, 30},
	SeverityLow:      {180, 90},
	SeverityNone:     {180, 90},
}

// DuePolicy computes due dates. The zero value uses DueTable and the KEV due
// date where an advisory lists one.
type DuePolicy struct {
	Table map[string][2]int // nil: DueTable
	// Profile is the platform-wide profile for advisories that name none
	// (ProfileDefault or ProfileBOD2201).
	Profile string
}

// bodCutoffYear is the year BOD 22-01 distinguishes CVEs by: CVE IDs assigned
// from 2021 on get two weeks, older ones six months.
const bodCutoffYear = 2021

// Due is when an item opened at opened for an advisory on a system of level
// level falls due. Whatever the profile, a KEV listing with a due date wins
// when it is later than opened (CISA's date is binding for listed CVEs).
func (p DuePolicy) Due(a Record, level int, opened time.Time) time.Time {
	if a.KnownExploited && !a.KEVDueDate.IsZero() {
		d := endOfDay(a.KEVDueDate)
		if d.After(opened) {
			return d
		}
		// Listed long ago: the organisation still gets the shortest period.
		return opened.Add(p.days(SeverityCritical, 5))
	}
	profile := a.DueProfile
	if profile == ProfileDefault {
		profile = p.Profile
	}
	if profile == ProfileBOD2201 {
		if recentCVE(a.CVEs) {
			return opened.Add(14 * Day)
		}
		return opened.AddDate(0, 6, 0)
	}
	return opened.Add(p.days(a.Severity, level))
}

// days is the table's period for severity on a level-level system.
func (p DuePolicy) days(severity string, level int) time.Duration {
	t := p.Table
	if t == nil {
		t = DueTable
	}
	row, ok := t[severity]
	if !ok {
		// A configured table may name only some severities: the rest keep
		// the built-in periods.
		if row, ok = DueTable[severity]; !ok {
			row = DueTable[SeverityNone]
		}
	}
	i := 0
	if level >= 4 {
		i = 1
	}
	return time.Duration(row[i]) * Day
}

// recentCVE reports whether any CVE was assigned in bodCutoffYear or later
// (an advisory without CVEs counts as recent: the stricter deadline).
func recentCVE(cves []string) bool {
	if len(cves) == 0 {
		return true
	}
	for _, c := range cves {
		y, _, ok := strings.Cut(strings.TrimPrefix(strings.ToUpper(c), "CVE-"), "-")
		if ok && len(y) == 4 && y >= strconv.Itoa(bodCutoffYear) {
			return true
		}
	}
	return false
}

// endOfDay is the last instant of t's UTC day (KEV gives dates, not times).
func endOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 23, 59, 59, 0, time.UTC)
}
