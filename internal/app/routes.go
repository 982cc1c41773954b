package app

import (
	"context"
	"net/http"
	"time"

	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/intake"
)

// routes mounts every mux: health and metrics here, the API under /api/,
// the public portal and the browser UI (added by their packages).
func (a *App) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", a.ready)
	mux.Handle("GET /metrics", a.Metrics.Handler())
	intake.NewHTTP(a.Ingest, a.Log).Routes(mux)
	a.mountAPI(mux)
	a.mountCSAF(mux)
	if err := a.mountPortal(mux); err != nil {
		return nil, err
	}
	if err := a.mountWeb(mux); err != nil {
		return nil, err
	}
	return httpx.Common(a.Log, a.Metrics.Observe, mux), nil
}

// ready answers 200 when the database and the bus answer, else 503.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "bus": "ok"}
	status := http.StatusOK
	if err := a.DB.Ping(ctx); err != nil {
		checks["database"], status = "unavailable", http.StatusServiceUnavailable
	}
	if a.Bus == nil {
		checks["bus"] = "disabled"
	} else if err := a.Bus.Ready(ctx); err != nil {
		checks["bus"], status = "unavailable", http.StatusServiceUnavailable
	}
	httpx.WriteJSON(w, status, checks)
}
