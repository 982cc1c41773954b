package org

import (
	"context"
	"io"
	"strings"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

// AddSoftware adds one inventory item to a system.
func (s *Service) AddSoftware(ctx context.Context, p auth.Principal, item Software) (Software, error) {
	sys, err := s.store.GetSystem(ctx, p.Scope(auth.PermOrgRead), item.SystemID)
	if errs.Is(err, errs.KindNotFound) {
		return Software{}, errs.Invalid("software.bad_system", "the system does not exist",
			errs.Field("system_id", "software.bad_system", "no such system"))
	} else if err != nil {
		return Software{}, err
	}
	if err := s.writable(ctx, p, auth.PermInventoryWrite, sys.OrgID); err != nil {
		return Software{}, err
	}
	item.OrgID = sys.OrgID
	if err := ValidateSoftware(&item); err != nil {
		return Software{}, err
	}
	out, err := s.store.AddSoftware(ctx, p.Scope(auth.PermInventoryWrite), []Software{item},
		audit.New(p, "software.add", "software", "", sys.OrgID))
	if err != nil {
		return Software{}, err
	}
	return out[0], nil
}

// DeleteSoftware removes an inventory item.
func (s *Service) DeleteSoftware(ctx context.Context, p auth.Principal, id string) error {
	w, err := s.store.GetSoftware(ctx, p.Scope(auth.PermOrgRead), id)
	if err != nil {
		return err
	}
	if err := s.writable(ctx, p, auth.PermInventoryWrite, w.OrgID); err != nil {
		return err
	}
	return s.store.DeleteSoftware(ctx, p.Scope(auth.PermInventoryWrite), id,
		audit.New(p, "software.delete", "software", id, ""))
}

// ListSoftware lists inventory p may see.
func (s *Service) ListSoftware(ctx context.Context, p auth.Principal, f SoftwareFilter, pr page.Request) (page.Result[Software], error) {
	pr, err := pr.Normalize(SoftwareSorts)
	if err != nil {
		return page.Result[Software]{}, err
	}
	return s.store.ListSoftware(ctx, p.Scope(auth.PermOrgRead), f, pr)
}

// ImportResult is what a CSV import did.
type ImportResult struct {
	Created int        `json:"created"`
	Errors  []RowError `json:"errors,omitempty"`
}

// ImportInventoryCSV reads an inventory CSV for organisation orgID. Every row
// names its system by name or ID. If any row is bad, nothing is imported and
// every bad row is reported; otherwise all rows are added in one transaction.
func (s *Service) ImportInventoryCSV(ctx context.Context, p auth.Principal, orgID string, r io.Reader) (ImportResult, error) {
	if err := s.writable(ctx, p, auth.PermInventoryWrite, orgID); err != nil {
		return ImportResult{}, err
	}
	rows, rowErrs, err := ParseInventoryCSV(r, MaxInventoryRows)
	if err != nil {
		return ImportResult{}, err
	}
	systems, err := s.systemNames(ctx, p, orgID)
	if err != nil {
		return ImportResult{}, err
	}
	items := make([]Software, 0, len(rows))
	for _, row := range rows {
		id, ok := systems[strings.ToLower(strings.TrimSpace(row.System))]
		if !ok {
			rowErrs = append(rowErrs, RowError{Row: row.Line, Field: "system", Code: "inventory.unknown_system",
				Message: "no system named " + quote(row.System) + " in this organisation"})
			continue
		}
		it := row.Software
		it.OrgID, it.SystemID = orgID, id
		items = append(items, it)
	}
	if len(rowErrs) > 0 {
		return ImportResult{Errors: rowErrs}, errs.Invalid("inventory.bad_rows", "some rows are invalid; nothing was imported")
	}
	if len(items) == 0 {
		return ImportResult{}, errs.Invalid("inventory.empty", "the file has no rows",
			errs.Field("file", "inventory.empty", "the file has a header but no rows"))
	}
	out, err := s.store.AddSoftware(ctx, p.Scope(auth.PermInventoryWrite), items,
		audit.New(p, "software.import", "organisation", orgID, orgID).WithDetail(map[string]int{"rows": len(items)}))
	if err != nil {
		return ImportResult{}, err
	}
	return ImportResult{Created: len(out)}, nil
}

func quote(s string) string { return "\u201c" + s + "\u201d" }

// systemNames maps lower-cased system names and IDs of an organisation to IDs.
func (s *Service) systemNames(ctx context.Context, p auth.Principal, orgID string) (map[string]string, error) {
	out := map[string]string{}
	pr := page.Request{Limit: page.MaxLimit, Sort: "name"}
	for {
		res, err := s.store.ListSystems(ctx, p.Scope(auth.PermOrgRead), SystemFilter{OrgID: orgID}, pr)
		if err != nil {
			return nil, err
		}
		for _, sys := range res.Items {
			out[strings.ToLower(sys.Name)] = sys.ID
			out[strings.ToLower(sys.ID)] = sys.ID
		}
		if res.Next == "" {
			return out, nil
		}
		pr.Cursor = res.Next
	}
}
