package api

import (
	"net/http"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/auth"
)

func (a *API) debt(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	rep, err := a.advisory.Debt(r.Context(), p, r.URL.Query().Get("by"))
	if err != nil {
		return err
	}
	return ok(w, rep)
}

func (a *API) debtTrend(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	days, err := intParam(q, "days")
	if err != nil {
		return err
	}
	tr, err := a.advisory.Trend(r.Context(), p, q.Get("org"), days)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"items": tr})
}

// debtCSV exports the ranking as CSV (one row per organisation, sector or
// province), for leadership's spreadsheets.
func (a *API) debtCSV(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	rep, err := a.advisory.Debt(r.Context(), p, r.URL.Query().Get("by"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="khien-debt-`+rep.By+`-`+rep.At.Format(time.DateOnly)+`.csv"`)
	return advisory.WriteCSV(w, rep)
}
