package portal

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// Answer is what a look-up tells the public. Advice holds message keys
// (the UI translates them), most important first.
type Answer struct {
	Status Status     `json:"status"`
	Kind   canon.Kind `json:"kind"`  // how the input was read
	Value  string     `json:"value"` // the canonical value checked
	Match  *Hit       `json:"match,omitempty"`
	Exact  bool       `json:"exact,omitempty"` // the entry is the value itself, not a parent domain, a site or another reading
	Advice []string   `json:"advice"`
}

// CodeUnreadable is the code of a look-up input that is no kind of value.
const CodeUnreadable = "portal.lookup_unreadable"

// Check reads any input (a web address, a domain, a phone number, a bank
// account, an e-mail address or a profile), tries every reading and its
// wider keys, and answers with the strongest status found: confirmed over
// under review over unknown, the most specific match first among equals.
func (ix *Index) Check(input string, now time.Time) (Answer, error) {
	probes := canon.Probes(input)
	if len(probes) == 0 {
		const msg = "enter a web address, a domain name, a phone number, a bank account, an e-mail address or a profile address"
		return Answer{}, errs.Invalid(CodeUnreadable, msg, errs.Field("q", CodeUnreadable, msg))
	}
	a := Answer{Status: StatusUnknown, Kind: probes[0].Subject.Kind, Value: probes[0].Subject.Value}
	for _, p := range probes {
		for _, k := range p.Keys {
			ix.Find(k, now, func(h Hit) {
				if a.Match == nil || rank(h.Status) > rank(a.Match.Status) {
					a.Match, a.Status, a.Exact = &h, h.Status, h.Key == p.Subject.Key
					a.Kind, a.Value = p.Subject.Kind, p.Subject.Value
				}
			})
		}
	}
	a.Advice = advice(a)
	return a, nil
}

func rank(s Status) int {
	switch s {
	case StatusConfirmed:
		return 2
	case StatusUnderReview:
		return 1
	}
	return 0
}

// advice gives the message keys for an answer: the verdict, what to do
// about this kind of value, and what to do if already harmed.
func advice(a Answer) []string {
	kind := a.Kind
	if a.Match != nil {
		kind = a.Match.Kind
	}
	switch a.Status {
	case StatusConfirmed:
		return []string{"portal.advice.confirmed", "portal.advice.confirmed." + string(kind), "portal.advice.if_harmed"}
	case StatusUnderReview:
		return []string{"portal.advice.under_review", "portal.advice.caution." + string(kind), "portal.advice.report_more"}
	}
	return []string{"portal.advice.unknown", "portal.advice.caution." + string(kind), "portal.advice.report"}
}

// live holds the current Index. Readers load it without locks; changes are
// applied under mu, and changes that arrive while a rebuild streams from
// the store are replayed onto the rebuilt index before it is swapped in.
type live struct {
	cur        atomic.Pointer[Index]
	mu         sync.Mutex
	rebuilding bool
	missed     []Listing
	watermark  time.Time // RebuildIndex or RefreshIndex saw every change before this
}

func (l *live) load() *Index {
	if ix := l.cur.Load(); ix != nil {
		return ix
	}
	return emptyIndex
}

var emptyIndex = &Index{base: (&builder{}).build()}

// changed applies one entry's new state to the live index.
func (s *Service) changed(l Listing) {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	s.live.cur.Store(s.live.load().With(l))
	if s.live.rebuilding {
		s.live.missed = append(s.live.missed, l)
	}
}

// Index is the current look-up index.
func (s *Service) Index() *Index { return s.live.load() }

// Lookup answers a citizen's look-up, rate-limited per client network so
// that the list cannot be enumerated cheaply. It does not touch the store.
func (s *Service) Lookup(input string, c Client) (Answer, error) {
	now := s.d.Now()
	if err := s.lookups.Limit(c.Remote, now); err != nil {
		return Answer{}, err
	}
	return s.live.load().Check(input, now)
}

// RebuildIndex builds the look-up index from every entry on show and swaps
// it in. Changes made by this process meanwhile are kept.
func (s *Service) RebuildIndex(ctx context.Context) error {
	s.live.mu.Lock()
	s.live.rebuilding, s.live.missed = true, nil
	s.live.mu.Unlock()
	start := s.d.Now()
	var b builder
	err := s.d.Store.Listings(ctx, ListingFilter{States: []State{StatePending, StatePublished}}, func(l Listing) error {
		b.add(l)
		return nil
	})
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	s.live.rebuilding = false
	if err != nil {
		return err
	}
	ix := (&Index{base: b.build()}).With(s.live.missed...)
	s.live.missed = nil
	s.live.cur.Store(ix)
	s.live.watermark = start
	base, _ := ix.Len()
	s.d.Logger.Info("portal index rebuilt", "keys", base)
	return nil
}

// refreshSlack covers clocks of other processes that run a little behind.
const refreshSlack = 5 * time.Second

// RefreshIndex applies the changes other processes stored since the last
// rebuild or refresh (a deployment of several processes runs it every few
// seconds; one process alone has no need of it).
func (s *Service) RefreshIndex(ctx context.Context) error {
	s.live.mu.Lock()
	since := s.live.watermark.Add(-refreshSlack)
	s.live.mu.Unlock()
	start := s.d.Now()
	var changes []Listing
	if err := s.d.Store.Listings(ctx, ListingFilter{ChangedSince: since}, func(l Listing) error {
		changes = append(changes, l)
		return nil
	}); err != nil {
		return err
	}
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	s.live.cur.Store(s.live.load().With(changes...))
	s.live.watermark = start
	return nil
}
