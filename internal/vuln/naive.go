package vuln

import (
	"cmp"
	"slices"
	"strings"

	"github.com/khien-cert/khien/internal/advisory"
)

// Naive matches every advisory against every item, pair by pair, comparing
// version strings with Compare: the obvious algorithm, the baseline the
// indexes are measured against and the oracle their tests hold them to.
// Names are parsed once per item and product; problems are not reported.
func Naive(advs []advisory.Advisory, items []Item) []Match {
	type ident struct {
		key    string
		cpe    bool
		attrs  cpeAttrs
		ver    string // item: its version; product: the name's own version
		scheme string
	}
	idents := func(cpe, purl, version string) []ident {
		var out []ident
		if cpe != "" {
			if n, err := parseCPE(cpe); err == nil {
				v := version
				if n.version != "*" && n.version != "-" {
					v = n.version
				}
				out = append(out, ident{key: n.key, cpe: true, attrs: n.attrs, ver: v, scheme: advisory.SchemeCPE})
			}
		}
		if purl != "" {
			if n, err := parsePURL(purl); err == nil {
				v := version
				if n.version != "" {
					v = n.version
				}
				out = append(out, ident{key: n.key, ver: v, scheme: SchemeForPURL(n.typ)})
			}
		}
		return out
	}
	itemIDs := make([][]ident, len(items))
	for i, it := range items {
		itemIDs[i] = idents(it.CPE, it.PURL, strings.TrimSpace(it.Version))
	}
	covers := func(pid ident, p *advisory.Product, iid ident) bool {
		if pid.cpe && iid.cpe {
			for k := range pid.attrs {
				if a, b := pid.attrs[k], iid.attrs[k]; a != "*" && b != "*" && a != b {
					return false
				}
			}
		}
		if len(p.Ranges) == 0 && len(p.Versions) == 0 && pid.ver == "" {
			return true
		}
		for _, r := range p.Ranges {
			scheme := cmp.Or(r.Scheme, pid.scheme)
			if schemeIndex(scheme) < 0 {
				continue
			}
			if openLower(r) && r.Upper == "" {
				return true
			}
			if !openLower(r) {
				c, err := Compare(scheme, iid.ver, r.Lower)
				if err != nil || c < 0 || c == 0 && !r.LowerInclusive {
					continue
				}
			}
			if r.Upper != "" {
				c, err := Compare(scheme, iid.ver, r.Upper)
				if err != nil || c > 0 || c == 0 && !r.UpperInclusive {
					continue
				}
			}
			return true
		}
		exact := p.Versions
		if pid.ver != "" {
			exact = append(slices.Clip(exact), pid.ver)
		}
		for _, v := range exact {
			if c, err := Compare(pid.scheme, iid.ver, v); err == nil && c == 0 {
				return true
			}
		}
		return false
	}
	type found struct{ adv, item, prod int }
	var hits []found
	for ai := range advs {
		for pi := range advs[ai].Products {
			p := &advs[ai].Products[pi]
			for _, pid := range idents(p.CPE, p.PURL, "") {
				for ii := range items {
					for _, iid := range itemIDs[ii] {
						if pid.key == iid.key && covers(pid, p, iid) {
							hits = append(hits, found{ai, ii, pi})
						}
					}
				}
			}
		}
	}
	slices.SortFunc(hits, func(x, y found) int {
		a, b := &items[x.item], &items[y.item]
		return cmp.Or(strings.Compare(advs[x.adv].ID, advs[y.adv].ID), cmp.Compare(x.adv, y.adv),
			strings.Compare(a.ID, b.ID), strings.Compare(a.OrgID, b.OrgID), strings.Compare(a.SystemID, b.SystemID),
			cmp.Compare(x.item, y.item), cmp.Compare(x.prod, y.prod))
	})
	out := make([]Match, 0, len(hits))
	for i, h := range hits {
		if i > 0 && hits[i-1].adv == h.adv && hits[i-1].item == h.item {
			continue
		}
		it := &items[h.item]
		out = append(out, Match{AdvisoryID: advs[h.adv].ID, ItemID: it.ID, OrgID: it.OrgID, SystemID: it.SystemID, Product: h.prod})
	}
	return out
}
