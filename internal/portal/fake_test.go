package portal

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal/guard"
)

// fakeStore is an in-memory Store that keeps the version rule and records
// audit entries, for the domain's tests. The real store has its own suite
// on both engines (internal/store/portal_test.go).
type fakeStore struct {
	mu      sync.Mutex
	n       int
	entries map[string]*Entry // by ID
	reviews []Review
	reports []Report
	shots   map[string]Screenshot
	appeals map[string]*Appeal
	audits  []audit.Entry
}

func newFake() *fakeStore {
	return &fakeStore{entries: map[string]*Entry{}, shots: map[string]Screenshot{}, appeals: map[string]*Appeal{}}
}

func (f *fakeStore) id(prefix string) string { f.n++; return fmt.Sprintf("%s%d", prefix, f.n) }

func (f *fakeStore) load(e *Entry) Entry {
	out := *e
	out.Confirmations = nil
	for _, r := range f.reviews {
		if r.EntryID == e.ID && r.Round == e.Round && r.Action == ActConfirm {
			out.Confirmations = append(out.Confirmations, r)
		}
	}
	out.StaffReporters = nil
	for _, r := range f.reports {
		if r.EntryID == e.ID && r.ReporterID != "" && !slices.Contains(out.StaffReporters, r.ReporterID) {
			out.StaffReporters = append(out.StaffReporters, r.ReporterID)
		}
	}
	return out
}

func (f *fakeStore) EntryByKey(_ context.Context, key string) (Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.entries {
		if e.Key == key {
			return f.load(e), nil
		}
	}
	return Entry{}, errs.NotFound("portal.entry_not_found")
}

func (f *fakeStore) GetEntry(_ context.Context, id string) (Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if e, ok := f.entries[id]; ok {
		return f.load(e), nil
	}
	return Entry{}, errs.NotFound("portal.entry_not_found")
}

