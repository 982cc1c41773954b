package publicweb

// The public statistics page: reports received and entries confirmed per
// month over the last year, reports per kind of scam, and the kinds of
// value most reported. The charts are SVG drawn on the server: the
// portal's CSP allows no inline script or style and the page should weigh
// little on a phone, so no chart library is sent. Every figure is also in
// a table, for screen readers and for copying.

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/khien-cert/khien/internal/portal"
)

// svgChart is a chart ready to draw: every coordinate is computed here.
type svgChart struct {
	ID     string
	Title  string
	W, H   int
	Bars   []svgBar
	Labels []svgText
	Grid   []svgLine
	Legend []svgLegend
}

type svgBar struct {
	X, Y, W, H int
	Class      string
	Title      string // the figure, shown on hover and read by screen readers
}

type svgText struct {
	X, Y   int
	Anchor string
	Text   string
}

type svgLine struct{ X1, Y1, X2, Y2 int }

type svgLegend struct {
	X, Y  int
	Class string
	Text  string
}

type statsView struct {
	Base
	Stats      portal.Stats
	Months     svgChart
	Weeks      svgChart
	WeekRows   []monthRow
	Categories svgChart
	Kinds      svgChart
	MonthRows  []monthRow
	CatRows    []countRow
	KindRows   []countRow
}

type monthRow struct {
	Label               string // the period in full: 03/2026, or the week's Monday 02/03/2026
	Short               string // under its bars: 03, or 02/03
	Received, Confirmed int
}

type countRow struct {
	Label     string
	Reports   int
	Confirmed int
}

func (s *Site) statsPage(w http.ResponseWriter, r *http.Request) error {
	st, err := s.svc.PublicStats(r.Context())
	if err != nil {
		return err
	}
	b := s.base(r, "stats.title")
	v := &statsView{Base: b, Stats: st}
	for _, m := range st.Months {
		v.MonthRows = append(v.MonthRows, monthRow{Label: m.Start.Format("01/2006"), Short: m.Start.Format("01"),
			Received: m.Received, Confirmed: m.Confirmed})
	}
	for _, w := range st.Weeks {
		v.WeekRows = append(v.WeekRows, monthRow{Label: w.Start.Format("02/01/2006"), Short: w.Start.Format("02/01"),
			Received: w.Received, Confirmed: w.Confirmed})
	}
	for _, c := range st.Categories {
		key := "category." + string(c.Category)
		if c.Category == "" {
			key = "stats.no_category"
		}
		v.CatRows = append(v.CatRows, countRow{Label: b.T(key), Reports: c.Reports, Confirmed: c.Confirmed})
	}
	for _, k := range st.Kinds {
		v.KindRows = append(v.KindRows, countRow{Label: b.T("kind." + string(k.Kind)), Reports: k.Reports})
	}
	v.Months = periodChart(b, "chart-months", b.T("stats.by_month"), v.MonthRows, true)
	v.Weeks = periodChart(b, "chart-weeks", b.T("stats.by_week"), v.WeekRows, false)
	v.Categories = hbarChart("chart-categories", b.T("stats.by_category"), v.CatRows, true, b)
	v.Kinds = hbarChart("chart-kinds", b.T("stats.by_kind"), v.KindRows, false, b)
	s.render(w, http.StatusOK, "stats", v)
	return nil
}

// scale maps n in [0, top] to [0, span] pixels.
func scale(n, top, span int) int {
	if top <= 0 {
		return 0
	}
	return n * span / top
}

// gridStep is the step of the four grid lines: the smallest 1, 2 or 5
// times a power of ten whose four steps reach the largest figure, so that
// the grid falls on round numbers.
func gridStep(n int) int {
	for p := 1; ; p *= 10 {
		for _, f := range []int{1, 2, 5} {
			if 4*f*p >= n {
				return f * p
			}
		}
	}
}

