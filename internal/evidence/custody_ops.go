package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence/custody"
)

// List returns a case's items that p may see. The read is audited.
func (s *Service) List(ctx context.Context, p auth.Principal, caseID string) ([]Item, error) {
	c, v, err := s.caseAccess(ctx, p, auth.PermEvidenceRead, caseID)
	if err != nil {
		return nil, err
	}
	return s.store.ListEvidence(ctx, v, caseID, audit.New(p, "evidence.list", "evidence_case", c.ID, c.OrgID))
}

// Get opens an item's record and its custody timeline. Opening is itself a
// custody event ("accessed"), which the returned timeline ends with; the
// record of a destroyed item is opened with an audit entry only.
func (s *Service) Get(ctx context.Context, p auth.Principal, itemID string, n Note) (Item, []custody.Event, error) {
	v, err := viewer(p, auth.PermEvidenceRead)
	if err != nil {
		return Item{}, nil, err
	}
	if err := validateNote(&n, s.clock(), false); err != nil {
		return Item{}, nil, err
	}
	it, err := s.change(ctx, p, v, itemID, func(it *Item) ([]draft, *Transfer, error) {
		return []draft{{kind: custody.Accessed, note: n, detail: n.Detail}}, nil, nil
	})
	if e, ok := errors.AsType[*errs.Error](err); ok && e.Code == codeDestroyed {
		if it, err = s.store.GetEvidence(ctx, v, itemID); err == nil {
			err = s.store.AuditEvidence(ctx, audit.New(p, "evidence.accessed", "evidence_item", it.ID, it.OrgID).
				WithDetail(map[string]any{"case": it.CaseID, "destroyed": true}))
		}
	}
	if err != nil {
		return Item{}, nil, err
	}
	evs, err := s.store.CustodyEvents(ctx, v, itemID)
	return it, evs, err
}

// Download opens an item's content for reading, recording a "downloaded"
// event first (n.Reason is required). The reader fails at its end if the bytes read do not hash
// to the item's SHA-256.
func (s *Service) Download(ctx context.Context, p auth.Principal, itemID string, n Note) (io.ReadCloser, Item, error) {
	v, err := viewer(p, auth.PermEvidenceRead)
	if err != nil {
		return nil, Item{}, err
	}
	if err := validateNote(&n, s.clock(), true); err != nil {
		return nil, Item{}, err
	}
	var rc io.ReadCloser
	it, err := s.change(ctx, p, v, itemID, func(it *Item) ([]draft, *Transfer, error) {
		if rc == nil {
			r, size, err := s.blobs.Open(ctx, it.SHA256)
			if err != nil {
				return nil, nil, err
			}
			if size != it.Size {
				r.Close()
				return nil, nil, errs.Internal("evidence.Download", fmt.Errorf("blob %s has %d bytes, the item %d", it.SHA256, size, it.Size))
			}
			rc = r
		}
		return []draft{{kind: custody.Downloaded, note: n, detail: n.Detail}}, nil, nil
	})
	if err != nil {
		if rc != nil {
			rc.Close()
		}
		return nil, Item{}, err
	}
	return &checkedReader{rc: rc, h: sha256.New(), want: it.SHA256}, it, nil
}

// checkedReader hashes what passes through it and fails at the end when the
// content is not what the item claims.
type checkedReader struct {
	rc   io.ReadCloser
	h    hash.Hash
	want string
}

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.h.Write(p[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(c.h.Sum(nil)); got != c.want {
			return n, fmt.Errorf("evidence: the stored content hashes to %s, not %s: it was changed on disk", got, c.want)
		}
	}
	return n, err
}

func (c *checkedReader) Close() error { return c.rc.Close() }

// Record writes a custody act by the item's custodian: analysed, sealed
// (n.Seal is the seal number), unsealed, copied or returned (n.To says to
// whom or where).
func (s *Service) Record(ctx context.Context, p auth.Principal, itemID string, kind custody.Kind, n Note) (Item, error) {
	v, err := viewer(p, auth.PermEvidenceWrite)
	if err != nil {
		return Item{}, err
	}
	if err := validateNote(&n, s.clock(), true); err != nil {
		return Item{}, err
	}
	return s.change(ctx, p, v, itemID, func(it *Item) ([]draft, *Transfer, error) {
		if err := holderOnly(p, it); err != nil {
			return nil, nil, err
		}
		d := draft{kind: kind, note: n, to: n.To, detail: n.Detail}
		switch kind {
		case custody.Analysed:
		case custody.Sealed:
			if it.Sealed {
				return nil, nil, errs.Conflict("evidence.already_sealed", "the item is already sealed (seal "+it.Seal+")")
			}
			if n.Seal == "" {
				return nil, nil, errs.Invalid("evidence.seal_required", "a seal number is required", errs.Field("seal", "evidence.required", "required"))
			}
			it.Sealed, it.Seal = true, n.Seal
		case custody.Unsealed:
			if !it.Sealed {
				return nil, nil, errs.Conflict("evidence.not_sealed", "the item is not sealed")
			}
			d.note.Seal = it.Seal
			it.Sealed = false
		case custody.Copied, custody.Returned:
			if n.To == "" {
				return nil, nil, errs.Invalid("evidence.to_required", "say to whom or where", errs.Field("to", "evidence.required", "required"))
			}
		default:
			return nil, nil, errs.Invalid("evidence.bad_kind", fmt.Sprintf("%q cannot be recorded directly", kind),
				errs.Field("kind", "evidence.bad_kind", "one of analysed, sealed, unsealed, copied, returned"))
		}
		return []draft{d}, nil, nil
	})
}