func (f *fakeStore) ListEntries(_ context.Context, fl EntryFilter, _ page.Request) (page.Result[Entry], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Entry
	for _, e := range f.entries {
		if fl.State == "" || e.State == fl.State {
			out = append(out, f.load(e))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return page.Result[Entry]{Items: out}, nil
}

func (f *fakeStore) History(_ context.Context, id string) ([]Review, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Review
	for _, r := range f.reviews {
		if r.EntryID == id {
			out = append(out, r)
		}
	}
	return out, nil
}

// save stores e under the version rule; the caller holds mu.
func (f *fakeStore) save(e Entry, now time.Time) (Entry, error) {
	if e.Version == 0 {
		for _, x := range f.entries {
			if x.Key == e.Key {
				return Entry{}, errs.Conflict(CodeRace, "raced")
			}
		}
		e.ID = f.id("e")
	} else if cur := f.entries[e.ID]; cur == nil || cur.Version != e.Version {
		return Entry{}, errs.Conflict(CodeRace, "raced")
	}
	e.Version++
	e.UpdatedAt = now
	e.Confirmations, e.StaffReporters = nil, nil
	f.entries[e.ID] = &e
	return e, nil
}

func (f *fakeStore) SaveReport(_ context.Context, r Report, shots []Screenshot, e Entry, audits []audit.Entry) (Report, Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	saved, err := f.save(e, r.CreatedAt)
	if err != nil {
		return Report{}, Entry{}, err
	}
	r.ID, r.EntryID = f.id("r"), saved.ID
	f.reports = append(f.reports, r)
	for _, s := range shots {
		f.shots[s.ID] = s
	}
	for _, a := range audits {
		a.TargetID = cmpOr(a.TargetID, map[string]string{"portal_report": r.ID, "portal_entry": saved.ID}[a.TargetType])
		f.audits = append(f.audits, a)
	}
	return r, f.load(&saved), nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (f *fakeStore) SaveReview(_ context.Context, e Entry, step Review, a audit.Entry) (Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	saved, err := f.save(e, step.At)
	if err != nil {
		return Entry{}, err
	}
	step.ID = f.id("v")
	f.reviews = append(f.reviews, step)
	f.audits = append(f.audits, a)
	return f.load(&saved), nil
}

func (f *fakeStore) ReportByReceipt(_ context.Context, hash string) (Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.reports {
		if r.ReceiptHash == hash {
			return r, nil
		}
	}
	return Report{}, errs.NotFound("portal.receipt_not_found")
}

func (f *fakeStore) EntryReports(_ context.Context, id string, a audit.Entry) ([]Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.audits = append(f.audits, a)
	var out []Report
	for _, r := range f.reports {
		if r.EntryID == id {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeStore) Screenshot(_ context.Context, id string, a audit.Entry) (Screenshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.shots[id]
	if !ok {
		return Screenshot{}, errs.NotFound("portal.screenshot_not_found")
	}
	f.audits = append(f.audits, a)
	return s, nil
}

func (f *fakeStore) CreateAppeal(_ context.Context, ap Appeal, a audit.Entry) (Appeal, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, x := range f.appeals {
		if x.EntryID == ap.EntryID && x.State == AppealOpen {
			return Appeal{}, errs.Conflict(CodeAppealOpen, "open")
		}
	}
	ap.ID = f.id("a")
	f.appeals[ap.ID] = &ap
	a.TargetID = ap.ID
	f.audits = append(f.audits, a)
	return ap, nil
}

func (f *fakeStore) GetAppeal(_ context.Context, id string) (Appeal, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ap, ok := f.appeals[id]; ok {
		return *ap, nil
	}
	return Appeal{}, errs.NotFound("portal.appeal_not_found")
}

func (f *fakeStore) AppealByReceipt(_ context.Context, hash string) (Appeal, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ap := range f.appeals {
		if ap.ReceiptHash == hash {
			return *ap, nil
		}
	}
	return Appeal{}, errs.NotFound("portal.receipt_not_found")
}

func (f *fakeStore) ListAppeals(_ context.Context, fl AppealFilter, _ page.Request) (page.Result[Appeal], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Appeal
	for _, ap := range f.appeals {
		if fl.State == "" || ap.State == fl.State {
			out = append(out, *ap)
		}
	}
	return page.Result[Appeal]{Items: out}, nil
}

func (f *fakeStore) DecideAppeal(_ context.Context, ap Appeal, e *Entry, step *Review, a audit.Entry) (Appeal, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if e != nil {
		if _, err := f.save(*e, step.At); err != nil {
			return Appeal{}, err
		}
		step.ID = f.id("v")
		f.reviews = append(f.reviews, *step)
	}
	f.appeals[ap.ID] = &ap
	f.audits = append(f.audits, a)
	return ap, nil
}

func (f *fakeStore) Listings(_ context.Context, fl ListingFilter, fn func(Listing) error) error {
	f.mu.Lock()
	var out []Listing
	for _, e := range f.entries {
		l := e.Listing
		switch {
		case len(fl.States) > 0 && !slices.Contains(fl.States, l.State),
			!fl.ChangedSince.IsZero() && l.UpdatedAt.Before(fl.ChangedSince),
			!fl.ValidAt.IsZero() && l.State == StatePublished && !l.ExpiresAt.After(fl.ValidAt),
			!fl.ExpiredBy.IsZero() && l.State == StatePublished && l.ExpiresAt.After(fl.ExpiredBy):
			continue
		}
		out = append(out, l)
	}
	f.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	for _, l := range out {
		if err := fn(l); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeStore) actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, a := range f.audits {
		out = append(out, a.Action)
	}
	return out
}

func (f *fakeStore) counts() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprintf("entries=%d reports=%d shots=%d appeals=%d audits=%d", len(f.entries), len(f.reports), len(f.shots),
		len(f.appeals), len(f.audits))
}

// Test principals.
var (
	ana   = auth.Principal{UserID: "u-ana", Email: "ana@cert.example", Role: auth.RoleCoordinator}
	binh  = auth.Principal{UserID: "u-binh", Email: "binh@cert.example", Role: auth.RoleCoordinator}
	chi   = auth.Principal{UserID: "u-chi", Email: "chi@cert.example", Role: auth.RoleCoordinator}
	dung  = auth.Principal{UserID: "u-dung", Email: "dung@cert.example", Role: auth.RoleConstituentAdmin, Orgs: []string{"o1"}}
	testK = []byte("test proof-of-work key, 32 bytes")
)

// newService returns a Service on a fake store with cheap proof of work
// and generous limits.
func newService(t testing.TB, f *fakeStore) *Service {
	t.Helper()
	return New(Deps{Store: f, PoWKey: testK, PoW: guard.PoWOptions{Bits: 4, MinAge: -1},
		Report: guard.LimitOptions{Every: time.Millisecond, Burst: 1000},
		Lookup: guard.LimitOptions{Every: time.Millisecond, Burst: 1000}})
}

// client returns a Client that passed the abuse checks.
func client(s *Service) Client {
	c := s.Challenge()
	return Client{Remote: "192.0.2.10:5000", PoWToken: c.Token, PoWNonce: guard.Solve(c.Token, c.Bits)}
}

func mustSubmit(t testing.TB, s *Service, in ReportInput) Submitted {
	t.Helper()
	out, err := s.Submit(context.Background(), in, client(s))
	if err != nil {
		t.Fatalf("Submit(%+v): %v", in, err)
	}
	return out
}

func hasPrefix(list []string, p string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.HasPrefix(s, p) })
}
