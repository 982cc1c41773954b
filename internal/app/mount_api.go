package app

import (
	"net/http"

	"github.com/khien-cert/khien/internal/api"
	"github.com/khien-cert/khien/internal/audit"
)

// mountAPI mounts the REST API v1. Everything under /api/ belongs to it, so
// that an unknown API path answers JSON and never falls through to the UI.
func (a *App) mountAPI(mux *http.ServeMux) {
	v1 := api.New(api.Deps{
		Auth:     a.Auth,
		Org:      a.Org,
		Audit:    audit.NewService(a.DB, a.Verifier),
		Ingest:   a.Ingest,
		Alerts:   a.Alerts,
		Intel:    a.Intel,
		Evidence: a.Evidence,
		Portal:   a.Portal,
		Advisory: a.Advisory,
		Notify:   a.Notify,
		Logger:   a.Log.With("mux", "api"),
		// incident coordination (incident.go)
		Incidents: a.Incidents,
		// responder alliance and mobilisation (alliance.go)
		Alliance: a.Alliance,

		// ReadAdvisories reads imported documents of any known format.
		ReadAdvisories: readAdvisories,
	})
	mux.Handle("/api/", v1.Handler())
}
