package app

// This file wires advisories, action items and compliance debt: the
// advisory.Service over the store (versions checked by package vuln), the
// inventory hook that re-matches an organisation's inventory after it
// changes, the CSAF provider's source of published advisories, and the
// sweepers (scheduled feed pulls, exception expiry, the escalation ladder,
// daily debt snapshots).

import (
	"context"
	"net/http"
	"path/filepath"
	"time"

	"github.com/khien-cert/khien/internal/advimport"
	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/store"
	"github.com/khien-cert/khien/internal/vuln"
)

// Schedules of the advisory sweepers.
const (
	advisorySweepEvery = time.Minute // feed pulls, exception expiry, escalation
	debtSnapshotEvery  = time.Hour   // the day's snapshot is replaced until the day ends
)

// openAdvisory builds the advisory service, with its own blob store for
// remediation evidence.
func (a *App) openAdvisory() error {
	files, err := blob.OpenDisk(filepath.Join(a.Config.DataDir, "action-files"))
	if err != nil {
		return err
	}
	log := a.Log.With("service", "advisory")
	a.Advisory = advisory.New(advisory.Deps{
		Store: a.DB,
		Matcher: vuln.Matcher{Problems: func(ps []vuln.Problem) {
			log.Debug("matching skipped what it could not compare", "problems", len(ps), "first", ps[0].String())
		}},
		Versions: func(scheme, v string) error { _, err := vuln.Parse(scheme, v); return err },
		Now:      a.now,
		Puller:   &advimport.Puller{Client: &http.Client{Timeout: 5 * time.Minute}},
		Due:      advisory.DuePolicy{Profile: a.Config.AdvisoryDueProfile, Table: a.Config.AdvisoryDueDays},
		Ladder:   ladder(a.Config.EscalateCISOAfter, a.Config.EscalateParentAfter, a.Config.EscalateCoordAfter),
		Blobs:    files,
		Logger:   log,
	})
	return nil
}

// ladder is the escalation ladder with the configured delays (zero keeps
// the default of that rung).
func ladder(ds ...time.Duration) advisory.Ladder {
	l := advisory.DefaultLadder
	for i, d := range ds {
		if d > 0 {
			l.Delays[i] = d
		}
	}
	return l
}

// readAdvisories reads an uploaded file of any format the importers know:
// the advisories read, and a failed outcome for each document that was not.
func readAdvisories(name string, data []byte) ([]advisory.Advisory, []advisory.DocResult) {
	rs := advimport.ReadBytes(name, data)
	var failed []advisory.DocResult
	for i, r := range rs {
		if r.Failed() {
			failed = append(failed, advisory.DocResult{Index: i, Source: r.Format, SourceID: r.ID,
				Outcome: advisory.OutcomeFailed, Problems: append([]string{r.Err}, r.Problems...)})
		}
	}
	return advimport.Advisories(rs), failed
}

// inventoryStore is the org service's store with a hook after every
// committed change of software inventory: the organisation's inventory is
// matched again against every advisory (and only that inventory).
type inventoryStore struct {
	*store.DB
	changed func(ctx context.Context, orgID string)
}

// AddSoftware adds inventory, then re-matches the organisations it touched.
func (s inventoryStore) AddSoftware(ctx context.Context, scope auth.Scope, items []org.Software, e audit.Entry) ([]org.Software, error) {
	out, err := s.DB.AddSoftware(ctx, scope, items, e)
	if err == nil {
		seen := map[string]bool{}
		for _, it := range out {
			if !seen[it.OrgID] {
				seen[it.OrgID] = true
				s.changed(ctx, it.OrgID)
			}
		}
	}
	return out, err
}

// DeleteSoftware removes an item, then re-matches its organisation.
func (s inventoryStore) DeleteSoftware(ctx context.Context, scope auth.Scope, id string, e audit.Entry) error {
	w, err := s.DB.GetSoftware(ctx, scope, id)
	if err != nil {
		return err
	}
	if err := s.DB.DeleteSoftware(ctx, scope, id, e); err != nil {
		return err
	}
	s.changed(ctx, w.OrgID)
	return nil
}

// inventoryChanged re-matches one organisation's inventory after its change
// committed. A failure is logged: the inventory change stands, and the next
// change or a coordinator's recompute brings the action items in line.
func (a *App) inventoryChanged(ctx context.Context, orgID string) {
	if a.Advisory == nil {
		return
	}
	if _, err := a.Advisory.MatchOrg(context.WithoutCancel(ctx), orgID); err != nil {
		a.Log.Error("matching an inventory change failed", "org", orgID, "err", err)
	}
}

// advisorySource is what the CSAF provider publishes: the platform's own
// published TLP:CLEAR advisories (csaf.Source).
type advisorySource struct{ db *store.DB }

// Published implements csaf.Source.
func (s advisorySource) Published(ctx context.Context) ([]advisory.Advisory, error) {
	return s.db.PublishedAdvisories(ctx)
}

// advisoryBackground runs the advisory sweepers until ctx ends.
func (a *App) advisoryBackground(ctx context.Context, run func(func())) {
	run(func() { every(ctx, advisorySweepEvery, a.SweepAdvisories) })
	run(func() { every(ctx, debtSnapshotEvery, a.SnapshotDebt) })
}

// SweepAdvisories pulls the feeds that are due, expires exceptions whose
// date passed and climbs overdue action items up the escalation ladder.
func (a *App) SweepAdvisories(ctx context.Context) error {
	if n, err := a.Advisory.PullDue(ctx); err != nil {
		a.Log.Error("advisory feed pulls failed", "err", err)
	} else if n > 0 {
		a.Log.Info("advisory feeds pulled", "feeds", n)
	}
	if n, err := a.Advisory.ExpireExceptions(ctx); err != nil {
		a.Log.Error("exception expiry failed", "err", err)
	} else if n > 0 {
		a.Log.Info("exceptions expired", "exceptions", n)
	}
	if n, err := a.Advisory.EscalateOverdue(ctx); err != nil {
		a.Log.Error("escalation failed", "err", err)
	} else if n > 0 {
		a.Log.Info("overdue action items escalated", "steps", n)
	}
	return nil
}

// SnapshotDebt records today's compliance debt per organisation.
func (a *App) SnapshotDebt(ctx context.Context) error {
	if _, err := a.Advisory.SnapshotDebt(ctx); err != nil {
		a.Log.Error("debt snapshot failed", "err", err)
	}
	return nil
}
