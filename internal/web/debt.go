package web

import (
	"net/http"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
)

// debtView is the compliance-debt dashboard: the ranking (and its chart),
// the trend over the last 30 days, and the oldest overdue items.
type debtView struct {
	Base
	Report    advisory.DebtReport
	By        string
	Groupings []Option
	Rows      []debtRow
	Ranking   Chart
	Trend     Chart
	Now       time.Time
}

func (w *Web) debtDashboard(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	if !s.P.Can(auth.PermDebtRead) {
		return errs.New(errs.KindForbidden, "debt.forbidden", "your role may not see compliance debt")
	}
	ctx, by := r.Context(), r.URL.Query().Get("by")
	if by == "" {
		by = advisory.ByOrg
	}
	rep, err := w.advisory.Debt(ctx, s.P, by)
	if err != nil {
		return err
	}
	trend, err := w.advisory.Trend(ctx, s.P, "", 30)
	if err != nil {
		return err
	}
	tr := w.views.translator(s.Lang())
	v := debtView{Base: w.newBase(rw, r, s, "debt", "debt.title"), Report: rep, By: by, Now: w.now(),
		Groupings: enumOptions("debt.by_", advisory.Groupings)}
	v.Ranking = Chart{ID: "debt-ranking", Kind: "bar", Title: tr.T("debt.chart_ranking")}
	score := ChartSeries{Name: tr.T("debt.score")}
	for i, d := range rep.Ranking {
		v.Rows = append(v.Rows, debtRow{Rank: i + 1, Debt: d})
	}
	for i, d := range rep.Ranking {
		if i == 15 {
			break
		}
		name := d.Name
		if name == "" {
			name = tr.T("debt.unknown")
		}
		v.Ranking.Categories = append(v.Ranking.Categories, name)
		score.Values = append(score.Values, d.Score)
	}
	v.Ranking.Series = []ChartSeries{score}
	v.Trend = Chart{ID: "debt-trend", Kind: "line", Title: tr.T("debt.chart_trend")}
	ts, ov := ChartSeries{Name: tr.T("debt.score")}, ChartSeries{Name: tr.T("debt.overdue")}
	for _, p := range trend {
		v.Trend.Categories = append(v.Trend.Categories, p.Day)
		ts.Values = append(ts.Values, p.Score)
		ov.Values = append(ov.Values, float64(p.Overdue))
	}
	v.Trend.Series = []ChartSeries{ts, ov}
	return w.views.render(rw, r, http.StatusOK, "debt", &v)
}

// debtRow is one line of the ranking table.
type debtRow struct {
	Rank int
	advisory.Debt
}

// debtCSV downloads the ranking as CSV.
func (w *Web) debtCSV(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	rep, err := w.advisory.Debt(r.Context(), s.P, r.URL.Query().Get("by"))
	if err != nil {
		return err
	}
	rw.Header().Set("Content-Type", "text/csv; charset=utf-8")
	rw.Header().Set("Content-Disposition", `attachment; filename="khien-debt-`+rep.By+`-`+rep.At.Format(time.DateOnly)+`.csv"`)
	return advisory.WriteCSV(rw, rep)
}
