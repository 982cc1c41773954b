package csaf

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestMandatoryCatches breaks a valid document in one way per case and
// checks that the right mandatory test (and only a fitting one) rejects it.
func TestMandatoryCatches(t *testing.T) {
	for _, c := range []struct {
		test   string
		break_ func(d *Document)
	}{
		{"6.1.1", func(d *Document) { d.Vulnerabilities[0].ProductStatus.KnownAffected[0] = "CSAFPID-9999" }},
		{"6.1.2", func(d *Document) {
			d.ProductTree.FullProductNames = append(d.ProductTree.FullProductNames, FullProductName{Name: "dup", ProductID: "CSAFPID-0001"})
		}},
		{"6.1.3", func(d *Document) {
			d.ProductTree.Relationships = append(d.ProductTree.Relationships, Relationship{Category: "installed_on",
				FullProductName: FullProductName{Name: "loop", ProductID: "CSAFPID-0100"}, ProductReference: "CSAFPID-0100", RelatesToProductReference: "CSAFPID-0001"})
		}},
		{"6.1.4", func(d *Document) { d.Vulnerabilities[0].Remediations[0].GroupIDs = []string{"CSAFGID-1"} }},
		{"6.1.6", func(d *Document) { d.Vulnerabilities[0].ProductStatus.KnownNotAffected = []string{"CSAFPID-0001"} }},
		{"6.1.7", func(d *Document) {
			d.Vulnerabilities[0].Scores = append(d.Vulnerabilities[0].Scores, d.Vulnerabilities[0].Scores[0])
		}},
		{"6.1.9", func(d *Document) { d.Vulnerabilities[0].Scores[0].CVSSv3.BaseScore = 5.0 }},
		{"6.1.10", func(d *Document) { d.Vulnerabilities[0].Scores[0].CVSSv3.AttackVector = "LOCAL" }},
		{"6.1.16", func(d *Document) { d.Document.Tracking.Version = "2" }},
		{"6.1.17", func(d *Document) {
			d.Document.Tracking.Version = "0"
			d.Document.Tracking.RevisionHistory = d.Document.Tracking.RevisionHistory[:1]
			d.Document.Tracking.RevisionHistory[0].Number = "0"
		}},
		{"6.1.21", func(d *Document) {
			d.Document.Tracking.RevisionHistory[1].Number = "4"
			d.Document.Tracking.RevisionHistory[2].Number = "5"
			d.Document.Tracking.Version = "5"
		}},
		{"6.1.22", func(d *Document) { d.Document.Tracking.RevisionHistory[1].Number = "3" }},
		{"6.1.23", func(d *Document) { d.Vulnerabilities[1].CVE = d.Vulnerabilities[0].CVE }},
		{"6.1.26", func(d *Document) { d.Document.Category = "Security Advisory" }},
		{"6.1.27.5", func(d *Document) { d.Vulnerabilities[0].Notes = nil }},
		{"6.1.27.6", func(d *Document) {
			d.Vulnerabilities[0].ProductStatus = nil
			d.Vulnerabilities[0].Scores = nil
			d.Vulnerabilities[0].Remediations = nil
			d.Vulnerabilities[0].Threats = nil
		}},
		{"6.1.28", func(d *Document) { d.Document.SourceLang = "en" }},
		{"6.1.29", func(d *Document) { d.Vulnerabilities[0].Remediations[0].ProductIDs = nil }},
		{"6.1.31", func(d *Document) {
			d.ProductTree.Branches[0].Branches[0].Branches = append(d.ProductTree.Branches[0].Branches[0].Branches,
				Branch{Category: "product_version", Name: "prior to 2.4", Product: &FullProductName{Name: "x", ProductID: "CSAFPID-0200"}})
		}},
		{"6.1.32", func(d *Document) { d.Vulnerabilities[0].Flags = []Flag{{Label: "component_not_present"}} }},
	} {
		t.Run(c.test, func(t *testing.T) {
			d, err := FromAdvisory(sampleAdvisory(), testIssuer, "")
			if err != nil {
				t.Fatal(err)
			}
			if ps := Mandatory(d); len(ps) > 0 {
				t.Fatalf("the unbroken document fails: %v", ps)
			}
			c.break_(d)
			b, _ := json.Marshal(d)
			_, err = Validate(b)
			ps := Problems(err)
			if !slices.ContainsFunc(ps, func(p Problem) bool { return p.Test == c.test }) {
				t.Fatalf("want %s, got %v", c.test, ps)
			}
		})
	}
}

func TestVersions(t *testing.T) {
	for _, c := range []struct {
		s       string
		ok, int bool
	}{{"1", true, true}, {"0", true, true}, {"01", false, false}, {"1.0.0", true, false}, {"1.0.0-rc.1+b", true, false}, {"1.0", false, false}} {
		v := parseVersion(c.s)
		if v.ok != c.ok || v.ok && v.integer != c.int {
			t.Errorf("%q: %+v", c.s, v)
		}
	}
}
