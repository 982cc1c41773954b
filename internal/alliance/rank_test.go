package alliance

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/tlp"
)

// allWeek is on call at every minute of the week.
func allWeek() Availability {
	var a Availability
	for d := time.Sunday; d <= time.Saturday; d++ {
		a.Weekly = append(a.Weekly, Slot{Day: d, Start: 0, End: 1440})
	}
	return a
}

func responder(id string, mod func(*Profile)) Profile {
	p := Profile{UserID: id, OrgID: "member-a", Name: id, Skills: []string{"forensics", "network"},
		Clearance: tlp.Amber, Province: "Hà Nội", Capacity: 2, Availability: allWeek(), Active: true}
	if mod != nil {
		mod(&p)
	}
	return p
}

func TestRank(t *testing.T) {
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC) // Monday 10:00 in Hà Nội
	need := Need{Skills: []string{"forensics", "malware-analysis"}, OrgID: "victim", Province: "Đà Nẵng", TLP: tlp.Amber}
	ps := []Profile{
		responder("a-local", func(p *Profile) { p.Province = "Đà Nẵng" }),
		responder("b-far", func(p *Profile) { p.Province = "Cà Mau" }),
		responder("c-both-skills", func(p *Profile) { p.Skills = []string{"forensics", "malware-analysis"} }),
		responder("d-busy", func(p *Profile) { p.Province = "Đà Nẵng"; p.Load = 2 }),
		responder("e-off", func(p *Profile) { p.Province = "Đà Nẵng"; p.Availability = Availability{} }),
		responder("f-well-rated", func(p *Profile) { p.Province = "Đà Nẵng"; p.Rating, p.Ratings = 5, 3 }),
		responder("g-victim-staff", func(p *Profile) { p.OrgID = "victim" }),
		responder("h-conflict", func(p *Profile) { p.Conflicts = []string{"victim"} }),
		responder("i-not-cleared", func(p *Profile) { p.Clearance = tlp.Green }),
		responder("j-inactive", func(p *Profile) { p.Active = false }),
		responder("k-asked", nil),
		responder("l-unknown-place", func(p *Profile) { p.Province = "Atlantis" }),
		responder("m-soon", func(p *Profile) {
			p.Province = "Đà Nẵng"
			p.Availability = Availability{Weekly: []Slot{{Day: time.Monday, Start: 14 * 60, End: 18 * 60}}}
		}),
	}
	ranked, excluded := Rank(need, ps, []string{"k-asked"}, now)

	var order []string
	for _, c := range ranked {
		order = append(order, c.Responder.UserID)
	}
	// b-far 67; l and m tie at 65 and break on the ID; d-busy 60; e-off 55.
	want := []string{"c-both-skills", "f-well-rated", "a-local", "b-far", "l-unknown-place", "m-soon", "d-busy", "e-off"}
	if !slices.Equal(order, want) {
		t.Errorf("order = %v\nwant    %v", order, want)
	}
	reasons := map[string]string{}
	for _, c := range excluded {
		reasons[c.Responder.UserID] = c.Excluded
	}
	wantEx := map[string]string{"g-victim-staff": ExcludedOwnOrg, "h-conflict": ExcludedConflict,
		"i-not-cleared": ExcludedClearance, "j-inactive": ExcludedInactive, "k-asked": ExcludedAsked}
	if len(reasons) != len(wantEx) {
		t.Errorf("excluded = %v, want %v", reasons, wantEx)
	}
	for id, r := range wantEx {
		if reasons[id] != r {
			t.Errorf("%s excluded for %q, want %q", id, reasons[id], r)
		}
	}

	parts := map[string]Score{}
	for _, c := range ranked {
		parts[c.Responder.UserID] = c.Score
		s := c.Score
		if s.Total != s.Skills+s.Availability+s.Distance+s.Load+s.Rating {
			t.Errorf("%s: total %d is not the sum of its parts %+v", c.Responder.UserID, s.Total, s)
		}
	}
	for _, tc := range []struct {
		id                              string
		skills, avail, dist, load, rate int
	}{
		{"a-local", 20, 20, 15, 15, 5},
		{"c-both-skills", 40, 20, 9, 15, 5}, // Hà Nội–Đà Nẵng ≈ 607 km: 15×(1−607/1500)
		{"d-busy", 20, 20, 15, 0, 5},
		{"e-off", 20, 0, 15, 15, 5},
		{"f-well-rated", 20, 20, 15, 15, 10},
		{"l-unknown-place", 20, 20, 5, 15, 5},
		{"m-soon", 20, 10, 15, 15, 5},
		{"b-far", 20, 20, 7, 15, 5}, // Cà Mau–Đà Nẵng ≈ 832 km
	} {
		s := parts[tc.id]
		got := [5]int{s.Skills, s.Availability, s.Distance, s.Load, s.Rating}
		if want := [5]int{tc.skills, tc.avail, tc.dist, tc.load, tc.rate}; got != want {
			t.Errorf("%s parts = %v, want %v (%+v)", tc.id, got, want, s)
		}
	}
	if s := parts["c-both-skills"]; !slices.Equal(s.Matched, need.Skills) || len(s.Missing) != 0 {
		t.Errorf("c matched %v missing %v", s.Matched, s.Missing)
	}
	if s := parts["c-both-skills"]; s.SameRegion || s.SameProvince {
		t.Errorf("Hà Nội and Đà Nẵng share a region: %+v", s)
	}
	if s := parts["a-local"]; !slices.Equal(s.Missing, []string{"malware-analysis"}) || !s.SameProvince || !s.SameRegion {
		t.Errorf("a missing %v same province %v", s.Missing, s.SameProvince)
	}
	if s := parts["m-soon"]; s.OnCall || !s.NextOnCall.Equal(time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("m on call %v next %v", s.OnCall, s.NextOnCall)
	}

	// Deterministic: shuffled input gives the same ranking.
	rev := slices.Clone(ps)
	slices.Reverse(rev)
	again, _ := Rank(need, rev, []string{"k-asked"}, now)
	for i := range again {
		if again[i].Responder.UserID != ranked[i].Responder.UserID {
			t.Fatalf("ranking depends on input order at %d: %s vs %s", i, again[i].Responder.UserID, ranked[i].Responder.UserID)
		}
	}
}

