// Package gen makes deterministic advisories and inventories for the
// matcher's benchmarks and tests: a universe of software identities (CPE
// products and packages of npm, Go, Cargo, NuGet, RubyGems, PyPI, Maven,
// Debian and RPM), each with a version history written the way its
// ecosystem writes versions; advisories whose products name 1–3 of those
// identities with 1–2 ranges cut from their histories; and inventory items
// that mostly run a version of an identity some advisory names.
//
// The same seed always gives the same data. Popularity is skewed (a few
// identities have many advisories and many installations, most have few),
// which is what makes a matcher's candidate lists uneven in practice.
package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"strings"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/vuln"
)

// Identity is one piece of software and its version history, oldest first.
type Identity struct {
	Kind     string // "cpe" or a purl type
	Vendor   string // CPE vendor or purl namespace
	Name     string
	Scheme   string
	Versions []string
}

// Universe is the software the advisories and items are drawn from.
type Universe struct {
	seed  uint64
	IDs   []Identity
	known int       // IDs[:known] can be named by advisories; the rest only installed
	cum   []float64 // cumulative popularity over IDs[:known]
}

var kinds = []struct {
	kind   string
	weight int
}{
	{"cpe", 35}, {"npm", 12}, {"pypi", 12}, {"maven", 12}, {"deb", 8}, {"rpm", 8},
	{"golang", 5}, {"cargo", 3}, {"nuget", 3}, {"gem", 2},
}

var syllables = []string{"ab", "ka", "lo", "mi", "ne", "or", "pu", "ri", "sa", "te", "vu", "xo", "zen", "qua", "bri", "dal", "fen", "gor", "hul", "jin"}

func word(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(syllables[r.IntN(len(syllables))])
	}
	return b.String()
}

// New makes a universe of n identities, of which three quarters can appear
// in advisories.
func New(n int, seed uint64) *Universe {
	r := rand.New(rand.NewPCG(seed, 0x6b6869656e))
	u := &Universe{seed: seed, known: n * 3 / 4}
	total := 0
	for _, k := range kinds {
		total += k.weight
	}
	for i := range n {
		x := r.IntN(total)
		kind := kinds[0].kind
		for _, k := range kinds {
			if x < k.weight {
				kind = k.kind
				break
			}
			x -= k.weight
		}
		id := Identity{Kind: kind, Vendor: word(r, 2), Name: word(r, 2+r.IntN(2)) + fmt.Sprint(i)}
		switch kind {
		case "cpe":
			id.Scheme = advisory.SchemeCPE
		default:
			id.Scheme = vuln.SchemeForPURL(kind)
		}
		id.Versions = history(r, kind)
		u.IDs = append(u.IDs, id)
	}
	// Popularity of the named identities: a power law, flattened at the head.
	u.cum = make([]float64, u.known)
	sum := 0.0
	for i := range u.known {
		sum += 1 / math.Pow(float64(i)+200, 0.9)
		u.cum[i] = sum
	}
	for i := range u.cum {
		u.cum[i] /= sum
	}
	return u
}

