package evidence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence/custody"
)

// VaultDir is the vault's directory inside the data directory.
const VaultDir = "evidence"

// Deps are the Service's dependencies.
type Deps struct {
	Store  Store
	Blobs  blob.Store
	Key    Key
	Now    func() time.Time
	Logger *slog.Logger
	// MaxSize bounds one item's content in bytes; 0 means no bound.
	MaxSize int64
}

// Service is the evidence vault.
type Service struct {
	store   Store
	blobs   blob.Store
	key     Key
	now     func() time.Time
	log     *slog.Logger
	maxSize int64
	closer  func() error
}

// New returns a Service over the given store, blobs and key.
func New(d Deps) *Service {
	s := &Service{store: d.Store, blobs: d.Blobs, key: d.Key, now: d.Now, log: d.Logger, maxSize: d.MaxSize}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Open builds the Service on the data directory root: the custody key from
// keys/custody.key and, unless d.Blobs is given (an S3 store), the blob
// vault in the evidence/ directory. d.Key is filled; Close releases the
// vault.
func Open(root *os.Root, d Deps) (*Service, error) {
	key, err := LoadOrCreateKey(root)
	if err != nil {
		return nil, err
	}
	if d.Blobs != nil {
		d.Key = key
		return New(d), nil
	}
	if err := root.MkdirAll(VaultDir, 0o700); err != nil {
		return nil, fmt.Errorf("evidence vault: %w", err)
	}
	vault, err := root.OpenRoot(VaultDir)
	if err != nil {
		return nil, fmt.Errorf("evidence vault: %w", err)
	}
	disk, err := blob.NewDisk(vault)
	if err != nil {
		vault.Close()
		return nil, fmt.Errorf("evidence vault: %w", err)
	}
	d.Blobs, d.Key = disk, key
	s := New(d)
	s.closer = disk.Close
	return s, nil
}

// Close releases what Open opened.
func (s *Service) Close() error {
	if s.closer == nil {
		return nil
	}
	return s.closer()
}

// PublicKey is the custody verifier key (for keys/custody.pub and for
// pinning when bundles are verified).
func (s *Service) PublicKey() string { return s.key.Public }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// clock is the service's time at the precision both databases keep.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

var errForbidden = errs.New(errs.KindForbidden, "evidence.forbidden", "you may not work with evidence")

// viewer is p as the store filters evidence for perm. Only real users view
// evidence; the platform's own work uses systemViewer.
//
// A reader without evidence:read who holds evidence:shared (a responder) is a
// Responder viewer: the store then shows it only items shared with the
// responders of incidents it is actively mobilised to. Every other
// permission is refused to it.
func viewer(p auth.Principal, perm auth.Permission) (Viewer, error) {
	sc := p.Scope(perm)
	if sc.Empty() && perm == auth.PermEvidenceRead && p.UserID != "" {
		if sh := p.Scope(auth.PermEvidenceShared); !sh.Empty() {
			return Viewer{UserID: p.UserID, Orgs: sh, Clearance: p.Clearance(), Responder: true}, nil
		}
	}
	if sc.Empty() || p.UserID == "" {
		return Viewer{}, errForbidden
	}
	return Viewer{UserID: p.UserID, Orgs: sc, Clearance: p.Clearance()}, nil
}

var systemViewer = Viewer{System: true}

// caseAccess returns the case and p's viewer when p holds perm on the case's
// organisation and is assigned to it in a viewing role; otherwise NotFound.
func (s *Service) caseAccess(ctx context.Context, p auth.Principal, perm auth.Permission, caseID string) (Case, Viewer, error) {
	if err := checkCaseID(caseID); err != nil {
		return Case{}, Viewer{}, err
	}
	v, err := viewer(p, perm)
	if err != nil {
		return Case{}, Viewer{}, err
	}
	c, err := s.store.GetCase(ctx, v.Orgs, caseID)
	if err != nil {
		return Case{}, Viewer{}, err
	}
	if v.Responder { // the case exists for it only through an item it may see
		n, err := s.store.CountEvidence(ctx, v, caseID)
		if err == nil && n == 0 {
			err = errs.NotFound("evidence.case_not_found")
		}
		if err != nil {
			return Case{}, Viewer{}, err
		}
		return c, v, nil
	}
	a, err := s.store.CaseAssignment(ctx, caseID, p.UserID)
	if errs.Is(err, errs.KindNotFound) || (err == nil && !a.Role.Valid()) {
		return Case{}, Viewer{}, errs.NotFound("evidence.case_not_found")
	}
	if a.Clearance.Valid() && a.Clearance < v.Clearance {
		v.Clearance = a.Clearance // the case's ceiling, for what is added here
	}
	return c, v, err
}

// draft is a custody event before it is numbered, chained and signed.
type draft struct {
	kind             custody.Kind
	note             Note
	from, to, detail string
}

// seal turns drafts into the events that follow the item's last event.
func (s *Service) seal(p auth.Principal, it Item, ds []draft) ([]custody.Event, error) {
	now := s.clock()
	prev, seq := it.LastHash, it.LastSeq
	out := make([]custody.Event, 0, len(ds))
	for _, d := range ds {
		at := d.note.At
		if at.IsZero() {
			at = now
		}
		seq++
		e := custody.Event{ItemID: it.ID, Seq: seq, Kind: d.kind, At: at, Recorded: now,
			ActorID: p.UserID, Actor: p.Email, Location: location(p, d.note.Location), Reason: d.note.Reason,
			From: d.from, To: d.to, Seal: d.note.Seal, Detail: d.detail, SHA256: it.SHA256, PrevHash: prev}
		if err := custody.Seal(&e, s.key.Signer); err != nil {
			return nil, errs.Internal("evidence.seal", err)
		}
		prev = e.Hash
		out = append(out, e)
	}
	return out, nil
}

func location(p auth.Principal, loc string) string {
	switch {
	case loc != "":
		return loc
	case p.Remote != "":
		return "online from " + p.Remote
	}
	return "Khiên"
}

// entries are the audit entries of events, each carrying the event's hash
// so the audit Merkle tree commits to the custody chain.
func entries(p auth.Principal, it Item, evs []custody.Event) []audit.Entry {
	out := make([]audit.Entry, len(evs))
	for i, e := range evs {
		out[i] = audit.New(p, "evidence."+string(e.Kind), "evidence_item", it.ID, it.OrgID).
			WithDetail(map[string]any{"case": it.CaseID, "seq": e.Seq, "hash": e.Hash})
	}
	return out
}

// CodeConcurrent is the error code of a change built on an item's event
// that is no longer its last: the store answers it, the service rebuilds.
const CodeConcurrent = "evidence.concurrent"

const codeDestroyed = "evidence.destroyed"

// maxRebuilds bounds how often a change is rebuilt. Each rebuild means
// another change of the item landed first, so n people acting at once on
// one item need at most n-1.
const maxRebuilds = 32

// change applies fn to the current state of an item and stores the events
// it drafts, rebuilding them when another event got in first. fn changes
// the item in place; it may return a pending transfer the change settles.
func (s *Service) change(ctx context.Context, p auth.Principal, v Viewer, itemID string,
	fn func(it *Item) ([]draft, *Transfer, error)) (Item, error) {
	if err := checkID("item_id", itemID); err != nil {
		return Item{}, err
	}
	for attempt := 0; ; attempt++ {
		cur, err := s.store.GetEvidence(ctx, v, itemID)
		if err != nil {
			return Item{}, err
		}
		if cur.State == StateDestroyed {
			return Item{}, errs.Conflict(codeDestroyed, "the item was destroyed")
		}
		next := cur
		ds, tr, err := fn(&next)
		if err != nil {
			return Item{}, err
		}
		evs, err := s.seal(p, cur, ds)
		if err != nil {
			return Item{}, err
		}
		last := evs[len(evs)-1]
		next.LastSeq, next.LastHash, next.UpdatedAt = last.Seq, last.Hash, last.Recorded
		out, err := s.store.ApplyCustody(ctx, v, Change{Item: next, PrevSeq: cur.LastSeq, Events: evs,
			Audit: entries(p, next, evs), Transfer: tr})
		if e, ok := errors.AsType[*errs.Error](err); ok && e.Code == CodeConcurrent && attempt < maxRebuilds {
			continue
		}
		return out, err
	}
}

// holderOnly refuses a custody act by anyone but the item's custodian.
func holderOnly(p auth.Principal, it *Item) error {
	if it.HolderID != p.UserID {
		return errs.New(errs.KindForbidden, "evidence.not_holder",
			fmt.Sprintf("only the item's custodian (%s) may do this", it.Holder))
	}
	return nil
}
