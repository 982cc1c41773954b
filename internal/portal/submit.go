package portal

import (
	"context"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// Submitted is what the reporter is told: the receipt number to follow the
// report, and the value as it was understood.
type Submitted struct {
	Receipt string     `json:"receipt"`
	Kind    canon.Kind `json:"kind"`
	Value   string     `json:"value"`
	At      time.Time  `json:"at"`
}

// Submit files a citizen's report. The honeypot, the client's rate and the
// proof of work are checked first, then every field; a report refused for
// any reason stores nothing. Reports of the same normalised value merge
// into one entry.
func (s *Service) Submit(ctx context.Context, in ReportInput, c Client) (Submitted, error) {
	if err := s.admit(c, s.reports); err != nil {
		return Submitted{}, err
	}
	r, shots, err := ValidateReport(in)
	if err != nil {
		return Submitted{}, err
	}
	return s.file(ctx, citizen(), r, shots)
}

// FileReport files a report on behalf of someone (a hotline call, a letter)
// by a reviewer. The reviewer is recorded as its reporter and so may not
// confirm the entry it lands in.
func (s *Service) FileReport(ctx context.Context, p auth.Principal, in ReportInput) (Submitted, error) {
	if _, err := reviewer(p, auth.PermPortalReview); err != nil {
		return Submitted{}, err
	}
	r, shots, err := ValidateReport(in)
	if err != nil {
		return Submitted{}, err
	}
	r.ReporterID = p.UserID
	return s.file(ctx, p, r, shots)
}

// file stores a valid report and merges it into its entry, retrying when
// another report or review of the same entry won a race.
func (s *Service) file(ctx context.Context, p auth.Principal, r Report, shots []Screenshot) (Submitted, error) {
	receipt := NewReceipt()
	r.ReceiptHash, r.CreatedAt = receiptHash(receipt), s.now()
	for attempt := 1; ; attempt++ {
		cur, err := s.d.Store.EntryByKey(ctx, r.Subject.Key)
		if errs.Is(err, errs.KindNotFound) {
			cur, err = NewEntry(r.Subject, r.CreatedAt), nil
		}
		if err != nil {
			return Submitted{}, err
		}
		next := cur.WithReport(r.CreatedAt, r.ReporterID, r.Category)
		audits := []audit.Entry{audit.New(p, "portal.report_create", "portal_report", "", "").
			WithDetail(map[string]any{"kind": r.Subject.Kind, "key": r.Subject.Key, "screenshots": len(shots)})}
		switch {
		case cur.Version == 0:
			audits = append(audits, audit.New(p, "portal.entry_open", "portal_entry", "", ""))
		case next.Round != cur.Round:
			audits = append(audits, audit.New(p, "portal.entry_reopen", "portal_entry", cur.ID, "").
				WithDetail(map[string]any{"round": next.Round, "cause": "report"}))
		}
		_, saved, err := s.d.Store.SaveReport(ctx, r, shots, next, audits)
		if lostRace(err) && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return Submitted{}, err
		}
		s.changed(saved.Listing)
		return Submitted{Receipt: receipt, Kind: r.Subject.Kind, Value: r.Subject.Value, At: r.CreatedAt}, nil
	}
}

// ReceiptStatus is what a receipt number tells its holder: what was sent
// and where it stands, nothing about anyone else's reports.
type ReceiptStatus struct {
	Receipt string     `json:"receipt"`
	Type    string     `json:"type"` // "report" or "appeal"
	Kind    canon.Kind `json:"kind"`
	Value   string     `json:"value"`
	At      time.Time  `json:"at"`
	// Status of a report: under_review, confirmed, not_confirmed, expired,
	// withdrawn; of an appeal: open, upheld, rejected.
	Status string `json:"status"`
}

// reportStatus maps an entry's state to what its reporter is told.
var reportStatus = map[State]string{
	StatePending: "under_review", StatePublished: "confirmed", StateRejected: "not_confirmed",
	StateExpired: "expired", StateWithdrawn: "withdrawn",
}

// Receipt answers a receipt number, rate-limited like a look-up. An
// unknown number is errs.KindNotFound.
func (s *Service) Receipt(ctx context.Context, receipt string, c Client) (ReceiptStatus, error) {
	if err := s.lookups.Limit(c.Remote, s.d.Now()); err != nil {
		return ReceiptStatus{}, err
	}
	rc, err := ParseReceipt(receipt)
	if err != nil {
		return ReceiptStatus{}, err
	}
	h := receiptHash(rc)
	r, err := s.d.Store.ReportByReceipt(ctx, h)
	if errs.Is(err, errs.KindNotFound) {
		return s.appealReceipt(ctx, rc, h)
	}
	if err != nil {
		return ReceiptStatus{}, err
	}
	e, err := s.d.Store.GetEntry(ctx, r.EntryID)
	if err != nil {
		return ReceiptStatus{}, err
	}
	st := reportStatus[e.State]
	if e.StatusAt(s.d.Now()) == StatusUnknown && e.State == StatePublished {
		st = reportStatus[StateExpired]
	}
	return ReceiptStatus{Receipt: rc, Type: "report", Kind: r.Subject.Kind, Value: r.Subject.Value, At: r.CreatedAt, Status: st}, nil
}
