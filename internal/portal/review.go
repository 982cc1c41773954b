package portal

import (
	"context"
	"slices"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

var (
	noteRule   = textRule{field: "note", max: 1000, multiLine: true}
	reasonRule = textRule{field: "reason", max: 1000, required: true, multiLine: true}
)

// transition is one review step applied to a loaded entry.
type transition func(e Entry, r Reviewer, now time.Time) (Entry, Review, error)

// review loads an entry, applies a step and saves both, retrying when
// another change of the entry won the race, and audits the step as action.
func (s *Service) review(ctx context.Context, p auth.Principal, r Reviewer, id, action string, step transition) (Entry, error) {
	for attempt := 1; ; attempt++ {
		cur, err := s.d.Store.GetEntry(ctx, id)
		if err != nil {
			return Entry{}, err
		}
		next, st, err := step(cur, r, s.now())
		if err != nil {
			return Entry{}, err
		}
		a := audit.New(p, action, "portal_entry", cur.ID, "").WithDetail(map[string]any{
			"round": next.Round, "from": cur.State, "to": next.State, "confirmations": len(next.Confirmations)})
		if r.Trusted {
			a = a.MergeDetail(map[string]any{"trusted_reviewer": true})
		}
		saved, err := s.d.Store.SaveReview(ctx, next, st, a)
		if lostRace(err) && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return Entry{}, err
		}
		s.changed(saved.Listing)
		return saved, nil
	}
}

// Confirm records p's confirmation of an entry under review; the second
// confirmation by a different reviewer publishes it.
func (s *Service) Confirm(ctx context.Context, p auth.Principal, id string, category Category, note string) (Entry, error) {
	r, _, err := s.mayReview(ctx, p)
	if err != nil {
		return Entry{}, err
	}
	var fs errs.Fields
	note = noteRule.clean(note, &fs)
	if category != "" && !slices.Contains(Categories, category) {
		fs.Add("category", "portal.bad_category", "choose a kind of scam from the list")
	}
	if err := fs.Err("portal.bad_review"); err != nil {
		return Entry{}, err
	}
	return s.review(ctx, p, r, id, "portal.entry_confirm", func(e Entry, r Reviewer, now time.Time) (Entry, Review, error) {
		return e.Confirm(r, category, note, now, s.d.TTL)
	})
}

// Reject closes the review of an entry without publishing it.
func (s *Service) Reject(ctx context.Context, p auth.Principal, id, reason string) (Entry, error) {
	r, _, err := s.mayReview(ctx, p)
	if err != nil {
		return Entry{}, err
	}
	var fs errs.Fields
	if reason = reasonRule.clean(reason, &fs); len(fs) > 0 {
		return Entry{}, fs.Err(CodeReasonRequired)
	}
	return s.review(ctx, p, r, id, "portal.entry_reject", func(e Entry, r Reviewer, now time.Time) (Entry, Review, error) {
		return e.Reject(r, reason, now)
	})
}

// Renew extends a publication by the TTL from now.
func (s *Service) Renew(ctx context.Context, p auth.Principal, id, note string) (Entry, error) {
	r, _, err := s.mayReview(ctx, p)
	if err != nil {
		return Entry{}, err
	}
	var fs errs.Fields
	if note = noteRule.clean(note, &fs); len(fs) > 0 {
		return Entry{}, fs.Err("portal.bad_review")
	}
	return s.review(ctx, p, r, id, "portal.entry_renew", func(e Entry, r Reviewer, now time.Time) (Entry, Review, error) {
		return e.Renew(r, note, now, s.d.TTL)
	})
}

// Reopen puts a closed entry back under review.
func (s *Service) Reopen(ctx context.Context, p auth.Principal, id, note string) (Entry, error) {
	r, _, err := s.mayReview(ctx, p)
	if err != nil {
		return Entry{}, err
	}
	var fs errs.Fields
	if note = noteRule.clean(note, &fs); len(fs) > 0 {
		return Entry{}, fs.Err("portal.bad_review")
	}
	return s.review(ctx, p, r, id, "portal.entry_reopen", func(e Entry, r Reviewer, now time.Time) (Entry, Review, error) {
		return e.Reopen(r, note, now)
	})
}

// ExpireDue marks every publication past its expiry as expired, audited as
// the system, and returns how many it marked. Look-ups and outputs stop
// showing an entry the moment it expires whether or not this has run; it
// keeps the stored state and the audit trail true. Run it on a schedule.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	var due []string
	err := s.d.Store.Listings(ctx, ListingFilter{States: []State{StatePublished}, ExpiredBy: s.now()}, func(l Listing) error {
		due = append(due, l.ID)
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range due {
		_, err := s.review(ctx, auth.System(), Reviewer{Label: "system"}, id, "portal.entry_expire",
			func(e Entry, _ Reviewer, now time.Time) (Entry, Review, error) { return e.Expire(now) })
		switch {
		case errs.Is(err, errs.KindConflict): // renewed or changed meanwhile
		case err != nil:
			return n, err
		default:
			n++
		}
	}
	return n, nil
}

// Queue lists entries for reviewers.
func (s *Service) Queue(ctx context.Context, p auth.Principal, f EntryFilter, pr page.Request) (page.Result[Entry], error) {
	if _, _, err := s.mayReview(ctx, p); err != nil {
		return page.Result[Entry]{}, err
	}
	pr, err := pr.Normalize(EntrySorts)
	if err != nil {
		return page.Result[Entry]{}, err
	}
	return s.d.Store.ListEntries(ctx, f, pr)
}

// Entry returns one entry with its review history, for reviewers.
func (s *Service) Entry(ctx context.Context, p auth.Principal, id string) (Entry, []Review, error) {
	if !p.Can(auth.PermPortalAppeal) && !s.MayReview(ctx, p) {
		return Entry{}, nil, errs.NotFound("portal.entry_not_found")
	}
	e, err := s.d.Store.GetEntry(ctx, id)
	if err != nil {
		return Entry{}, nil, err
	}
	h, err := s.d.Store.History(ctx, id)
	return e, h, err
}

// Reports returns the reports merged into an entry, with the reporters'
// descriptions and, for coordinators, contacts: a trusted alliance
// reviewer weighs what was reported, not who reported it, so the contacts
// are blanked for them (and their read is audited as such).
func (s *Service) Reports(ctx context.Context, p auth.Principal, entryID string) ([]Report, error) {
	_, trusted, err := s.mayReview(ctx, p)
	if err != nil {
		return nil, err
	}
	a := audit.New(p, "portal.reports_read", "portal_entry", entryID, "")
	if trusted {
		a = a.WithDetail(map[string]any{"trusted_reviewer": true, "contacts": "withheld"})
	}
	rs, err := s.d.Store.EntryReports(ctx, entryID, a)
	if trusted {
		for i := range rs {
			rs[i].Contact = ""
		}
	}
	return rs, err
}

// Screenshot returns one attached picture. The read is audited.
func (s *Service) Screenshot(ctx context.Context, p auth.Principal, id string) (Screenshot, error) {
	if _, _, err := s.mayReview(ctx, p); err != nil {
		return Screenshot{}, err
	}
	return s.d.Store.Screenshot(ctx, id, audit.New(p, "portal.screenshot_read", "portal_screenshot", id, ""))
}
