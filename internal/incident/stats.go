package incident

import (
	"sort"
	"time"
)

// Stats are the incident statistics of a period.
type Stats struct {
	Total        int
	ByCategory   map[string]int // RSIT class ("" unclassified)
	BySeverity   map[Severity]int
	BySector     map[string]int
	ByProvince   map[string]int
	ByMonth      map[string]int // "2026-03" in Asia/Ho_Chi_Minh
	MTTA         time.Duration  // mean report → triage, over triaged incidents
	MTTR         time.Duration  // mean report → resolved, over resolved incidents
	Triaged      int
	Resolved     int
	WithinClocks int         // finished (resolved or closed) without any breached clock
	Finished     int         // resolved or closed
	MajorByYear  map[int]int // S3 and S4 incidents by year reported
	Months       []string    // the months of the period, in order
}

// WithinShare is the share (0–1) of finished incidents handled within every clock.
func (s Stats) WithinShare() float64 {
	if s.Finished == 0 {
		return 0
	}
	return float64(s.WithinClocks) / float64(s.Finished)
}

// Compute aggregates rows (rejected incidents count nowhere but the total of
// reports is not shown for them either: they were not incidents).
func Compute(rows []StatRow, from, to time.Time) Stats {
	z := Zone()
	s := Stats{ByCategory: map[string]int{}, BySeverity: map[Severity]int{}, BySector: map[string]int{},
		ByProvince: map[string]int{}, ByMonth: map[string]int{}, MajorByYear: map[int]int{}}
	for m := time.Date(from.In(z).Year(), from.In(z).Month(), 1, 0, 0, 0, 0, z); m.Before(to); m = m.AddDate(0, 1, 0) {
		s.Months = append(s.Months, m.Format("2006-01"))
	}
	var tta, ttr time.Duration
	for _, r := range rows {
		if r.State == StateRejected || r.State == StateMerged {
			continue
		}
		s.Total++
		s.ByCategory[ClassOf(r.Category)]++
		s.BySeverity[r.Severity]++
		s.BySector[r.Sector]++
		s.ByProvince[r.Province]++
		s.ByMonth[r.ReportedAt.In(z).Format("2006-01")]++
		if r.Severity.Major() {
			s.MajorByYear[r.ReportedAt.In(z).Year()]++
		}
		if !r.TriagedAt.IsZero() {
			s.Triaged++
			tta += r.TriagedAt.Sub(r.ReportedAt)
		}
		if !r.ResolvedAt.IsZero() {
			s.Resolved++
			ttr += r.ResolvedAt.Sub(r.ReportedAt)
		}
		if r.State == StateResolved || r.State == StateClosed {
			s.Finished++
			if !r.Breached {
				s.WithinClocks++
			}
		}
	}
	if s.Triaged > 0 {
		s.MTTA = tta / time.Duration(s.Triaged)
	}
	if s.Resolved > 0 {
		s.MTTR = ttr / time.Duration(s.Resolved)
	}
	return s
}

// SortedKeys returns the keys of m, largest count first, then by name.
func SortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}