// periodChart is grouped vertical bars: received and confirmed per period
// (months, with the year of the first and last under them, or weeks).
func periodChart(b Base, id, title string, rows []monthRow, years bool) svgChart {
	const w, h, left, bottom, top = 480, 260, 44, 44, 34
	c := svgChart{ID: id, Title: title, W: w, H: h}
	maxN := 0
	for _, r := range rows {
		maxN = max(maxN, r.Received, r.Confirmed)
	}
	step := gridStep(maxN)
	topN := 4 * step
	plotH := h - bottom - top
	for i := 0; i <= 4; i++ {
		y := h - bottom - plotH*i/4
		c.Grid = append(c.Grid, svgLine{X1: left, Y1: y, X2: w - 4, Y2: y})
		c.Labels = append(c.Labels, svgText{X: left - 6, Y: y + 5, Anchor: "end", Text: fmt.Sprint(step * i)})
	}
	if len(rows) == 0 {
		return c
	}
	slot := (w - left - 4) / len(rows)
	bw := max(slot*2/5, 2)
	for i, r := range rows {
		x := left + i*slot + (slot-2*bw)/2
		for j, n := range []int{r.Received, r.Confirmed} {
			bh := scale(n, topN, plotH)
			class, key := "bar-received", "stats.received"
			if j == 1 {
				class, key = "bar-confirmed", "stats.confirmed"
			}
			c.Bars = append(c.Bars, svgBar{X: x + j*bw, Y: h - bottom - bh, W: bw, H: bh, Class: class,
				Title: fmt.Sprintf("%s · %s: %d", r.Label, b.T(key), n)})
		}
		if years || (len(rows)-1-i)%2 == 0 { // day/month labels are wide: every other one, the latest kept
			c.Labels = append(c.Labels, svgText{X: left + i*slot + slot/2, Y: h - bottom + 18, Anchor: "middle", Text: r.Short})
		}
	}
	if years {
		year := func(r monthRow) string { return r.Label[strings.LastIndexByte(r.Label, '/')+1:] }
		c.Labels = append(c.Labels, svgText{X: left + slot/2, Y: h - bottom + 38, Anchor: "middle", Text: year(rows[0])},
			svgText{X: left + (len(rows)-1)*slot + slot/2, Y: h - bottom + 38, Anchor: "middle", Text: year(rows[len(rows)-1])})
	}
	c.Legend = []svgLegend{{X: left, Y: 6, Class: "bar-received", Text: b.T("stats.received")},
		{X: left + 180, Y: 6, Class: "bar-confirmed", Text: b.T("stats.confirmed")}}
	return c
}

// hbarChart is horizontal bars, one row per figure, the label above its bar.
func hbarChart(id, title string, rows []countRow, confirmed bool, b Base) svgChart {
	const w, left, rowH, barH = 480, 4, 44, 16
	c := svgChart{ID: id, Title: title, W: w, H: max(len(rows)*rowH+8, 40)}
	maxN := 0
	for _, r := range rows {
		maxN = max(maxN, r.Reports)
	}
	span := w - left - 60
	for i, r := range rows {
		y := 8 + i*rowH
		c.Labels = append(c.Labels, svgText{X: left, Y: y + 12, Anchor: "start", Text: r.Label})
		bw := max(scale(r.Reports, maxN, span), 1)
		c.Bars = append(c.Bars, svgBar{X: left, Y: y + 16, W: bw, H: barH, Class: "bar-received",
			Title: fmt.Sprintf("%s: %d", r.Label, r.Reports)})
		if confirmed && r.Confirmed > 0 {
			c.Bars = append(c.Bars, svgBar{X: left, Y: y + 16 + barH/2, W: max(scale(r.Confirmed, maxN, span), 1), H: barH / 2,
				Class: "bar-confirmed", Title: fmt.Sprintf("%s · %s: %d", r.Label, b.T("stats.confirmed"), r.Confirmed)})
		}
		c.Labels = append(c.Labels, svgText{X: left + bw + 6, Y: y + 30, Anchor: "start", Text: fmt.Sprint(r.Reports)})
	}
	return c
}
