package advisory

import (
	"context"
	"slices"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
)

// Groupings of the debt ranking.
const (
	ByOrg      = "org"
	BySector   = "sector"
	ByProvince = "province"
)

// Groupings lists the debt groupings.
var Groupings = []string{ByOrg, BySector, ByProvince}

// DebtReport is the compliance debt p may see at a time.
type DebtReport struct {
	At      time.Time  `json:"at"`
	By      string     `json:"by"`
	Ranking []Debt     `json:"ranking"`
	Oldest  []DebtItem `json:"oldest"`
	Total   Debt       `json:"total"`
}

func debtScope(p auth.Principal) (auth.Scope, error) {
	if p.IsSystem() {
		return auth.Scope{All: true}, nil
	}
	sc := p.Scope(auth.PermDebtRead)
	if sc.Empty() {
		return sc, errs.NotFound("debt.not_found")
	}
	return sc, nil
}

// Debt ranks the organisations (sectors, provinces) p may see by their
// compliance debt now, with the oldest open items.
func (s *Service) Debt(ctx context.Context, p auth.Principal, by string) (DebtReport, error) {
	if by == "" {
		by = ByOrg
	}
	if !slices.Contains(Groupings, by) {
		return DebtReport{}, errs.Invalid("debt.bad_grouping", "no such grouping",
			errs.Field("by", "debt.bad_grouping", "one of org, sector, province"))
	}
	sc, err := debtScope(p)
	if err != nil {
		return DebtReport{}, err
	}
	items, err := s.d.Store.DebtItems(ctx, sc)
	if err != nil {
		return DebtReport{}, err
	}
	now := s.now()
	key := func(it DebtItem) (string, string) {
		switch by {
		case BySector:
			return it.Sector, it.Sector
		case ByProvince:
			return it.Province, it.Province
		}
		return it.OrgID, it.OrgName
	}
	rep := DebtReport{At: now, By: by, Ranking: Rank(items, now, key), Oldest: Oldest(items, 10)}
	if tot := Rank(items, now, func(DebtItem) (string, string) { return "", "" }); len(tot) == 1 {
		rep.Total = tot[0]
	}
	if rep.Oldest == nil {
		rep.Oldest = []DebtItem{}
	}
	its := make([]ActionItem, len(rep.Oldest))
	for i, d := range rep.Oldest {
		its[i] = d.ActionItem
	}
	if err := s.hideTitles(ctx, p, its); err != nil {
		return DebtReport{}, err
	}
	for i := range rep.Oldest {
		rep.Oldest[i].ActionItem = its[i]
	}
	return rep, nil
}

// Trend returns the daily debt snapshots p may see between two days
// (YYYY-MM-DD, inclusive), summed per day.
func (s *Service) Trend(ctx context.Context, p auth.Principal, orgID string, days int) ([]Snapshot, error) {
	sc, err := debtScope(p)
	if err != nil {
		return nil, err
	}
	if orgID != "" {
		if !sc.Allows(orgID) {
			return nil, errs.NotFound("debt.not_found")
		}
		sc = auth.Scope{Orgs: []string{orgID}}
	}
	if days <= 0 || days > 366 {
		days = 30
	}
	now := s.now()
	from := now.AddDate(0, 0, -days+1).Format(time.DateOnly)
	snaps, err := s.d.Store.DebtSnapshots(ctx, sc, from, now.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	by := map[string]*Snapshot{}
	var out []Snapshot
	for d := range days {
		day := now.AddDate(0, 0, -days+1+d).Format(time.DateOnly)
		out = append(out, Snapshot{OrgID: orgID, Day: day})
	}
	for i := range out {
		by[out[i].Day] = &out[i]
	}
	for _, sn := range snaps {
		if t := by[sn.Day]; t != nil {
			t.Score += sn.Score
			t.Open += sn.Open
			t.Overdue += sn.Overdue
		}
	}
	return out, nil
}

// SnapshotDebt records today's debt of every organisation with action items
// (a sweeper runs it; running it again the same day replaces the day's row).
func (s *Service) SnapshotDebt(ctx context.Context) (int, error) {
	items, err := s.d.Store.DebtItems(ctx, auth.Scope{All: true})
	if err != nil {
		return 0, err
	}
	now := s.now()
	day := now.Format(time.DateOnly)
	var snaps []Snapshot
	for _, d := range Rank(items, now, func(it DebtItem) (string, string) { return it.OrgID, it.OrgName }) {
		snaps = append(snaps, Snapshot{OrgID: d.Key, Day: day, Score: d.Score, Open: d.Open, Overdue: d.Overdue})
	}
	return len(snaps), s.d.Store.SaveDebtSnapshots(ctx, snaps, now)
}
