package advisory

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/notify"
)

// MatchAdvisories matches the advisories ids (just created, changed or
// published) against every organisation's inventory, and brings their
// action items in line: one per (organisation, system, advisory).
func (s *Service) MatchAdvisories(ctx context.Context, ids []string) (SyncResult, error) {
	if len(ids) > maxMatchIDs {
		// A bulk import (an NVD or KEV pull): one full run costs less than
		// a run naming every advisory, and keeps SQL parameter lists short.
		return s.recompute(ctx)
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.index = nil // the advisories changed
	recs, err := s.d.Store.MatchableAdvisories(ctx, ids)
	if err != nil {
		return SyncResult{}, err
	}
	items, err := s.d.Store.InventoryForMatching(ctx, "")
	if err != nil {
		return SyncResult{}, err
	}
	var matches []Match
	if len(recs) > 0 {
		m := s.d.Matcher.Inventory(items)
		for _, r := range recs {
			matches = append(matches, m(r.Advisory)...)
		}
	}
	// ids not matchable any more (a record that became a draft, or went
	// beyond AMBER) are still in reach: their items close.
	return s.sync(ctx, SyncRun{AdvisoryIDs: ids}, matches, recs, items)
}

// MatchOrg matches organisation orgID's inventory (after it changed)
// against every advisory.
func (s *Service) MatchOrg(ctx context.Context, orgID string) (SyncResult, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	items, err := s.d.Store.InventoryForMatching(ctx, orgID)
	if err != nil {
		return SyncResult{}, err
	}
	idx, err := s.advisoryIndex(ctx)
	if err != nil {
		return SyncResult{}, err
	}
	return s.sync(ctx, SyncRun{OrgID: orgID}, idx.match(items), idx.recs, items)
}

// advisoryIndex returns the index of every matchable advisory, building it
// when an advisory changed since it was last built. Callers hold s.m.mu.
func (s *Service) advisoryIndex(ctx context.Context) (*advIndex, error) {
	if s.m.index != nil {
		return s.m.index, nil
	}
	recs, err := s.d.Store.MatchableAdvisories(ctx, nil)
	if err != nil {
		return nil, err
	}
	s.m.index = &advIndex{match: s.d.Matcher.Advisories(advisoriesOf(recs)), recs: recs}
	return s.m.index, nil
}

// Recompute matches every inventory against every advisory (a coordinator's
// full run, after the matcher or the due-date policy changed).
func (s *Service) Recompute(ctx context.Context, p auth.Principal) (SyncResult, error) {
	if !p.IsSystem() && !p.Scope(auth.PermActionReview).All {
		return SyncResult{}, errs.New(errs.KindForbidden, "action.forbidden", "only coordinators recompute every match")
	}
	return s.recompute(ctx)
}

// maxMatchIDs is the most advisories a run names; more make a full run.
const maxMatchIDs = 2000

func (s *Service) recompute(ctx context.Context) (SyncResult, error) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	items, err := s.d.Store.InventoryForMatching(ctx, "")
	if err != nil {
		return SyncResult{}, err
	}
	s.m.index = nil
	idx, err := s.advisoryIndex(ctx)
	if err != nil {
		return SyncResult{}, err
	}
	return s.sync(ctx, SyncRun{All: true}, idx.match(items), idx.recs, items)
}

func advisoriesOf(recs []Record) []Advisory {
	out := make([]Advisory, len(recs))
	for i, r := range recs {
		out[i] = r.Advisory
	}
	return out
}

// sync folds matches into pending items and applies the run.
func (s *Service) sync(ctx context.Context, run SyncRun, matches []Match, recs []Record, items []InventoryItem) (SyncResult, error) {
	byID := make(map[string]Record, len(recs))
	for _, r := range recs {
		byID[r.ID] = r
	}
	levels := make(map[string]int)
	for _, it := range items {
		levels[it.SystemID] = it.Level
	}
	now := s.now()
	run.Now = now
	run.Want = Fold(matches, byID, levels, s.d.Due, func() time.Time { return now })
	run.Digest = func(orgID string, opened []ActionItem) notify.Notice { return Digest(orgID, opened) }
	e := audit.New(auth.System(), "action.match", "advisory", "", "")
	switch {
	case run.All:
		e.Action = "action.recompute"
	case run.OrgID != "":
		e.TargetType, e.TargetID, e.OrgID = "organisation", run.OrgID, run.OrgID
	case len(run.AdvisoryIDs) == 1:
		e.TargetID = run.AdvisoryIDs[0]
	}
	res, err := s.d.Store.SyncActionItems(ctx, run, e)
	if err == nil && res != (SyncResult{}) {
		s.d.Logger.Info("action items matched", "opened", res.Opened, "reopened", res.Reopened, "updated", res.Updated,
			"closed", res.Closed, "orgs", res.Orgs)
	}
	return res, err
}

// Digest is the one notice an organisation gets for the action items a run
// opened for it, addressed to its CISO and technical contacts. The line of an
// item on an advisory above AMBER has no title (see ActionItem.TitleMailable).
func Digest(orgID string, opened []ActionItem) notify.Notice {
	var vi, en strings.Builder
	fmt.Fprintf(&vi, "Có %d việc cần xử lý mới theo cảnh báo an toàn thông tin:\n\n", len(opened))
	fmt.Fprintf(&en, "%d new action items from security advisories:\n\n", len(opened))
	ids := make([]string, 0, len(opened))
	for _, it := range opened {
		title, titleEN := "(cảnh báo hạn chế chia sẻ, xem trên nền tảng)", "(restricted advisory, see the platform)"
		if it.TitleMailable() {
			title, titleEN = it.AdvisoryTitleVI, it.AdvisoryTitle
			if title == "" {
				title = it.AdvisoryTitle
			}
		}
		fmt.Fprintf(&vi, "- [%s] %s — hệ thống %s, hạn %s\n", it.Severity, title, it.SystemName, it.DueAt.Format("2006-01-02"))
		fmt.Fprintf(&en, "- [%s] %s — system %s, due %s\n", it.Severity, titleEN, it.SystemName, it.DueAt.Format("2006-01-02"))
		ids = append(ids, it.ID)
	}
	return notify.Notice{
		Kind:     "advisory.digest",
		OrgID:    orgID,
		Contacts: []string{"ciso", "technical"},
		Text: map[string]notify.Text{
			"vi": {Subject: fmt.Sprintf("%d việc cần xử lý mới theo cảnh báo", len(opened)), Body: vi.String()},
			"en": {Subject: fmt.Sprintf("%d new action items from advisories", len(opened)), Body: en.String()},
		},
		Link: "/actions",
		Data: map[string]any{"action_items": ids},
	}
}
