package app

import (
	"context"
	"os"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/tlp"
)

// openEvidence builds the vault: blobs in DATA-DIR/evidence, or in the
// S3-compatible bucket --evidence-s3 names.
func (a *App) openEvidence(ctx context.Context, root *os.Root) (*evidence.Service, error) {
	d := evidence.Deps{Store: a.DB, Now: a.now, Logger: a.Log}
	if a.Config.EvidenceS3 != "" {
		s3, err := blob.OpenS3(ctx, blob.S3Options{URL: a.Config.EvidenceS3, Now: a.now})
		if err != nil {
			return nil, err
		}
		d.Blobs = s3
	}
	return evidence.Open(root, d)
}

// ReverifyEvery is how often the vault re-hashes every blob.
const ReverifyEvery = 24 * time.Hour

// SweepEvidenceEvery is how often the vault sweeps stale uploads and
// unclaimed content.
const SweepEvidenceEvery = time.Hour

// reverifyEvidence re-hashes the vault every interval, and sweeps it every
// SweepEvidenceEvery, until ctx ends.
func (a *App) reverifyEvidence(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	sweep := time.NewTicker(SweepEvidenceEvery)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.ReverifyEvidence(ctx); err != nil && ctx.Err() == nil {
				a.Log.Error("evidence re-verification failed", "err", err)
			}
		case <-sweep.C:
			if err := a.SweepEvidence(ctx); err != nil && ctx.Err() == nil {
				a.Log.Error("evidence sweep failed", "err", err)
			}
		}
	}
}

// SweepEvidence removes unfinished uploads older than the configured age
// and content no item claims after the configured grace (each removal
// audited); the content of live items is never touched.
func (a *App) SweepEvidence(ctx context.Context) error {
	_, err := a.Evidence.Sweep(ctx, evidence.SweepOptions{UploadAge: a.Config.EvidenceUploadTTL,
		Grace: a.Config.EvidenceOrphanGrace})
	return err
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
