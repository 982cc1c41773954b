package web

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestChartOptions(t *testing.T) {
	c := Chart{ID: "by-month", Kind: "stacked-bar", Categories: []string{"2026-10", "2026-11"},
		Series: []ChartSeries{{Name: "S1", Values: []float64{1, 2}}, {Name: "S4", Values: []float64{0, 3}}}, Unit: "%"}
	s, err := c.Options()
	if err != nil {
		t.Fatal(err)
	}
	var opt struct {
		XAxis  struct{ Data []string } `json:"xAxis"`
		Series []struct {
			Type, Name, Stack string
			Data              []float64
		}
		Unit string
	}
	if err := json.Unmarshal([]byte(s), &opt); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(opt.XAxis.Data, c.Categories) || len(opt.Series) != 2 || opt.Series[1].Stack != "total" ||
		opt.Series[1].Type != "bar" || !slices.Equal(opt.Series[1].Data, []float64{0, 3}) || opt.Unit != "%" {
		t.Errorf("options %s", s)
	}
	if got := c.Rows(); !slices.Equal(got[1], []string{"2026-11", "2%", "3%"}) {
		t.Errorf("rows %v", got)
	}

	pie := Chart{ID: "p", Kind: "pie", Categories: []string{"a", "z", "b"}, Series: []ChartSeries{{Name: "n", Values: []float64{3, 0, 4}}}}
	s, err = pie.Options()
	if err != nil || !strings.Contains(s, `"data":[{"name":"a","value":3},{"name":"b","value":4}]`) {
		t.Errorf("pie %s %v", s, err)
	}
}

func TestChartRefusesInconsistentData(t *testing.T) {
	for name, c := range map[string]Chart{
		"kind":   {ID: "x", Kind: "radar"},
		"length": {ID: "x", Kind: "bar", Categories: []string{"a"}, Series: []ChartSeries{{Name: "s", Values: []float64{1, 2}}}},
		"nan":    {ID: "x", Kind: "line", Categories: []string{"a"}, Series: []ChartSeries{{Name: "s", Values: []float64{math.NaN()}}}},
	} {
		if _, err := c.Options(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
