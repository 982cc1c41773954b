package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/incident"
)

// incidentStatsView is the incident statistics of one year.
type incidentStatsView struct {
	Base
	Year       int
	Years      []int
	Stats      incident.Stats
	MTTA, MTTR string
	Within     string // percentage
	Charts     []Chart
	Major      []incidentYearCount
	Categories []incidentCountRow
	Sectors    []incidentCountRow
	Provinces  []incidentCountRow
	Severities []incidentCountRow
}

type incidentYearCount struct{ Year, Count int }

type incidentCountRow struct {
	Key   string // catalogue key or ""
	Label string
	Count int
}

// statsPeriod reads ?year= (the current year in the display zone by
// default) and returns its bounds.
func (w *Web) statsPeriod(r *http.Request, s *session) (int, time.Time, time.Time, error) {
	z := w.zone()
	year := w.now().In(z).Year()
	if y := r.URL.Query().Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > 2100 {
			return 0, time.Time{}, time.Time{}, errs.Invalid("incident.bad_year", "not a year",
				errs.Field("year", "incident.bad_year", "a year such as 2026"))
		}
		year = n
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, z)
	return year, from, from.AddDate(1, 0, 0), nil
}

func (w *Web) incidentStats(rw http.ResponseWriter, r *http.Request, s *session) error {
	year, from, to, err := w.statsPeriod(r, s)
	if err != nil {
		return err
	}
	st, _, err := w.incidents.Statistics(r.Context(), s.P, from, to)
	if err != nil {
		return err
	}
	// Major incidents over the last five years.
	_, five, err := w.incidents.Statistics(r.Context(), s.P, from.AddDate(-4, 0, 0), to)
	if err != nil {
		return err
	}
	tr := w.views.translator(s.Lang())
	tax := w.incidents.Taxonomy()
	v := incidentStatsView{Base: w.newBase(rw, r, s, "incident-stats", "incident.stats_title"), Year: year, Stats: st,
		MTTA: incidentDuration(tr, st.MTTA), MTTR: incidentDuration(tr, st.MTTR),
		Within: incidentPercent(tr, st.WithinShare())}
	major := incident.Compute(five, from.AddDate(-4, 0, 0), to).MajorByYear
	for y := year - 4; y <= year; y++ {
		v.Years = append(v.Years, y)
		v.Major = append(v.Major, incidentYearCount{y, major[y]})
	}
	for _, k := range incident.SortedKeys(st.ByCategory) {
		label := incidentCategoryLabel(tr, tax, k)
		if k == "" {
			label = tr.T("incident.unclassified")
		}
		v.Categories = append(v.Categories, incidentCountRow{Label: label, Count: st.ByCategory[k]})
	}
	for _, k := range incident.SortedKeys(st.BySector) {
		v.Sectors = append(v.Sectors, incidentCountRow{Label: incidentOrDash(k), Count: st.BySector[k]})
	}
	for _, k := range incident.SortedKeys(st.ByProvince) {
		v.Provinces = append(v.Provinces, incidentCountRow{Label: incidentOrDash(k), Count: st.ByProvince[k]})
	}
	for _, sev := range append([]incident.Severity{""}, incident.Severities...) {
		if n := st.BySeverity[sev]; n > 0 || sev != "" {
			key := "incident_severity." + string(sev)
			if sev == "" {
				key = "incident.untriaged"
			}
			v.Severities = append(v.Severities, incidentCountRow{Key: key, Count: n})
		}
	}
	// Charts.
	monthly := Chart{ID: "chart-month", Kind: "bar", Title: tr.T("incident.stats_by_month"),
		Series: []ChartSeries{{Name: tr.T("incident.stats_count")}}}
	for _, m := range st.Months {
		monthly.Categories = append(monthly.Categories, m)
		monthly.Series[0].Values = append(monthly.Series[0].Values, float64(st.ByMonth[m]))
	}
	sev := Chart{ID: "chart-severity", Kind: "pie", Title: tr.T("incident.stats_by_severity"),
		Series: []ChartSeries{{Name: tr.T("incident.stats_count")}}}
	for _, row := range v.Severities {
		sev.Categories = append(sev.Categories, tr.T(row.Key))
		sev.Series[0].Values = append(sev.Series[0].Values, float64(row.Count))
	}
	cat := Chart{ID: "chart-category", Kind: "bar", Title: tr.T("incident.stats_by_category"),
		Series: []ChartSeries{{Name: tr.T("incident.stats_count")}}}
	for _, row := range v.Categories {
		cat.Categories = append(cat.Categories, row.Label)
		cat.Series[0].Values = append(cat.Series[0].Values, float64(row.Count))
	}
	maj := Chart{ID: "chart-major", Kind: "bar", Title: tr.T("incident.stats_major"),
		Series: []ChartSeries{{Name: tr.T("incident.stats_major_series")}}}
	for _, m := range v.Major {
		maj.Categories = append(maj.Categories, strconv.Itoa(m.Year))
		maj.Series[0].Values = append(maj.Series[0].Values, float64(m.Count))
	}
	v.Charts = []Chart{monthly, sev, cat, maj}
	return w.views.render(rw, r, http.StatusOK, "report_incidents", &v)
}

