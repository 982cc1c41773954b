package vuln

import "github.com/khien-cert/khien/internal/advisory"

// Matcher is the indexed implementation of advisory.Matcher: Inventory
// builds an InventoryIndex, Advisories an AdvisoryIndex. Problems, when
// set, receives what each index build or match had to skip.
type Matcher struct {
	Problems func([]Problem)
}

var _ advisory.Matcher = Matcher{}

func (m Matcher) report(ps []Problem) {
	if m.Problems != nil && len(ps) > 0 {
		m.Problems(ps)
	}
}

// Inventory implements advisory.Matcher.
func (m Matcher) Inventory(inv []advisory.InventoryItem) func(advisory.Advisory) []advisory.Match {
	ix, probs := NewInventoryIndex(items(inv))
	m.report(probs)
	return func(a advisory.Advisory) []advisory.Match {
		ms, probs := ix.Match(a)
		m.report(probs)
		return matches(ms)
	}
}

// Advisories implements advisory.Matcher.
func (m Matcher) Advisories(advs []advisory.Advisory) func([]advisory.InventoryItem) []advisory.Match {
	ix, probs := NewAdvisoryIndex(advs)
	m.report(probs)
	return func(inv []advisory.InventoryItem) []advisory.Match {
		ms, probs := ix.MatchProblems(items(inv))
		m.report(probs)
		return matches(ms)
	}
}

func items(inv []advisory.InventoryItem) []Item {
	out := make([]Item, len(inv))
	for i, it := range inv {
		out[i] = Item{ID: it.ID, OrgID: it.OrgID, SystemID: it.SystemID, CPE: it.CPE, PURL: it.PURL, Version: it.Version}
	}
	return out
}

func matches(ms []Match) []advisory.Match {
	out := make([]advisory.Match, len(ms))
	for i, m := range ms {
		out[i] = advisory.Match{AdvisoryID: m.AdvisoryID, ItemID: m.ItemID, OrgID: m.OrgID, SystemID: m.SystemID, Product: m.Product}
	}
	return out
}
