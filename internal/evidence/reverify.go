package evidence

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence/custody"
)

// ReverifyReport is what a re-verification found.
type ReverifyReport struct {
	Items    int   // live items whose content was checked
	Blobs    int   // distinct blobs re-hashed
	Bytes    int64 // bytes re-hashed
	Chains   int   // custody logs checked (live and destroyed items)
	Failures []Failure
	Swept    int // blobs of destroyed items deleted now (an earlier deletion had failed)
}

// OK reports whether nothing failed.
func (r ReverifyReport) OK() bool { return len(r.Failures) == 0 }

// Failure is one item that did not verify.
type Failure struct {
	ItemID string
	CaseID string
	SHA256 string
	Cause  string
}

// Reverify re-hashes the content of every live item and checks every
// custody log against the custody key. Content that no longer matches gets
// a "verification_failed" event on each item that has it (once, until
// something else happens to the item); a broken log is reported and
// audited (appending to it would hide where it broke). A scheduled job
// calls it; the report says what an alert should say.
func (s *Service) Reverify(ctx context.Context) (ReverifyReport, error) {
	var rep ReverifyReport
	items, err := s.store.AllEvidence(ctx)
	if err != nil {
		return rep, err
	}
	live, dead := map[string][]Item{}, map[string]bool{}
	lastKind := map[string]custody.Kind{}
	for _, it := range items {
		if it.State == StateDestroyed {
			dead[it.SHA256] = true
		} else {
			live[it.SHA256] = append(live[it.SHA256], it)
			rep.Items++
		}
		k, err := s.checkChain(ctx, it, &rep)
		if err != nil {
			return rep, err
		}
		lastKind[it.ID] = k
	}
	for _, sha := range slices.Sorted(maps.Keys(live)) {
		its := live[sha]
		cause, n := s.rehash(ctx, its[0])
		rep.Blobs++
		rep.Bytes += n
		if cause == "" {
			continue
		}
		for _, it := range its {
			rep.Failures = append(rep.Failures, Failure{ItemID: it.ID, CaseID: it.CaseID, SHA256: sha, Cause: cause})
			if lastKind[it.ID] != custody.VerificationFailed {
				if err := s.recordFailure(ctx, it, cause); err != nil {
					return rep, err
				}
			}
		}
	}
	s.sweep(ctx, dead, live, &rep)
	return rep, s.store.AuditEvidence(ctx, audit.New(auth.System(), "evidence.reverify", "evidence_vault", "", "").
		WithDetail(map[string]any{"items": rep.Items, "blobs": rep.Blobs, "bytes": rep.Bytes, "failures": len(rep.Failures), "swept": rep.Swept}))
}

// checkChain checks an item's custody log and that the item's record ends
// it; it returns the kind of the last event.
func (s *Service) checkChain(ctx context.Context, it Item, rep *ReverifyReport) (custody.Kind, error) {
	evs, err := s.store.CustodyEvents(ctx, systemViewer, it.ID)
	if err != nil {
		return "", err
	}
	rep.Chains++
	fail := func(cause string) {
		rep.Failures = append(rep.Failures, Failure{ItemID: it.ID, CaseID: it.CaseID, SHA256: it.SHA256, Cause: cause})
	}
	for _, p := range custody.Check(evs, it.ID, it.SHA256, s.key.Verifier) {
		fail("custody log, " + p.String())
	}
	if n := len(evs); n == 0 || evs[n-1].Seq != it.LastSeq || evs[n-1].Hash != it.LastHash {
		fail(fmt.Sprintf("the item's record says its custody log ends at event %d (%s), which it does not", it.LastSeq, it.LastHash))
	}
	if len(evs) == 0 {
		return "", nil
	}
	return evs[len(evs)-1].Kind, nil
}

// rehash hashes a blob from the vault and compares it with its item;
// cause is "" when they match.
func (s *Service) rehash(ctx context.Context, it Item) (cause string, n int64) {
	rc, _, err := s.blobs.Open(ctx, it.SHA256)
	if errs.Is(err, errs.KindNotFound) {
		return "the content is missing from the vault", 0
	}
	if err != nil {
		return fmt.Sprintf("the content cannot be read: %v", err), 0
	}
	defer rc.Close()
	dg, err := blob.HashReader(ctx, rc)
	switch {
	case err != nil:
		return fmt.Sprintf("the content cannot be read: %v", err), dg.Size
	case dg.Size != it.Size || dg.SHA256 != it.SHA256 || dg.SHA512 != it.SHA512:
		return fmt.Sprintf("the content changed: it now has %d bytes, SHA-256 %s (recorded: %d bytes, SHA-256 %s)",
			dg.Size, dg.SHA256, it.Size, it.SHA256), dg.Size
	}
	return "", dg.Size
}

func (s *Service) recordFailure(ctx context.Context, it Item, cause string) error {
	_, err := s.change(ctx, auth.System(), systemViewer, it.ID, func(*Item) ([]draft, *Transfer, error) {
		return []draft{{kind: custody.VerificationFailed, note: Note{Location: "Khiên vault", Reason: "scheduled re-verification"},
			detail: cause}}, nil, nil
	})
	return err
}

// sweep deletes blobs only destroyed items had, where an earlier deletion
// did not happen.
func (s *Service) sweep(ctx context.Context, dead map[string]bool, live map[string][]Item, rep *ReverifyReport) {
	for sha := range dead {
		if _, ok := live[sha]; ok {
			continue
		}
		rc, _, err := s.blobs.Open(ctx, sha)
		if err != nil {
			continue
		}
		rc.Close()
		if err := s.blobs.Delete(ctx, sha); err != nil {
			s.log.Warn("evidence: blob of destroyed items not deleted", "sha256", sha, "err", err)
			continue
		}
		rep.Swept++
	}
}
