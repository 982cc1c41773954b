package web

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Chart is a chart a page shows. Its options are built here, in Go, and
// drawn in the browser by the vendored ECharts (static/chart.js loads it only
// on pages that have a chart); the same numbers are always rendered as a
// table too, for screen readers, printing and browsers without scripts.
// In a template: {{template "chart" .YourChart}}.
type Chart struct {
	ID         string        // unique on the page
	Kind       string        // "bar", "line", "pie" or "stacked-bar"
	Title      string        // already translated
	Categories []string      // x-axis labels (bar, line) or slice names (pie)
	Series     []ChartSeries // one value per category each
	Unit       string        // shown after values: "%", "h"; optional
}

// ChartSeries is one named row of values.
type ChartSeries struct {
	Name   string
	Values []float64
}

// chartKinds are the kinds chart.js knows how to draw.
var chartKinds = map[string]bool{"bar": true, "line": true, "pie": true, "stacked-bar": true}

// Options returns the ECharts option object as JSON, for the data-chart
// attribute. An inconsistent chart (unknown kind, a series whose length
// differs from the categories, a value that is not a number) is a programming
// error and is reported as one rather than drawn wrong.
func (c Chart) Options() (string, error) {
	if !chartKinds[c.Kind] {
		return "", fmt.Errorf("web: chart %q: unknown kind %q", c.ID, c.Kind)
	}
	for _, s := range c.Series {
		if len(s.Values) != len(c.Categories) {
			return "", fmt.Errorf("web: chart %q: series %q has %d values for %d categories", c.ID, s.Name, len(s.Values), len(c.Categories))
		}
		for _, v := range s.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return "", fmt.Errorf("web: chart %q: series %q has a value that is not a number", c.ID, s.Name)
			}
		}
	}
	opt := map[string]any{
		"animation": false,
		"tooltip":   map[string]any{"trigger": map[bool]string{true: "item", false: "axis"}[c.Kind == "pie"]},
		"unit":      c.Unit, // read by chart.js for labels
	}
	if len(c.Series) > 1 || c.Kind == "pie" {
		opt["legend"] = map[string]any{"bottom": 0, "type": "scroll"}
	}
	if c.Kind == "pie" {
		var data []map[string]any
		if len(c.Series) > 0 {
			for i, cat := range c.Categories {
				if v := c.Series[0].Values[i]; v != 0 { // empty slices only clutter the labels; the table keeps them
					data = append(data, map[string]any{"name": cat, "value": v})
				}
			}
		}
		name := ""
		if len(c.Series) > 0 {
			name = c.Series[0].Name
		}
		opt["series"] = []map[string]any{{"type": "pie", "name": name, "radius": []string{"35%", "65%"}, "data": data}}
	} else {
		typ := c.Kind
		if typ == "stacked-bar" {
			typ = "bar"
		}
		series := make([]map[string]any, 0, len(c.Series))
		for _, s := range c.Series {
			m := map[string]any{"type": typ, "name": s.Name, "data": s.Values}
			if c.Kind == "stacked-bar" {
				m["stack"] = "total"
			}
			series = append(series, m)
		}
		opt["grid"] = map[string]any{"left": 8, "right": 8, "top": 16, "bottom": 40, "containLabel": true}
		opt["xAxis"] = map[string]any{"type": "category", "data": c.Categories}
		opt["yAxis"] = map[string]any{"type": "value"}
		opt["series"] = series
	}
	b, err := json.Marshal(opt)
	return string(b), err
}

// Rows returns the table fallback: one row per category with each series'
// value formatted.
func (c Chart) Rows() [][]string {
	rows := make([][]string, len(c.Categories))
	for i, cat := range c.Categories {
		row := []string{cat}
		for _, s := range c.Series {
			v := ""
			if i < len(s.Values) {
				v = strconv.FormatFloat(s.Values[i], 'f', -1, 64) + c.Unit
			}
			row = append(row, v)
		}
		rows[i] = row
	}
	return rows
}
