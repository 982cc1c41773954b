package advisory

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// Puller fetches the advisories of a feed (package advimport).
type Puller interface {
	Pull(ctx context.Context, f Feed) ([]Advisory, error)
}

// Deps are the Service's dependencies.
type Deps struct {
	Store    Store
	Matcher  Matcher      // required: vuln.Matcher
	Versions VersionCheck // nil: any version without spaces
	Puller   Puller       // nil: feeds cannot be pulled
	Blobs    Blobs        // remediation evidence; nil: notes only
	Due      DuePolicy
	Ladder   Ladder // zero: DefaultLadder
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service writes, imports and publishes advisories, matches them against
// inventories into action items, runs the action-item workflow and the
// escalation ladder, and computes compliance debt.
type Service struct {
	d Deps
	m *matching
}

// matching serialises matching runs, so two runs never race to open the
// same action item or send two digests for it, and keeps the advisory index
// inventories are matched against: built on first use, dropped whenever an
// advisory changes (under mu).
type matching struct {
	mu    sync.Mutex
	index *advIndex
}

// advIndex is a built advisory index and the records it holds.
type advIndex struct {
	match func([]InventoryItem) []Match
	recs  []Record
}

// New returns a Service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Ladder == (Ladder{}) {
		d.Ladder = DefaultLadder
	}
	return &Service{d: d, m: &matching{}}
}

// WithClock returns the service reading time from now, sharing everything
// else (matching runs stay serialised). Demo data uses it to record the
// past: advisories published weeks ago, daily debt snapshots.
func (s *Service) WithClock(now func() time.Time) *Service {
	d := s.d
	d.Now = now
	return &Service{d: d, m: s.m}
}

func (s *Service) now() time.Time { return s.d.Now().UTC().Truncate(time.Microsecond) }

// Ladder is the escalation ladder in force.
func (s *Service) Ladder() Ladder { return s.d.Ladder }

var (
	errForbidden = errs.New(errs.KindForbidden, "advisory.forbidden", "your role may not manage advisories")
	errNotFound  = errs.NotFound("advisory.not_found")
)

func canManage(p auth.Principal) error {
	if p.IsSystem() || p.Scope(auth.PermAdvisoryManage).All {
		return nil
	}
	if p.Can(auth.PermAdvisoryRead) {
		return errForbidden
	}
	return errNotFound
}

// CanManage returns nil when p may write, import and publish advisories,
// else the error to answer (forbidden to a reader, not found to others).
func CanManage(p auth.Principal) error { return canManage(p) }

// clearance is the highest TLP p reads advisories at.
func clearance(p auth.Principal) tlp.Level {
	if p.IsSystem() {
		return tlp.Red
	}
	if !p.Can(auth.PermAdvisoryRead) {
		return 0
	}
	return p.Clearance()
}

// Get returns an advisory p may read.
func (s *Service) Get(ctx context.Context, p auth.Principal, id string) (Record, error) {
	c := clearance(p)
	if c == 0 {
		return Record{}, errNotFound
	}
	r, err := s.d.Store.GetAdvisory(ctx, c, id)
	if err == nil && r.Status == StatusDraft && canManage(p) != nil {
		return Record{}, errNotFound // drafts are the coordinators' own
	}
	return r, err
}

// List lists advisories p may read.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter, pr page.Request) (page.Result[Record], error) {
	pr, err := pr.Normalize(Sorts)
	if err != nil {
		return page.Result[Record]{}, err
	}
	f.Clearance = clearance(p)
	if f.Clearance == 0 {
		return page.Result[Record]{Items: []Record{}}, nil
	}
	if canManage(p) != nil {
		if f.Status == StatusDraft {
			return page.Result[Record]{Items: []Record{}}, nil
		}
		f.Status = "!" + StatusDraft
	}
	return s.d.Store.ListAdvisories(ctx, f, pr)
}

// Create writes a new draft of the platform's own advisory.
func (s *Service) Create(ctx context.Context, p auth.Principal, r Record) (Record, error) {
	if err := canManage(p); err != nil {
		return Record{}, err
	}
	r.ID, r.Source, r.Status, r.Revision, r.FeedID, r.PublishedBy = "", SourceKhien, StatusDraft, "1", "", ""
	if r.Publisher == "" {
		r.Publisher = "Khiên"
	}
	if err := Validate(&r, s.d.Versions); err != nil {
		return Record{}, err
	}
	return s.d.Store.CreateAdvisory(ctx, r, audit.New(p, "advisory.create", "advisory", "", ""))
}

// Update replaces the editable fields of one of the platform's own
// advisories. A published one gets a new revision and is matched again.
func (s *Service) Update(ctx context.Context, p auth.Principal, id string, in Record) (Record, error) {
	if err := canManage(p); err != nil {
		return Record{}, err
	}
	cur, err := s.d.Store.GetAdvisory(ctx, tlp.Red, id)
	if err != nil {
		return Record{}, err
	}
	if cur.Source != SourceKhien {
		return Record{}, errs.Conflict("advisory.imported", "an imported advisory changes only through a newer import")
	}
	r := cur
	r.Title, r.TitleVI, r.Summary, r.SummaryVI, r.Action, r.ActionVI = in.Title, in.TitleVI, in.Summary, in.SummaryVI, in.Action, in.ActionVI
	r.CVEs, r.Scores, r.Severity, r.TLP, r.Products, r.References = in.CVEs, in.Scores, in.Severity, in.TLP, in.Products, in.References
	r.KnownExploited, r.KEVDueDate, r.DueProfile = in.KnownExploited, in.KEVDueDate, in.DueProfile
	if err := Validate(&r, s.d.Versions); err != nil {
		return Record{}, err
	}
	if r.Status == StatusPublished {
		r.Revision = nextRevision(cur.Revision)
		r.Updated = s.now()
	}
	out, err := s.d.Store.UpdateAdvisory(ctx, r, audit.New(p, "advisory.update", "advisory", id, ""))
	if err != nil {
		return Record{}, err
	}
	if out.Status == StatusPublished {
		if _, err := s.MatchAdvisories(ctx, []string{id}); err != nil {
			return out, err
		}
	}
	return out, nil
}

