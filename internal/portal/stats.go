package portal

// This file computes the public statistics page's figures: reports
// received and entries confirmed per month over the last year, reports and
// confirmations per kind of scam, and the kinds of value most reported.
// Only counts leave the store; nothing about a reporter or a single report
// does. The figures are cached for StatsTTL, so the public page costs the
// database one set of queries every few minutes whatever its traffic.

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/khien-cert/khien/internal/portal/canon"
)

// StatsMonths is how many calendar months the statistics cover, the
// current one included.
const StatsMonths = 12

// StatsTTL is how long computed statistics are served before they are
// counted again.
const StatsTTL = 5 * time.Minute

// vietnam is the zone months are cut in (UTC+7 all year round).
var vietnam = time.FixedZone("ICT", 7*3600)

// StatsStore counts for the statistics page.
type StatsStore interface {
	// PortalStats counts reports received and entries published (by
	// published_at) in each [bounds[i], bounds[i+1]), and, since bounds[0],
	// reports per category and per kind and published entries per category.
	PortalStats(ctx context.Context, bounds []time.Time) (StatsCounts, error)
	// PortalCounts counts only reports received and entries published per
	// interval.
	PortalCounts(ctx context.Context, bounds []time.Time) (received, confirmed []int, err error)
}

// StatsWeeks is how many weeks (Monday to Sunday, Vietnam time) the weekly
// figures cover, the current one included.
const StatsWeeks = 12

// StatsCounts is what the store counts.
type StatsCounts struct {
	Received, Confirmed []int              // per interval
	ByCategory          map[Category]int   // reports since bounds[0]
	ConfirmedByCategory map[Category]int   // entries published since bounds[0]
	ByKind              map[canon.Kind]int // reports since bounds[0]
}

// Stats is the statistics page's data.
type Stats struct {
	Months     []MonthStat
	Weeks      []MonthStat    // Start is the Monday
	Categories []CategoryStat // most reported first; "" is "not said"
	Kinds      []KindStat     // most reported first
	Received   int            // reports in the period
	Confirmed  int            // entries confirmed in the period
	From       time.Time      // start of the first month (Vietnam time)
	Computed   time.Time
}

// MonthStat is one month's figures.
type MonthStat struct {
	Start     time.Time // first instant of the month, Vietnam time
	Received  int
	Confirmed int
}

// CategoryStat is one kind of scam's figures.
type CategoryStat struct {
	Category  Category
	Reports   int
	Confirmed int
}

// KindStat is one kind of value's figure.
type KindStat struct {
	Kind    canon.Kind
	Reports int
}

// statsCache holds the last computed statistics.
type statsCache struct {
	mu sync.Mutex
	at time.Time
	v  Stats
}

// PublicStats returns the statistics, at most StatsTTL old.
func (s *Service) PublicStats(ctx context.Context) (Stats, error) {
	if s.d.Stats == nil {
		return Stats{}, errUnavailable("statistics")
	}
	now := s.now()
	c := &s.stats
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && now.Sub(c.at) < StatsTTL && !now.Before(c.at) {
		return c.v, nil
	}
	v, err := ComputeStats(ctx, s.d.Stats, now)
	if err != nil {
		return Stats{}, err
	}
	c.at, c.v = now, v
	return v, nil
}

// MonthBounds are the starts of the StatsMonths calendar months (Vietnam
// time) ending with now's, followed by the start of the next month.
func MonthBounds(now time.Time) []time.Time {
	t := now.In(vietnam)
	first := time.Date(t.Year(), t.Month()-StatsMonths+1, 1, 0, 0, 0, 0, vietnam)
	out := make([]time.Time, StatsMonths+1)
	for i := range out {
		out[i] = first.AddDate(0, i, 0)
	}
	return out
}

// WeekBounds are the Mondays (00:00 Vietnam time) of the StatsWeeks weeks
// ending with now's, followed by the next Monday.
func WeekBounds(now time.Time) []time.Time {
	t := now.In(vietnam)
	back := (int(t.Weekday()) + 6) % 7 // days since Monday
	monday := time.Date(t.Year(), t.Month(), t.Day()-back, 0, 0, 0, 0, vietnam)
	out := make([]time.Time, StatsWeeks+1)
	for i := range out {
		out[i] = monday.AddDate(0, 0, 7*(i-StatsWeeks+1))
	}
	return out
}

// ComputeStats counts from st for the year up to now.
func ComputeStats(ctx context.Context, st StatsStore, now time.Time) (Stats, error) {
	bounds := MonthBounds(now)
	utc := make([]time.Time, len(bounds))
	for i, b := range bounds {
		utc[i] = b.UTC()
	}
	c, err := st.PortalStats(ctx, utc)
	if err != nil {
		return Stats{}, err
	}
	v := Stats{From: bounds[0], Computed: now}
	weeks := WeekBounds(now)
	wu := make([]time.Time, len(weeks))
	for i, b := range weeks {
		wu[i] = b.UTC()
	}
	wr, wc, err := st.PortalCounts(ctx, wu)
	if err != nil {
		return Stats{}, err
	}
	for i := range StatsWeeks {
		w := MonthStat{Start: weeks[i]}
		if i < len(wr) && i < len(wc) {
			w.Received, w.Confirmed = wr[i], wc[i]
		}
		v.Weeks = append(v.Weeks, w)
	}
	for i := range StatsMonths {
		m := MonthStat{Start: bounds[i]}
		if i < len(c.Received) {
			m.Received = c.Received[i]
		}
		if i < len(c.Confirmed) {
			m.Confirmed = c.Confirmed[i]
		}
		v.Received += m.Received
		v.Confirmed += m.Confirmed
		v.Months = append(v.Months, m)
	}
	for _, cat := range append([]Category{""}, Categories...) {
		if n, k := c.ByCategory[cat], c.ConfirmedByCategory[cat]; n+k > 0 {
			v.Categories = append(v.Categories, CategoryStat{Category: cat, Reports: n, Confirmed: k})
		}
	}
	slices.SortStableFunc(v.Categories, func(a, b CategoryStat) int { return b.Reports - a.Reports })
	for k, n := range c.ByKind {
		if n > 0 {
			v.Kinds = append(v.Kinds, KindStat{Kind: k, Reports: n})
		}
	}
	slices.SortFunc(v.Kinds, func(a, b KindStat) int {
		if a.Reports != b.Reports {
			return b.Reports - a.Reports
		}
		return strings.Compare(string(a.Kind), string(b.Kind))
	})
	return v, nil
}
