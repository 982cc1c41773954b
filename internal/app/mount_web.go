package app

import (
	"net/http"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/web"
)

// mountWeb mounts the browser UI at "/": every path no other mux claims.
func (a *App) mountWeb(mux *http.ServeMux) error {
	log := a.Log.With("mux", "web")
	ui, err := web.New(web.Deps{
		Auth:         a.Auth,
		Org:          a.Org,
		Audit:        audit.NewService(a.DB, a.Verifier),
		Ingest:       a.Ingest,
		Alerts:       a.Alerts,
		Intel:        a.Intel,
		Evidence:     a.Evidence,
		Portal:       a.Portal,
		Advisory:     a.Advisory,
		Notify:       a.Notify,
		Alliance:     a.Alliance,
		Logger:       log,
		CookieSecure: a.Config.CookieSecure,
		Now:          a.now,
		BaseURL:      a.Config.BaseURL,
		// incident coordination (incident.go)
		Incidents: a.Incidents,

		// ReadAdvisories reads uploaded documents of any known format.
		ReadAdvisories: readAdvisories,
	})
	if err != nil {
		return err
	}
	a.ui = ui
	mux.Handle("/", ui.Handler())
	return nil
}