// Publish publishes a draft: it is matched against every inventory and, when
// TLP:CLEAR, served by the CSAF provider.
func (s *Service) Publish(ctx context.Context, p auth.Principal, id string) (Record, SyncResult, error) {
	if err := canManage(p); err != nil {
		return Record{}, SyncResult{}, err
	}
	r, err := s.d.Store.GetAdvisory(ctx, tlp.Red, id)
	if err != nil {
		return Record{}, SyncResult{}, err
	}
	if r.Source != SourceKhien {
		return Record{}, SyncResult{}, errs.Conflict("advisory.imported", "only the platform's own advisories are published here")
	}
	if r.Status == StatusPublished {
		return Record{}, SyncResult{}, errs.Conflict("advisory.published", "the advisory is already published")
	}
	now := s.now()
	r.Status, r.Published, r.Updated = StatusPublished, now, now
	r.PublishedBy = p.Email
	out, err := s.d.Store.UpdateAdvisory(ctx, r, audit.New(p, "advisory.publish", "advisory", id, ""))
	if err != nil {
		return Record{}, SyncResult{}, err
	}
	res, err := s.MatchAdvisories(ctx, []string{id})
	return out, res, err
}

// nextRevision counts revisions of the platform's own advisories: "1", "2"…
func nextRevision(r string) string {
	n, err := strconv.Atoi(r)
	if err != nil {
		return r + ".1"
	}
	return strconv.Itoa(n + 1)
}

// Import stores imported advisories, each document in its own transaction:
// a bad document is reported and the rest imported. A document whose Source
// and SourceID are already stored replaces the stored one only when its
// revision is newer. The created and updated ones are then matched, in one
// run, so each organisation gets one digest.
func (s *Service) Import(ctx context.Context, p auth.Principal, advs []Advisory) (ImportResult, error) {
	return s.importFrom(ctx, p, "", advs)
}

func (s *Service) importFrom(ctx context.Context, p auth.Principal, feedID string, advs []Advisory) (ImportResult, error) {
	if err := canManage(p); err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Documents: make([]DocResult, 0, len(advs))}
	var changed []string
	for i, a := range advs {
		d := DocResult{Index: i, Source: a.Source, SourceID: a.SourceID}
		r := Record{Advisory: a, FeedID: feedID}
		r.ID = ""
		if r.Status == "" || r.Status == StatusPublished {
			r.Status = "final"
		}
		if !r.TLP.Valid() {
			r.TLP = tlp.Clear
		}
		var probs []string
		if a.Source == "" || a.Source == SourceKhien {
			probs = append(probs, "source: the source of an imported document is csaf, cve5, nvd, osv or kev")
		}
		if strings.TrimSpace(a.SourceID) == "" {
			probs = append(probs, "source_id: the document has no id")
		}
		if err := Validate(&r, s.d.Versions); err != nil {
			probs = append(probs, problems(err)...)
		}
		if len(probs) > 0 {
			d.Outcome, d.Problems = OutcomeFailed, probs
			res.Failed++
			res.Documents = append(res.Documents, d)
			continue
		}
		id, outcome, err := s.d.Store.ImportAdvisory(ctx, r, func(old Advisory) bool { return Newer(r.Advisory, old) },
			audit.New(p, "advisory.import", "advisory", "", "").WithDetail(map[string]string{"source": r.Source, "source_id": r.SourceID, "revision": r.Revision}))
		if err != nil {
			if errs.KindOf(err) == errs.KindInternal {
				return res, err
			}
			d.Outcome, d.Problems = OutcomeFailed, problems(err)
			res.Failed++
			res.Documents = append(res.Documents, d)
			continue
		}
		d.ID, d.Outcome = id, outcome
		switch outcome {
		case OutcomeCreated:
			res.Created++
			changed = append(changed, id)
		case OutcomeUpdated:
			res.Updated++
			changed = append(changed, id)
		default:
			res.Unchanged++
		}
		res.Documents = append(res.Documents, d)
	}
	if len(changed) > 0 {
		sr, err := s.MatchAdvisories(ctx, changed)
		if err != nil {
			return res, err
		}
		res.ActionItems = sr.Opened + sr.Reopened
	}
	return res, nil
}

// problems flattens an error into "field: message" lines.
func problems(err error) []string {
	e, ok := errors.AsType[*errs.Error](err)
	if !ok {
		return []string{"internal error"}
	}
	if len(e.Fields) == 0 {
		return []string{e.Public}
	}
	out := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		out = append(out, f.Field+": "+f.Message)
	}
	return out
}

// Newer reports whether a is a newer revision of the same document than old:
// by its update time when both have one, else by comparing revisions as
// dotted numbers ("1.10" after "1.9").
func Newer(a, old Advisory) bool {
	if !a.Updated.IsZero() && !old.Updated.IsZero() && !a.Updated.Equal(old.Updated) {
		return a.Updated.After(old.Updated)
	}
	if a.Revision != old.Revision {
		return dotted(a.Revision, old.Revision) > 0
	}
	return false
}
