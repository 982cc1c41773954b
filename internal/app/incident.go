package app

import (
	"context"
	"path/filepath"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/incident"
)

// SweepIncidentClocksEvery is how often the incident clocks are checked for
// breaches.
const SweepIncidentClocksEvery = time.Minute

// openIncidents builds incident coordination. It runs before monitoring so
// the alert service can escalate into it.
func (a *App) openIncidents() error {
	files, err := blob.OpenDisk(filepath.Join(a.Config.DataDir, "incident-files"))
	if err != nil {
		return err
	}
	a.incidentFiles = files
	svc, err := incident.New(incident.Deps{Store: a.DB, Alerts: a.DB, Blobs: files, Now: a.now, Logger: a.Log})
	if err != nil {
		return err
	}
	a.Incidents = svc
	return nil
}

// escalator is what alerts escalate into: nil until incidents are open.
func (a *App) escalator() alert.Escalator {
	if a.Incidents == nil {
		return nil
	}
	return a.Incidents
}

// incidentBackground runs the clock sweeper: it records every breach once
// and enqueues its notices.
func (a *App) incidentBackground(ctx context.Context, run func(func())) {
	if a.Incidents != nil {
		run(func() { a.Incidents.RunSweeper(ctx, SweepIncidentClocksEvery) })
	}
}