// pick returns a named identity by popularity.
func (u *Universe) pick(r *rand.Rand) int {
	x := r.Float64()
	lo, hi := 0, len(u.cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if u.cum[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// history writes 6–40 versions of one identity, oldest first.
func history(r *rand.Rand, kind string) []string {
	n := 6 + r.IntN(35)
	var out []string
	major, minor, patch := r.IntN(3), r.IntN(10), 0
	epoch := 0
	if (kind == "deb" || kind == "rpm") && r.IntN(8) == 0 {
		epoch = 1 + r.IntN(2)
	}
	for len(out) < n {
		switch x := r.IntN(10); {
		case x == 0:
			major, minor, patch = major+1, 0, 0
			out = append(out, pre(r, kind, major, minor)...)
		case x < 3:
			minor, patch = minor+1, 0
		default:
			patch++
		}
		out = append(out, render(r, kind, epoch, major, minor, patch))
	}
	return out
}

// pre writes pre-releases of major.minor.0 in the ecosystem's style.
func pre(r *rand.Rand, kind string, major, minor int) []string {
	if r.IntN(3) != 0 {
		return nil
	}
	base := fmt.Sprintf("%d.%d.0", major, minor)
	switch kind {
	case "npm", "cargo", "nuget":
		return []string{base + "-beta.1", base + "-rc.1"}
	case "golang":
		return []string{"v" + base + "-rc.1"}
	case "gem":
		return []string{base + ".beta1", base + ".rc1"}
	case "pypi":
		return []string{fmt.Sprintf("%d.%da1", major, minor), fmt.Sprintf("%d.%drc1", major, minor)}
	case "maven":
		return []string{base + "-M1", base + "-RC1"}
	case "deb":
		return []string{base + "~rc1-1"}
	case "rpm":
		return []string{base + "~rc1-1.el9"}
	}
	return []string{base + "rc1"}
}

func render(r *rand.Rand, kind string, epoch, major, minor, patch int) string {
	v := fmt.Sprintf("%d.%d.%d", major, minor, patch)
	switch kind {
	case "golang":
		return "v" + v
	case "nuget":
		if r.IntN(5) == 0 {
			return v + ".0"
		}
	case "pypi":
		if r.IntN(8) == 0 {
			return v + ".post1"
		}
		if patch == 0 {
			return fmt.Sprintf("%d.%d", major, minor)
		}
	case "maven":
		switch r.IntN(6) {
		case 0:
			return v + ".Final"
		case 1:
			return v + ".RELEASE"
		case 2:
			return fmt.Sprintf("%d.%d-jre", major*10+minor, patch)
		}
	case "deb":
		e := ""
		if epoch > 0 {
			e = fmt.Sprint(epoch) + ":"
		}
		switch r.IntN(3) {
		case 0:
			return fmt.Sprintf("%s%s-%dubuntu0.%d", e, v, 1+r.IntN(3), 1+r.IntN(4))
		case 1:
			return fmt.Sprintf("%s%s-%d+deb12u%d", e, v, 1+r.IntN(3), 1+r.IntN(6))
		}
		return fmt.Sprintf("%s%s-%d", e, v, 1+r.IntN(4))
	case "rpm":
		e := ""
		if epoch > 0 {
			e = fmt.Sprint(epoch) + ":"
		}
		return fmt.Sprintf("%s%s-%d.el%d_%d", e, v, 1+r.IntN(30), 8+r.IntN(2), r.IntN(10))
	case "cpe":
		switch r.IntN(8) {
		case 0:
			return v + string(rune('a'+r.IntN(12)))
		case 1:
			return fmt.Sprintf("%d.%d", major, minor*10+patch)
		}
	}
	return v
}

// name returns an identity's CPE (version "*" unless given) or package URL
// (no version unless given).
func (id *Identity) name(version string) string {
	if id.Kind == "cpe" {
		if version == "" {
			version = "*"
		}
		return fmt.Sprintf("cpe:2.3:a:%s:%s:%s:*:*:*:*:*:*:*", id.Vendor, id.Name, cpeEscape(version))
	}
	p := "pkg:" + id.Kind + "/"
	switch id.Kind {
	case "npm":
		if len(id.Name)%3 == 0 {
			p += "%40" + id.Vendor + "/"
		}
	case "golang":
		p += "github.com/" + id.Vendor + "/"
	case "maven":
		p += "org." + id.Vendor + "/"
	case "deb":
		p += "debian/"
	case "rpm":
		p += "redhat/"
	}
	p += id.Name
	if version != "" {
		p += "@" + url.PathEscape(version)
	}
	return p
}

func cpeEscape(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '*') {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Advisories makes n advisories with 1–3 products each.
func (u *Universe) Advisories(n int) []advisory.Advisory {
	r := rand.New(rand.NewPCG(u.seed, 0xad51))
	out := make([]advisory.Advisory, n)
	for i := range out {
		a := &out[i]
		a.ID = fmt.Sprintf("ADV-%07d", i)
		a.Source = advisory.SourceKhien
		a.Severity = advisory.SeverityHigh
		np := 1 + r.IntN(3)
		for range np {
			a.Products = append(a.Products, u.product(r))
		}
	}
	return out
}

func (u *Universe) product(r *rand.Rand) advisory.Product {
	id := &u.IDs[u.pick(r)]
	h := id.Versions
	p := advisory.Product{Name: id.Name}
	switch x := r.IntN(20); {
	case x == 0: // one exact version in the name (NVD style) or the list
		v := h[r.IntN(len(h))]
		if id.Kind == "cpe" {
			p.CPE = id.name(v)
		} else {
			p.PURL, p.Versions = id.name(""), []string{v}
		}
		return p
	case x == 1 && id.Kind == "cpe": // a platform-specific product
		p.CPE = strings.TrimSuffix(id.name(""), ":*:*:*") + ":wordpress:*:*"
	default:
		p.CPE = id.name("")
		if id.Kind != "cpe" {
			p.CPE, p.PURL = "", id.name("")
		}
	}
	nr := 1 + r.IntN(2)
	lo := 0
	for k := 0; k < nr && lo < len(h)-1; k++ {
		i := lo + r.IntN(max(1, (len(h)-lo)/2))
		j := i + 1 + r.IntN(max(1, min(3, len(h)-i-1)))
		j = min(j, len(h)-1)
		rg := advisory.Range{Scheme: id.Scheme}
		if k > 0 || r.IntN(5) != 0 {
			rg.Lower, rg.LowerInclusive = h[i], true
		}
		if r.IntN(5) == 0 {
			rg.Upper, rg.UpperInclusive = h[j-1], true
		} else {
			rg.Upper = h[j]
		}
		p.Ranges = append(p.Ranges, rg)
		p.Fixed = append(p.Fixed, h[j])
		lo = j + 1
	}
	return p
}

// Items makes n inventory items spread over orgs organisations with five
// information systems each. Nine in ten run an identity advisories can
// name; one in a thousand has a version its ecosystem cannot compare.
func (u *Universe) Items(n, orgs int) []vuln.Item {
	r := rand.New(rand.NewPCG(u.seed, 0x17e5))
	out := make([]vuln.Item, n)
	for i := range out {
		var id *Identity
		if r.IntN(10) == 0 {
			id = &u.IDs[u.known+r.IntN(len(u.IDs)-u.known)]
		} else {
			id = &u.IDs[u.pick(r)]
		}
		org := r.IntN(orgs)
		it := &out[i]
		it.ID = fmt.Sprintf("SW-%07d", i)
		it.OrgID = fmt.Sprintf("ORG-%04d", org)
		it.SystemID = fmt.Sprintf("SYS-%04d-%d", org, r.IntN(5))
		v := id.Versions[r.IntN(len(id.Versions))]
		if r.IntN(1000) == 0 {
			v = "unknown build"
		}
		inName := r.IntN(10) < 7
		switch {
		case id.Kind == "cpe" && inName && v != "unknown build":
			it.CPE = id.name(v)
			if r.IntN(20) == 0 {
				it.CPE = strings.TrimSuffix(it.CPE, ":*:*:*") + [2]string{":wordpress:*:*", ":drupal:*:*"}[r.IntN(2)]
			}
		case id.Kind == "cpe":
			it.CPE, it.Version = id.name(""), v
		case inName && v != "unknown build":
			it.PURL = id.name(v)
		default:
			it.PURL, it.Version = id.name(""), v
		}
	}
	return out
}
