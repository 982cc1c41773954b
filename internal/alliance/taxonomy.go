package alliance

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/khien-cert/khien/internal/org"
)

//go:embed data/*.json
var data embed.FS

// Skill is one entry of the skills taxonomy. Its label is the catalogue key
// "alliance.skill.<id>" in the UI's vi and en catalogues.
type Skill struct {
	ID    string `json:"id"`
	Group string `json:"group"`
}

// Label is the skill's catalogue key.
func (s Skill) Label() string { return "alliance.skill." + s.ID }

// Province is a province of Việt Nam with its region and the approximate
// centroid used to estimate travel distance.
type Province struct {
	Name    string   `json:"name"`
	Region  string   `json:"region"`
	Lat     float64  `json:"lat"`
	Lon     float64  `json:"lon"`
	Aliases []string `json:"aliases,omitempty"`
}

var (
	skills     = mustLoad[[]Skill]("data/skills.json")
	provinces  = mustLoad[[]Province]("data/provinces.json")
	provByFold = indexProvinces(provinces)
	provByName = func() map[string]int {
		m := make(map[string]int, len(provinces))
		for i, p := range provinces {
			m[p.Name] = i
		}
		return m
	}()
)

func mustLoad[T any](name string) T {
	var v T
	b, err := data.ReadFile(name)
	if err == nil {
		err = json.Unmarshal(b, &v)
	}
	if err != nil {
		panic(fmt.Sprintf("alliance: %s: %v", name, err))
	}
	return v
}

// Skills lists the taxonomy in display order.
func Skills() []Skill { return slices.Clone(skills) }

// ValidSkill reports whether id names a skill of the taxonomy.
func ValidSkill(id string) bool {
	return slices.ContainsFunc(skills, func(s Skill) bool { return s.ID == id })
}

// Provinces lists the provinces in the table's order.
func Provinces() []Province { return slices.Clone(provinces) }

// provinceKey folds a province name for matching: diacritics and case are
// dropped, as are prefixes such as "Tỉnh" and "TP.", spaces and punctuation.
func provinceKey(s string) string {
	f := org.Fold(strings.TrimSpace(s))
	for _, p := range []string{"thanh pho ", "tp. ", "tp.", "tp ", "tinh "} {
		f = strings.TrimPrefix(f, p)
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, f)
}

func indexProvinces(ps []Province) map[string]int {
	m := map[string]int{}
	for i, p := range ps {
		m[provinceKey(p.Name)] = i
		for _, a := range p.Aliases {
			m[provinceKey(a)] = i
		}
	}
	return m
}

// LookupProvince finds a province by name or alias, ignoring diacritics,
// case and administrative prefixes.
func LookupProvince(name string) (Province, bool) {
	if i, ok := provByName[name]; ok { // stored profiles hold the table's names
		return provinces[i], true
	}
	i, ok := provByFold[provinceKey(name)]
	if !ok {
		return Province{}, false
	}
	return provinces[i], true
}

// DistanceKm is the great-circle distance between two provinces' centroids,
// rounded to the kilometre; ok is false when either is unknown.
func DistanceKm(a, b string) (km int, ok bool) {
	pa, okA := LookupProvince(a)
	pb, okB := LookupProvince(b)
	if !okA || !okB {
		return 0, false
	}
	if pa.Name == pb.Name {
		return 0, true
	}
	const r = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (pb.Lat-pa.Lat)*rad, (pb.Lon-pa.Lon)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(pa.Lat*rad)*math.Cos(pb.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return int(math.Round(2 * r * math.Asin(math.Sqrt(h)))), true
}
