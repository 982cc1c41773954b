package web

import (
	"testing"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/auth"
)

// TestAllianceKeysExist checks the catalogue keys the alliance pages build
// at run time: skill labels, ask states, exclusion reasons and languages.
func TestAllianceKeysExist(t *testing.T) {
	var keys []string
	for _, s := range alliance.Skills() {
		keys = append(keys, s.Label())
	}
	for _, s := range []string{alliance.AskPending, alliance.AskAccepted, alliance.AskDeclined, alliance.AskExpired, alliance.AskReleased} {
		keys = append(keys, "alliance.ask_state."+s)
	}
	for _, r := range []string{alliance.ExcludedOwnOrg, alliance.ExcludedConflict, alliance.ExcludedClearance, alliance.ExcludedInactive, alliance.ExcludedAsked} {
		keys = append(keys, "alliance.excluded."+r, "err.alliance.excluded_"+r)
	}
	for _, o := range languageOptions() {
		keys = append(keys, o.Key)
	}
	for _, p := range []auth.Principal{{UserID: "c", Role: auth.RoleCoordinator}, {UserID: "r", Role: auth.RoleResponder, Orgs: []string{"m"}}} {
		for _, n := range allianceNav(p) {
			keys = append(keys, n.Key)
		}
	}
	for _, lang := range Langs {
		cat := catalogue(t, lang)
		for _, k := range keys {
			if _, ok := cat[k]; !ok {
				t.Errorf("%s catalogue lacks %q", lang, k)
			}
		}
	}
}

// FuzzAllianceForms feeds the schedule and certification text areas as
// people type them: parsing never panics, and lines it accepts are kept one
// for one (a line it cannot read is named on the form instead).
func FuzzAllianceForms(f *testing.F) {
	f.Add("Mon 08:00-17:30\nSat 00:00-24:00", "2026-12-24 08:00 | 2026-12-27 18:00 | nghỉ phép", "GCFA | GIAC | 2028-01-31")
	f.Add("hằng ngày", "2026-12-24 | x", "| | |")
	f.Fuzz(func(t *testing.T, weekly, off, certs string) {
		fm := newForm(append(availFields, "certifications")...)
		fm.Set("weekly", weekly)
		fm.Set("unavailable", off)
		fm.Set("certifications", certs)
		a := parseAvailability(fm)
		cs := parseCertifications(fm)
		if len(fm.Errors) > 0 {
			return
		}
		if len(a.Weekly) != len(lines(weekly)) || len(a.Unavailable) != len(lines(off)) || len(cs) != len(lines(certs)) {
			t.Fatalf("lines dropped without a problem: %d/%d/%d of %q %q %q", len(a.Weekly), len(a.Unavailable), len(cs), weekly, off, certs)
		}
		_ = a.Normalize()
	})
}
