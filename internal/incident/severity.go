package incident

// ProposeSeverity proposes a severity from the highest security level of the
// affected systems (1–5, 0 when none is named) and the observed impact:
//
//   - the level gives the base: level 1 → S0 … level 5 → S4; no system → S1;
//   - the impact moves it: none −1, low −1, medium ±0, high +1, critical +2;
//   - personal data involved keeps it at S2 or above (Decree 13/2023 applies);
//   - the result stays within S0–S4.
//
// A coordinator may set another severity, with a reason (CheckSeverity).
func ProposeSeverity(maxLevel int, impact Impact, personalData bool) Severity {
	base := 1
	if maxLevel >= 1 && maxLevel <= 5 {
		base = maxLevel - 1
	}
	switch impact {
	case ImpactNone, ImpactLow:
		base--
	case ImpactHigh:
		base++
	case ImpactCritical:
		base += 2
	}
	if personalData && base < 2 {
		base = 2
	}
	base = max(0, min(base, 4))
	return Severities[base]
}

// MaxLevel is the highest security level among systems, 0 for none.
func MaxLevel(systems []System) int {
	m := 0
	for _, s := range systems {
		m = max(m, s.Level)
	}
	return m
}
