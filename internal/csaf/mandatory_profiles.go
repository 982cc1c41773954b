package csaf

import (
	"fmt"
	"strings"
)

// Document categories with a profile.
const (
	CategoryBase          = "csaf_base"
	CategorySecurity      = "csaf_security_advisory"
	CategoryVEX           = "csaf_vex"
	CategoryInformational = "csaf_informational_advisory"
	CategoryIncident      = "csaf_security_incident_response"
)

// category runs 6.1.26.
func (m *checker) category() {
	c := m.doc.Document.Category
	switch c {
	case CategoryBase, CategorySecurity, CategoryVEX, CategoryInformational, CategoryIncident:
		return
	}
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, strings.ToLower(c))
	if strings.HasPrefix(norm, "csaf") {
		m.add("6.1.26", "/document/category", "%q is reserved: categories starting with csaf_ are the standard's", c)
		return
	}
	for _, p := range []string{"securityincidentresponse", "informationaladvisory", "securityadvisory", "vex"} {
		if norm == p {
			m.add("6.1.26", "/document/category", "%q is too close to the profile %s", c, "csaf_"+p)
		}
	}
}

// profiles runs 6.1.27.x for the category's profile.
func (m *checker) profiles() {
	d := m.doc.Document
	c := d.Category
	switch c {
	case CategoryInformational, CategoryIncident:
		ok := false
		for _, n := range d.Notes {
			switch n.Category {
			case "description", "details", "general", "summary":
				ok = true
			}
		}
		if !ok {
			m.add("6.1.27.1", "/document/notes", "a %s needs a note of category description, details, general or summary", c)
		}
		ok = false
		for _, r := range d.References {
			if r.Category == "external" {
				ok = true
			}
		}
		if !ok {
			m.add("6.1.27.2", "/document/references", "a %s needs an external reference", c)
		}
		if c == CategoryInformational && len(m.doc.Vulnerabilities) > 0 {
			m.add("6.1.27.3", "/vulnerabilities", "a %s must not list vulnerabilities", c)
		}
	case CategorySecurity, CategoryVEX:
		if m.doc.ProductTree == nil {
			m.add("6.1.27.4", "/product_tree", "a %s needs a product tree", c)
		}
		if len(m.doc.Vulnerabilities) == 0 {
			m.add("6.1.27.11", "/vulnerabilities", "a %s needs vulnerabilities", c)
		}
		for i, v := range m.doc.Vulnerabilities {
			base := fmt.Sprintf("/vulnerabilities/%d", i)
			if len(v.Notes) == 0 {
				m.add("6.1.27.5", base+"/notes", "a %s needs notes on every vulnerability", c)
			}
			if c == CategorySecurity && v.ProductStatus == nil {
				m.add("6.1.27.6", base+"/product_status", "a %s needs the product status of every vulnerability", c)
			}
			if c == CategoryVEX {
				m.vex(v, base)
			}
		}
	}
}

func (m *checker) vex(v Vulnerability, base string) {
	s := v.ProductStatus
	if s == nil || len(s.Fixed)+len(s.KnownAffected)+len(s.KnownNotAffected)+len(s.UnderInvestigation) == 0 {
		m.add("6.1.27.7", base+"/product_status", "a VEX needs fixed, known_affected, known_not_affected or under_investigation")
	}
	if v.CVE == "" && len(v.IDs) == 0 {
		m.add("6.1.27.8", base, "a VEX vulnerability needs a cve or ids")
	}
	if s == nil {
		return
	}
	groups := m.groupMembers()
	covered := func(ids []string, gids []string, into map[string]bool) {
		for _, id := range ids {
			into[id] = true
		}
		for _, g := range gids {
			for _, id := range groups[g] {
				into[id] = true
			}
		}
	}
	impact := map[string]bool{}
	for _, f := range v.Flags {
		covered(f.ProductIDs, f.GroupIDs, impact)
	}
	for _, t := range v.Threats {
		if t.Category == "impact" {
			covered(t.ProductIDs, t.GroupIDs, impact)
		}
	}
	for _, id := range s.KnownNotAffected {
		if !impact[id] {
			m.add("6.1.27.9", base+"/product_status/known_not_affected", "product %q is not affected but has no impact statement", id)
		}
	}
	action := map[string]bool{}
	for _, r := range v.Remediations {
		covered(r.ProductIDs, r.GroupIDs, action)
	}
	for _, id := range s.KnownAffected {
		if !action[id] {
			m.add("6.1.27.10", base+"/product_status/known_affected", "product %q is affected but has no action statement", id)
		}
	}
}
