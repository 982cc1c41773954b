package advisory

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Matcher finds which inventory items advisories affect. Package vuln
// provides the indexed implementation (vuln.Matcher, wired in internal/app).
type Matcher interface {
	// Inventory indexes items, for matching advisories one at a time.
	Inventory(items []InventoryItem) func(Advisory) []Match
	// Advisories indexes advs, for matching inventories against them.
	Advisories(advs []Advisory) func([]InventoryItem) []Match
}

// dotted compares versions as dot-separated numbers (non-numbers as text).
func dotted(a, b string) int {
	as, bs := strings.FieldsFunc(a, sep), strings.FieldsFunc(b, sep)
	for i := range max(len(as), len(bs)) {
		x, y := "0", "0"
		if i < len(as) {
			x = as[i]
		}
		if i < len(bs) {
			y = bs[i]
		}
		xn, ex := strconv.Atoi(x)
		yn, ey := strconv.Atoi(y)
		var c int
		if ex == nil && ey == nil {
			c = cmp.Compare(xn, yn)
		} else {
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func sep(r rune) bool { return r == '.' || r == '-' || r == '_' || r == '+' }

// Fold turns matches into the action items they ask for: one per
// (organisation, system, advisory), its inventory items sorted, its due date
// from the policy.
func Fold(matches []Match, advs map[string]Record, levels map[string]int, due DuePolicy, now FoldClock) []Pending {
	type key struct{ org, sys, adv string }
	by := map[key]*Pending{}
	var keys []key
	for _, m := range matches {
		k := key{m.OrgID, m.SystemID, m.AdvisoryID}
		p := by[k]
		if p == nil {
			a, ok := advs[m.AdvisoryID]
			if !ok {
				continue
			}
			lvl := levels[m.SystemID]
			p = &Pending{OrgID: m.OrgID, SystemID: m.SystemID, AdvisoryID: m.AdvisoryID, Severity: a.Severity,
				Level: lvl, KnownExploited: a.KnownExploited, DueAt: due.Due(a, lvl, now())}
			by[k] = p
			keys = append(keys, k)
		}
		if !slices.Contains(p.Items, m.ItemID) {
			p.Items = append(p.Items, m.ItemID)
		}
	}
	out := make([]Pending, 0, len(keys))
	for _, k := range keys {
		p := by[k]
		slices.Sort(p.Items)
		out = append(out, *p)
	}
	return out
}

// FoldClock gives the time items open at.
type FoldClock func() time.Time
