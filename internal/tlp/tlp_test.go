package tlp

import "testing"

func TestParseAndOrder(t *testing.T) {
	cases := []struct {
		in   string
		want Level
	}{
		{"clear", Clear}, {"TLP:WHITE", Clear}, {"green", Green}, {"TLP:AMBER", Amber},
		{"amber+strict", AmberStrict}, {" RED ", Red},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if _, err := Parse("purple"); err == nil {
		t.Error("Parse(purple) succeeded")
	}
	if !Amber.Allows(Green) || Green.Allows(Amber) || !Red.Allows(Red) {
		t.Error("ordering wrong")
	}
	if Level(0).Allows(Clear) {
		t.Error("zero clearance allowed CLEAR")
	}
}
