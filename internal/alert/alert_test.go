package alert

import (
	"testing"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/tlp"
)

func TestViewRedactsByTLPAndHidesOtherTenantsExcerpts(t *testing.T) {
	a := Alert{Kind: KindIndicator, Title: "C2 203.0.113.66", Indicator: "ipv4|203.0.113.66", Value: "203.0.113.66",
		TLP: tlp.Red, Sources: []string{"partner"}, Excerpt: `{"src_ip":"198.51.100.23"}`, SensorID: "s1",
		Orgs: []Involved{{OrgID: "bank", Reason: ReasonSensorOwner}, {OrgID: "isp", Reason: ReasonIPOwner}}}
	coord := auth.Principal{UserID: "c", Role: auth.RoleCoordinator}
	bank := auth.Principal{UserID: "b", Role: auth.RoleConstituentAdmin, Orgs: []string{"bank"}}
	isp := auth.Principal{UserID: "i", Role: auth.RoleConstituentAnalyst, Orgs: []string{"isp"}}
	other := auth.Principal{UserID: "o", Role: auth.RoleConstituentAdmin, Orgs: []string{"hospital"}}

	if v := View(coord, a, a.SensorOrg()); v.Redacted || v.Value == "" || v.Excerpt == "" {
		t.Errorf("a coordinator cleared for RED sees everything: %+v", v)
	}
	v := View(bank, a, a.SensorOrg())
	if !v.Redacted || v.Value != "" || v.Indicator != "" || v.Sources != nil || v.Title == a.Title {
		t.Errorf("a constituent (AMBER) sees a RED indicator: %+v", v)
	}
	if v.Excerpt == "" {
		t.Error("the sensor's owner lost its own event excerpt")
	}
	if v := View(isp, a, a.SensorOrg()); v.Excerpt != "" || v.SensorID != "" {
		t.Errorf("the IP owner sees another tenant's telemetry: %+v", v)
	}
	a.TLP = tlp.Green
	if v := View(isp, a, a.SensorOrg()); v.Redacted || v.Value != "203.0.113.66" {
		t.Errorf("the IP owner should see a GREEN indicator about its network: %+v", v)
	}
	for _, c := range []struct {
		p    auth.Principal
		want bool
	}{{coord, true}, {bank, true}, {isp, true}, {other, false}} {
		if got := Visible(c.p, a); got != c.want {
			t.Errorf("Visible(%s) = %v, want %v", c.p.UserID, got, c.want)
		}
	}
}

func TestDedupeKeyFoldsRepeatsOnly(t *testing.T) {
	h := Hit{Kind: KindIndicator, Indicator: "ipv4|203.0.113.66", Value: "203.0.113.66", SensorID: "s1", EventID: "e1"}
	same := h
	same.EventID, same.Title = "e2", "another title"
	if h.DedupeKey() != same.DedupeKey() {
		t.Error("the same indicator, value and sensor must fold into one alert")
	}
	for name, change := range map[string]func(*Hit){
		"sensor": func(x *Hit) { x.SensorID = "s2" },
		"value":  func(x *Hit) { x.Value = "203.0.113.67" },
		"rule":   func(x *Hit) { x.Kind, x.RuleID = KindRule, "r1" },
	} {
		x := h
		change(&x)
		if x.DedupeKey() == h.DedupeKey() {
			t.Errorf("a different %s folded into the same alert", name)
		}
	}
}
