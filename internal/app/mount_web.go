package app

import (
	"net/http"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/web"
)

// mountWeb mounts the browser UI at "/": every path no other mux claims.
//
// The UI's templates and catalogues are embedded and tested, so web.New
// fails only on a broken build; then every UI path answers 500 and the cause
// is logged, while health checks and the API keep working.
func (a *App) mountWeb(mux *http.ServeMux) {
	log := a.Log.With("mux", "web")
	ui, err := web.New(web.Deps{
		Auth:         a.Auth,
		Org:          a.Org,
		Audit:        audit.NewService(a.DB, a.Verifier),
		Logger:       log,
		CookieSecure: a.Config.CookieSecure,
		Now:          a.now,
	})
	if err != nil {
		log.Error("web UI disabled", "err", err)
		mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "the web interface failed to start; see the server log", http.StatusInternalServerError)
		}))
		return
	}
	mux.Handle("/", ui.Handler())
}