func TestRankNoSkillsRequested(t *testing.T) {
	ranked, _ := Rank(Need{Province: "Hà Nội"}, []Profile{responder("x", nil)}, nil, time.Now())
	if len(ranked) != 1 || ranked[0].Score.Skills != WeightSkills || ranked[0].Score.Total != 100-WeightRating/2 {
		t.Fatalf("ranked = %+v", ranked)
	}
}

func TestProvinces(t *testing.T) {
	if n := len(Provinces()); n != 63 {
		t.Errorf("%d provinces, want 63", n)
	}
	for _, name := range []string{"Hà Nội", "ha noi", "Thành phố Hồ Chí Minh", "TP.HCM", "Tỉnh Lào Cai", "  BÀ RỊA-VŨNG TÀU ", "Huế"} {
		if _, ok := LookupProvince(name); !ok {
			t.Errorf("LookupProvince(%q) not found", name)
		}
	}
	if _, ok := LookupProvince("Paris"); ok {
		t.Error("Paris is a province")
	}
	seen := map[string]bool{}
	for _, p := range Provinces() {
		if seen[provinceKey(p.Name)] || p.Region == "" || p.Lat < 8 || p.Lat > 24 || p.Lon < 102 || p.Lon > 110 {
			t.Errorf("bad or repeated province %+v", p)
		}
		seen[provinceKey(p.Name)] = true
	}
	for _, tc := range []struct {
		a, b     string
		min, max int
	}{
		{"Hà Nội", "Hồ Chí Minh", 1100, 1200},
		{"Hà Nội", "Bắc Ninh", 10, 40},
		{"Đà Nẵng", "da nang", 0, 0},
	} {
		km, ok := DistanceKm(tc.a, tc.b)
		if !ok || km < tc.min || km > tc.max {
			t.Errorf("DistanceKm(%s, %s) = %d %v, want %d–%d", tc.a, tc.b, km, ok, tc.min, tc.max)
		}
	}
	if _, ok := DistanceKm("Hà Nội", "Atlantis"); ok {
		t.Error("distance to an unknown place")
	}
}

func TestSkillsTaxonomy(t *testing.T) {
	want := []string{"forensics", "malware-analysis", "network", "cloud", "ot-ics", "web", "mobile",
		"ransomware-negotiation", "threat-hunting", "incident-management"}
	for _, id := range want {
		if !ValidSkill(id) {
			t.Errorf("taxonomy lacks %q", id)
		}
	}
	seen := map[string]bool{}
	for _, s := range Skills() {
		if seen[s.ID] || s.Group == "" || s.Label() != "alliance.skill."+s.ID {
			t.Errorf("bad skill %+v", s)
		}
		seen[s.ID] = true
	}
	if ValidSkill("juggling") {
		t.Error("juggling is a skill")
	}
}

// BenchmarkRank ranks an alliance of 1,000 responders for one request.
func BenchmarkRank(b *testing.B) {
	provs := Provinces()
	ids := Skills()
	ps := make([]Profile, 1000)
	for i := range ps {
		ps[i] = responder(fmt.Sprintf("u%04d", i), func(p *Profile) {
			p.Province = provs[i%len(provs)].Name
			p.Skills = []string{ids[i%len(ids)].ID, ids[(i*7)%len(ids)].ID}
			p.Load, p.Ratings, p.Rating = i%3, i%4, float64(1+i%5)
		})
	}
	need := Need{Skills: []string{"forensics", "malware-analysis", "network"}, OrgID: "victim", Province: "Đà Nẵng", TLP: tlp.Amber}
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	for b.Loop() {
		Rank(need, ps, nil, now)
	}
}