// SetHold places (any assigned writer) or releases (evidence:dispose) an
// item's legal hold.
func (s *Service) SetHold(ctx context.Context, p auth.Principal, itemID string, on bool, n Note) (Item, error) {
	perm, kind := auth.PermEvidenceWrite, custody.HoldPlaced
	if !on {
		perm, kind = auth.PermEvidenceDispose, custody.HoldReleased
	}
	v, err := viewer(p, perm)
	if err != nil {
		return Item{}, err
	}
	if err := validateNote(&n, s.clock(), true); err != nil {
		return Item{}, err
	}
	return s.change(ctx, p, v, itemID, func(it *Item) ([]draft, *Transfer, error) {
		if it.LegalHold == on {
			return nil, nil, errs.Conflict("evidence.hold_unchanged", fmt.Sprintf("the legal hold is already %s", onOff(on)))
		}
		it.LegalHold = on
		return []draft{{kind: kind, note: n, detail: n.Detail}}, nil, nil
	})
}

func onOff(on bool) string {
	if on {
		return "in place"
	}
	return "released"
}

// SetRetention sets the date until which an item must be kept.
func (s *Service) SetRetention(ctx context.Context, p auth.Principal, itemID string, until time.Time, n Note) (Item, error) {
	v, err := viewer(p, auth.PermEvidenceDispose)
	if err != nil {
		return Item{}, err
	}
	if err := validateNote(&n, s.clock(), true); err != nil {
		return Item{}, err
	}
	until = until.UTC().Truncate(time.Microsecond)
	if until.Year() < 1990 || until.Year() > 9999 {
		return Item{}, errs.Invalid("evidence.bad_time", "not a valid date", errs.Field("retain_until", "evidence.bad_time", "not a valid date"))
	}
	return s.change(ctx, p, v, itemID, func(it *Item) ([]draft, *Transfer, error) {
		it.RetainUntil = until
		return []draft{{kind: custody.RetentionSet, note: n, detail: "retain until " + until.Format(time.RFC3339)}}, nil, nil
	})
}

// Destroy ends an item: only after its legal hold is released and its
// retention date has passed, with no hand-over pending. The content is
// deleted once no other live item has the same bytes; the record and its
// custody log stay.
func (s *Service) Destroy(ctx context.Context, p auth.Principal, itemID string, n Note) (Item, error) {
	return s.destroy(ctx, p, itemID, n, nil)
}

// MinConfirm is how many leading hex digits of an item's SHA-256 confirm
// its destruction in DestroyConfirmed.
const MinConfirm = 12

// DestroyConfirmed is Destroy for a person at a form or a script: confirm
// must be the start (at least MinConfirm hex digits) of the item's SHA-256,
// so that destroying the wrong item takes more than a wrong ID.
func (s *Service) DestroyConfirmed(ctx context.Context, p auth.Principal, itemID, confirm string, n Note) (Item, error) {
	confirm = strings.ToLower(strings.TrimSpace(confirm))
	return s.destroy(ctx, p, itemID, n, func(it *Item) error {
		if len(confirm) < MinConfirm || !strings.HasPrefix(it.SHA256, confirm) {
			return errs.Invalid("evidence.confirm_mismatch", "the confirmation does not match the item's SHA-256",
				errs.Field("confirm", "evidence.confirm_mismatch",
					fmt.Sprintf("type the first %d characters of the item's SHA-256", MinConfirm)))
		}
		return nil
	})
}

func (s *Service) destroy(ctx context.Context, p auth.Principal, itemID string, n Note, confirm func(*Item) error) (Item, error) {
	v, err := viewer(p, auth.PermEvidenceDispose)
	if err != nil {
		return Item{}, err
	}
	if err := validateNote(&n, s.clock(), true); err != nil {
		return Item{}, err
	}
	it, err := s.change(ctx, p, v, itemID, func(it *Item) ([]draft, *Transfer, error) {
		if confirm != nil {
			if err := confirm(it); err != nil {
				return nil, nil, err
			}
		}
		if err := s.destroyable(ctx, v, it); err != nil {
			return nil, nil, err
		}
		it.State, it.HolderID, it.Holder = StateDestroyed, "", ""
		return []draft{{kind: custody.Destroyed, note: n, from: p.Email, detail: n.Detail}}, nil, nil
	})
	if err != nil {
		return Item{}, err
	}
	return it, s.deleteUnused(ctx, it.SHA256)
}

func (s *Service) destroyable(ctx context.Context, v Viewer, it *Item) error {
	switch {
	case it.LegalHold:
		return errs.Conflict("evidence.on_hold", "the item is on legal hold: the hold must be released first")
	case it.RetainUntil.IsZero():
		return errs.Conflict("evidence.no_retention", "the item has no retention date: set one first")
	case s.clock().Before(it.RetainUntil):
		return errs.Conflict("evidence.retained", "the item must be kept until "+it.RetainUntil.Format(time.DateOnly))
	}
	ts, err := s.store.PendingTransfers(ctx, v, it.ID)
	if err != nil {
		return err
	}
	if len(ts) > 0 {
		return errs.Conflict("evidence.transfer_pending", "a hand-over of the item is pending")
	}
	return nil
}

// deleteUnused deletes a blob no live item has any more.
func (s *Service) deleteUnused(ctx context.Context, sha string) error {
	used, err := s.store.BlobInUse(ctx, sha)
	if err != nil || used {
		return err
	}
	return s.blobs.Delete(ctx, sha)
}