// incidentPercent writes a share (0–1) as a percentage with one decimal,
// with the language's decimal mark ("12,5 %" in Vietnamese).
func incidentPercent(tr *translator, share float64) string {
	n := strconv.FormatFloat(100*share, 'f', 1, 64)
	if tr.lang == "vi" {
		n = strings.Replace(n, ".", ",", 1)
	}
	return n + " %"
}

func incidentOrDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// incidentStatsCSV exports one row per incident of the year (no free text):
// what the page aggregates, for a spreadsheet. Values are machine names; the
// last column names the category in the reader's language.
func (w *Web) incidentStatsCSV(rw http.ResponseWriter, r *http.Request, s *session) error {
	year, from, to, err := w.statsPeriod(r, s)
	if err != nil {
		return err
	}
	_, rows, err := w.incidents.Statistics(r.Context(), s.P, from, to)
	if err != nil {
		return err
	}
	rw.Header().Set("Content-Type", "text/csv; charset=utf-8")
	rw.Header().Set("Content-Disposition", `attachment; filename="incidents-`+strconv.Itoa(year)+`.csv"`)
	cw := csv.NewWriter(rw)
	z := w.zone()
	tr, tax := w.views.translator(s.Lang()), w.incidents.Taxonomy()
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(z).Format(time.RFC3339)
	}
	_ = cw.Write([]string{"id", "org_id", "sector", "province", "category", "severity", "state", "reported_at",
		"triaged_at", "resolved_at", "minutes_to_triage", "minutes_to_resolve", "breached", "personal_data", "category_label"})
	mins := func(a, b time.Time) string {
		if b.IsZero() {
			return ""
		}
		return strconv.FormatInt(int64(b.Sub(a)/time.Minute), 10)
	}
	for _, x := range rows {
		if err := cw.Write([]string{x.ID, x.OrgID, incidentCSVSafe(x.Sector), incidentCSVSafe(x.Province), x.Category, string(x.Severity),
			string(x.State), ts(x.ReportedAt), ts(x.TriagedAt), ts(x.ResolvedAt), mins(x.ReportedAt, x.TriagedAt),
			mins(x.ReportedAt, x.ResolvedAt), strconv.FormatBool(x.Breached), strconv.FormatBool(x.PersonalData),
			incidentCSVSafe(incidentCategoryLabel(tr, tax, x.Category))}); err != nil {
			return nil // the client went away
		}
	}
	cw.Flush()
	return nil
}

// incidentCSVSafe keeps a spreadsheet from reading a cell as a formula.
func incidentCSVSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}
