package advisory

import (
	"slices"
	"testing"
	"time"
)

func TestWorkflow(t *testing.T) {
	cases := []struct {
		from State
		act  Action
		to   State
		ok   bool
	}{
		{StateOpen, ActAcknowledge, StateAcknowledged, true},
		{StateAcknowledged, ActAcknowledge, "", false},
		{StateOpen, ActClaimNA, StateNAClaimed, true},
		{StateNAClaimed, ActApproveNA, StateNotApplicable, true},
		{StateNAClaimed, ActRejectNA, StateAcknowledged, true},
		{StateAcknowledged, ActStart, StateInProgress, true},
		{StateInProgress, ActRemediate, StateRemediated, true},
		{StateRemediated, ActVerify, StateVerified, true},
		{StateOpen, ActVerify, "", false},
		{StateVerified, ActReopen, StateOpen, true},
		{StateNoLongerAffected, ActAcknowledge, "", false},
		{StateOpen, "dance", "", false},
	}
	for _, c := range cases {
		to, ok := Next(c.from, c.act)
		if ok != c.ok || to != c.to {
			t.Errorf("%s --%s--> %q, %v; want %q, %v", c.from, c.act, to, ok, c.to, c.ok)
		}
	}
	if got := Available(StateRemediated, false); len(got) != 0 {
		t.Errorf("a constituent may do %v to a remediated item", got)
	}
	if got := Available(StateRemediated, true); !slices.Equal(got, []Action{ActVerify, ActReopen}) {
		t.Errorf("a coordinator may do %v to a remediated item", got)
	}
}

func TestItemDebt(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	item := func(sev string, level int, overdue time.Duration) ActionItem {
		return ActionItem{State: StateOpen, Severity: sev, SecurityLevel: level, DueAt: now.Add(-overdue)}
	}
	// critical, level 5, one week late: 10 × 1.6 × 2 = 32.
	if got := ItemDebt(item(SeverityCritical, 5, 7*Day), now); got != 32 {
		t.Errorf("critical/5/7d = %v, want 32", got)
	}
	// low, level 1, three weeks late: 1 × 0.8 × 3 = 2.4.
	if got := ItemDebt(item(SeverityLow, 1, 21*Day), now); got != 2.4 {
		t.Errorf("low/1/21d = %v, want 2.4", got)
	}
	if got := ItemDebt(item(SeverityCritical, 5, -Day), now); got != 0 {
		t.Errorf("not yet due owes %v", got)
	}
	k := item(SeverityHigh, 3, 7*Day)
	plain := ItemDebt(k, now)
	k.KnownExploited = true
	if got := ItemDebt(k, now); got != plain*1.5 {
		t.Errorf("KEV %v, plain %v", got, plain)
	}
	// Monotone: older and more critical owe more.
	if ItemDebt(item(SeverityHigh, 3, 30*Day), now) <= ItemDebt(item(SeverityHigh, 3, 10*Day), now) {
		t.Error("older items should owe more")
	}
	if ItemDebt(item(SeverityHigh, 5, 10*Day), now) <= ItemDebt(item(SeverityHigh, 1, 10*Day), now) {
		t.Error("higher levels should owe more")
	}
	// Ranking by sector sums organisations.
	items := []DebtItem{
		{ActionItem: item(SeverityCritical, 5, 7*Day), Sector: "Năng lượng"},
		{ActionItem: item(SeverityLow, 1, 21*Day), Sector: "Tài chính"},
		{ActionItem: item(SeverityCritical, 5, 7*Day), Sector: "Năng lượng"},
	}
	r := Rank(items, now, func(it DebtItem) (string, string) { return it.Sector, it.Sector })
	if len(r) != 2 || r[0].Key != "Năng lượng" || r[0].Score != 64 || r[0].Critical != 2 || r[1].Score != 2.4 {
		t.Errorf("ranking %+v", r)
	}
}
