package advisory

import (
	"cmp"
	"encoding/csv"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// severityWeight is how much one overdue item of a severity weighs.
var severityWeight = map[string]float64{
	SeverityCritical: 10, SeverityHigh: 5, SeverityMedium: 2, SeverityLow: 1, SeverityNone: 0.5,
}

// ItemDebt is THE compliance-debt formula for one action item at now:
//
//	debt = severity weight × level factor × age factor
//
//	severity weight: critical 10, high 5, medium 2, low 1, none 0.5
//	level factor:    0.6 + 0.2 × security level  (level 1: 0.8 … level 5: 1.6)
//	age factor:      1 + log2(1 + days overdue / 7)  (one week late: 2, three weeks: 3)
//	                 and ×1.5 when the advisory is a known-exploited one
//
// An item that is not overdue (or is covered by an exception) owes nothing.
// The age factor grows without bound but slowly, so the oldest items count
// most without one forgotten item drowning every other signal.
func ItemDebt(it ActionItem, now time.Time) float64 {
	if !it.Overdue(now) {
		return 0
	}
	w, ok := severityWeight[it.Severity]
	if !ok {
		w = severityWeight[SeverityNone]
	}
	level := float64(min(max(it.SecurityLevel, 1), 5))
	days := now.Sub(it.DueAt).Hours() / 24
	d := w * (0.6 + 0.2*level) * (1 + math.Log2(1+days/7))
	if it.KnownExploited {
		d *= 1.5
	}
	return math.Round(d*100) / 100
}

// DebtItem is one active action item as the debt computation sees it.
type DebtItem struct {
	ActionItem
	Sector   string
	Province string
}

// Debt is the compliance debt of one organisation (or a sector, a province).
type Debt struct {
	Key      string  `json:"key"`  // organisation ID, sector or province
	Name     string  `json:"name"` // what to show
	Score    float64 `json:"score"`
	Open     int     `json:"open"`
	Overdue  int     `json:"overdue"`
	Critical int     `json:"critical_overdue"`
	// OldestDue is the due date of the oldest overdue item.
	OldestDue time.Time `json:"oldest_due,omitzero"`
}

// Rank sums ItemDebt per key (what key returns for each item) and returns
// the totals, highest debt first (ties by name).
func Rank(items []DebtItem, now time.Time, key func(DebtItem) (k, name string)) []Debt {
	by := map[string]*Debt{}
	for _, it := range items {
		k, name := key(it)
		d := by[k]
		if d == nil {
			d = &Debt{Key: k, Name: name}
			by[k] = d
		}
		if !it.State.Active() {
			continue
		}
		d.Open++
		if it.Overdue(now) {
			d.Overdue++
			d.Score += ItemDebt(it.ActionItem, now)
			if it.Severity == SeverityCritical {
				d.Critical++
			}
			if d.OldestDue.IsZero() || it.DueAt.Before(d.OldestDue) {
				d.OldestDue = it.DueAt
			}
		}
	}
	out := make([]Debt, 0, len(by))
	for _, d := range by {
		d.Score = math.Round(d.Score*100) / 100
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b Debt) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return out
}

// Oldest returns up to n open (active) items, the longest open first.
func Oldest(items []DebtItem, n int) []DebtItem {
	var out []DebtItem
	for _, it := range items {
		if it.State.Active() {
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b DebtItem) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return a.DueAt.Compare(b.DueAt)
	})
	return out[:min(n, len(out))]
}

// Snapshot is one organisation's debt on one day, for the trend.
type Snapshot struct {
	OrgID   string  `json:"org_id"`
	Day     string  `json:"day"` // YYYY-MM-DD (UTC)
	Score   float64 `json:"score"`
	Open    int     `json:"open"`
	Overdue int     `json:"overdue"`
}

// WriteCSV writes a debt ranking as CSV with a header row.
func WriteCSV(w io.Writer, rep DebtReport) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"rank", rep.By, "name", "score", "open", "overdue", "critical_overdue", "oldest_due"})
	for i, d := range rep.Ranking {
		oldest := ""
		if !d.OldestDue.IsZero() {
			oldest = d.OldestDue.Format(time.DateOnly)
		}
		_ = cw.Write([]string{strconv.Itoa(i + 1), csvSafe(d.Key), csvSafe(d.Name), strconv.FormatFloat(d.Score, 'f', 2, 64),
			strconv.Itoa(d.Open), strconv.Itoa(d.Overdue), strconv.Itoa(d.Critical), oldest})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
