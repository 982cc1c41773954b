package publicweb

import "testing"

func TestGridStep(t *testing.T) {
	for n, want := range map[int]int{0: 1, 1: 1, 4: 1, 5: 2, 8: 2, 9: 5, 20: 5, 21: 10, 399: 100, 401: 200} {
		if got := gridStep(n); got != want || 4*got < n {
			t.Errorf("gridStep(%d) = %d, want %d", n, got, want)
		}
	}
	rows := []monthRow{{Label: "12/2025", Short: "12", Received: 7, Confirmed: 2}, {Label: "01/2026", Short: "01", Received: 0}}
	c := periodChart(Base{}, "x", "t", rows, true)
	top := c.Bars[0]
	if top.Y+top.H != 260-44 || top.H != (260-44-34)*7/8 {
		t.Errorf("bar of 7 on a grid to 8: %+v", top)
	}
	if c.Bars[2].H != 0 {
		t.Errorf("a zero bar has height %d", c.Bars[2].H)
	}
}
