package evidence

import (
	"context"
	"io"
	"slices"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence/bundle"
	"github.com/khien-cert/khien/internal/evidence/custody"
)

// maxExport bounds the items of one bundle.
const maxExport = 1000

// Export writes a sealed bundle (see package bundle) of a case's items to
// w: all the live items p may see when itemIDs is empty. n.To names the
// recipient and n.Reason why. An "exported" event is recorded on each item
// before the bundle is written, so each custody log in the bundle ends with
// its own export. It returns the bundle's manifest.
func (s *Service) Export(ctx context.Context, p auth.Principal, caseID string, itemIDs []string, n Note, w io.Writer) (bundle.Manifest, error) {
	c, v, err := s.caseAccess(ctx, p, auth.PermEvidenceWrite, caseID)
	if err != nil {
		return bundle.Manifest{}, err
	}
	if err := validateNote(&n, s.clock(), true); err != nil {
		return bundle.Manifest{}, err
	}
	if n.To == "" {
		return bundle.Manifest{}, errs.Invalid("evidence.to_required", "say who receives the bundle", errs.Field("to", "evidence.required", "required"))
	}
	ids, err := s.exportIDs(ctx, p, c, itemIDs)
	if err != nil {
		return bundle.Manifest{}, err
	}
	m := bundle.Manifest{BundleID: newID(), CreatedAt: s.clock(), CreatedBy: p.Email, Recipient: n.To, Reason: n.Reason,
		Case: bundle.Case{ID: c.ID, OrgID: c.OrgID, Reference: c.Reference, Title: c.Title}, Key: s.key.Public}
	var srcs []bundle.Source
	for _, id := range ids {
		it, err := s.change(ctx, p, v, id, func(it *Item) ([]draft, *Transfer, error) {
			if it.CaseID != c.ID {
				return nil, nil, errs.NotFound("evidence.not_found")
			}
			return []draft{{kind: custody.Exported, note: n, to: n.To, detail: "bundle " + m.BundleID}}, nil, nil
		})
		if err != nil {
			return bundle.Manifest{}, err
		}
		evs, err := s.store.CustodyEvents(ctx, v, id)
		if err != nil {
			return bundle.Manifest{}, err
		}
		srcs = append(srcs, bundle.Source{Item: manifestItem(it), Events: evs, Open: func() (io.ReadCloser, error) {
			rc, _, err := s.blobs.Open(ctx, it.SHA256)
			return rc, err
		}})
	}
	if m, err = bundle.Write(w, m, srcs, s.key.Signer); err != nil {
		return bundle.Manifest{}, errs.Internal("evidence.Export", err)
	}
	return m, nil
}

// exportIDs are the items to export: the given ones (each once), or every
// live item of the case.
func (s *Service) exportIDs(ctx context.Context, p auth.Principal, c Case, ids []string) ([]string, error) {
	if len(ids) == 0 {
		items, err := s.List(ctx, p, c.ID)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if it.State == StateHeld {
				ids = append(ids, it.ID)
			}
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return nil, errs.Invalid("evidence.nothing_to_export", "there are no items to export")
	}
	if len(ids) > maxExport {
		return nil, &errs.Error{Kind: errs.KindTooLarge, Code: "evidence.export_too_large", Public: "too many items for one bundle"}
	}
	v, err := viewer(p, auth.PermEvidenceWrite)
	if err != nil {
		return nil, err
	}
	for _, id := range ids { // all must be exportable before any export is recorded
		if err := checkID("item_ids", id); err != nil {
			return nil, err
		}
		it, err := s.store.GetEvidence(ctx, v, id)
		if err == nil && it.CaseID != c.ID {
			err = errs.NotFound("evidence.not_found")
		}
		if err != nil {
			return nil, err
		}
		if it.State != StateHeld {
			return nil, errs.Conflict(codeDestroyed, "item "+id+" was destroyed")
		}
	}
	return ids, nil
}

func manifestItem(it Item) bundle.Item {
	return bundle.Item{ID: it.ID, Name: it.Name, Size: it.Size, SHA256: it.SHA256, SHA512: it.SHA512, TLP: it.TLP.String(),
		Description: it.Description, SourceDevice: it.SourceDevice, SourceSystem: it.SourceSystem, SourceLocation: it.SourceLocation,
		CollectedBy: it.CollectedBy, CollectedAt: it.CollectedAt, Method: it.Method, Tool: it.Tool, ToolVersion: it.ToolVersion,
		LegalBasis: it.LegalBasis, SealNumber: it.SealNumber, SuppliedHash: it.SuppliedHash}
}
