package app

import (
	"context"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/tlp"
)

// ReverifyEvery is how often the vault re-hashes every blob.
const ReverifyEvery = 24 * time.Hour

// reverifyEvidence re-hashes the vault every interval until ctx ends.
func (a *App) reverifyEvidence(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.ReverifyEvidence(ctx); err != nil && ctx.Err() == nil {
				a.Log.Error("evidence re-verification failed", "err", err)
			}
		}
	}
}

// ReverifyEvidence re-hashes every evidence blob and checks every custody
// log; each item that no longer matches raises an alert for the
// coordinators (it concerns no constituent's network, so no organisation is
// involved and only national roles see it).
func (a *App) ReverifyEvidence(ctx context.Context) error {
	rep, err := a.Evidence.Reverify(ctx)
	if err != nil {
		return err
	}
	a.Log.Info("evidence re-verified", "items", rep.Items, "blobs", rep.Blobs, "bytes", rep.Bytes, "failures", len(rep.Failures))
	now := a.now().UTC()
	var hits []alert.Hit
	for _, f := range rep.Failures {
		hits = append(hits, alert.Hit{Kind: alert.KindEvidenceIntegrity, Severity: 5,
			Title: "Evidence integrity check failed: " + f.Cause, RuleID: "evidence-reverify", Value: f.ItemID,
			TLP: tlp.Red, EventID: "reverify:" + f.ItemID + ":" + now.Format(time.DateOnly), EventTime: now,
			Excerpt: `{"case":"` + f.CaseID + `","sha256":"` + f.SHA256 + `"}`, Orgs: []alert.Involved{}})
	}
	_, err = a.Alerts.Record(ctx, hits)
	return err
}
