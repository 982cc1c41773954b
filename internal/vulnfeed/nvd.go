package vulnfeed

import (
	"fmt"
	"strings"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/tlp"
)

// NVDPage is one response of the NVD CVE API 2.0.
type NVDPage struct {
	ResultsPerPage int    `json:"resultsPerPage"`
	StartIndex     int    `json:"startIndex"`
	TotalResults   int    `json:"totalResults"`
	Format         string `json:"format"`
	Version        string `json:"version"`
	Timestamp      string `json:"timestamp"`
	Items          []struct {
		CVE nvdCVE `json:"cve"`
	} `json:"vulnerabilities"`
}

type nvdCVE struct {
	ID             string     `json:"id"`
	Source         string     `json:"sourceIdentifier"`
	Published      string     `json:"published"`
	LastModified   string     `json:"lastModified"`
	Status         string     `json:"vulnStatus"`
	ExploitAdd     string     `json:"cisaExploitAdd"`
	ActionDue      string     `json:"cisaActionDue"`
	RequiredAction string     `json:"cisaRequiredAction"`
	KEVName        string     `json:"cisaVulnerabilityName"`
	Descriptions   []cve5Text `json:"descriptions"`
	Metrics        map[string][]struct {
		Source string   `json:"source"`
		Type   string   `json:"type"`
		Data   cvssJSON `json:"cvssData"`
		// CVSS 2 puts the rating beside the data.
		BaseSeverity string `json:"baseSeverity"`
	} `json:"metrics"`
	Configurations []cpeConfig `json:"configurations"`
	References     []struct {
		URL string `json:"url"`
	} `json:"references"`
}

// nvdMetricKeys are the metric lists read, newest CVSS first.
var nvdMetricKeys = []string{"cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2"}

// ReadNVD reads one NVD API 2.0 response. The page's counters are checked
// against what it holds: a page whose totalResults, startIndex and
// resultsPerPage cannot describe its vulnerabilities is rejected whole (err),
// since a pull that trusted them would stop early or loop. Otherwise each
// vulnerability is one Doc.
func ReadNVD(data []byte) (NVDPage, []Doc, error) {
	var page NVDPage
	if err := tooBig(data); err != nil {
		return page, nil, err
	}
	if err := decodeOne(data, &page); err != nil {
		return page, nil, err
	}
	if err := page.Check(); err != nil {
		return page, nil, err
	}
	docs := make([]Doc, 0, len(page.Items))
	for i, it := range page.Items {
		d := Doc{ID: it.CVE.ID}
		if d.ID == "" {
			d.ID = fmt.Sprintf("vulnerabilities[%d]", i)
		}
		d.Advisory, d.Problems, d.Err = nvdAdvisory(&it.CVE)
		docs = append(docs, d)
	}
	return page, docs, nil
}

// Check reports a page whose counters contradict its contents.
func (p *NVDPage) Check() error {
	n := len(p.Items)
	switch {
	case p.Format != "NVD_CVE":
		return invalid("format %q: want NVD_CVE", p.Format)
	case p.StartIndex < 0 || p.TotalResults < 0 || p.ResultsPerPage < 0:
		return invalid("negative startIndex, totalResults or resultsPerPage")
	case n > 0 && p.StartIndex+n > p.TotalResults:
		return invalid("totalResults lies: the page holds %d vulnerabilities from startIndex %d, more than totalResults %d", n, p.StartIndex, p.TotalResults)
	case n > p.ResultsPerPage:
		return invalid("resultsPerPage lies: the page holds %d vulnerabilities, resultsPerPage says %d", n, p.ResultsPerPage)
	case n < p.ResultsPerPage && p.StartIndex+n < p.TotalResults:
		return invalid("totalResults lies: a short page (%d of %d per page) from startIndex %d ends before totalResults %d", n, p.ResultsPerPage, p.StartIndex, p.TotalResults)
	}
	return nil
}

func nvdAdvisory(c *nvdCVE) (advisory.Advisory, []string, error) {
	if !validCVE(c.ID) {
		return advisory.Advisory{}, nil, invalid("id %q is not a CVE id", c.ID)
	}
	if strings.EqualFold(c.Status, "Rejected") {
		return advisory.Advisory{}, nil, invalid("%s is rejected: %s", c.ID, firstLine(english(c.Descriptions), 200))
	}
	a := advisory.Advisory{
		Source: advisory.SourceNVD, SourceID: c.ID, Publisher: "NVD", Revision: c.LastModified,
		Status: "final", TLP: tlp.Clear, CVEs: []string{c.ID}, Summary: english(c.Descriptions),
		Published: parseTime(c.Published), Updated: parseTime(c.LastModified),
	}
	a.Title = c.ID + ": " + firstLine(a.Summary, 120)
	if c.KEVName != "" {
		a.Title = c.ID + ": " + c.KEVName
	}
	var problems []string
	fallback := ""
	for _, k := range nvdMetricKeys {
		for _, m := range c.Metrics[k] {
			if m.Data.Vector == "" {
				continue
			}
			s, err := ParseCVSS(m.Data.Vector, m.Source)
			if err != nil {
				problems = append(problems, scoreProblem(m.Data.Vector, err))
				continue
			}
			a.Scores = append(a.Scores, s)
			if fallback == "" {
				fallback = m.Data.BaseSeverity + m.BaseSeverity
			}
		}
	}
	a.Severity = Severity(a.Scores, fallback)
	if c.ExploitAdd != "" {
		a.KnownExploited = true
		a.KEVDueDate = parseTime(c.ActionDue)
		a.Action = c.RequiredAction
	}
	for _, r := range c.References {
		a.References = addUnique(a.References, r.URL)
	}
	a.Products, problems = cpeProducts(c.Configurations, a.Products, problems)
	return a, problems, nil
}

// cpeConfig is one configuration of CPE match criteria (NVD's
// configurations, CVE records' cpeApplicability).
type cpeConfig struct {
	Nodes []struct {
		Negate   bool `json:"negate"`
		CPEMatch []struct {
			Vulnerable            bool   `json:"vulnerable"`
			Criteria              string `json:"criteria"`
			VersionStartIncluding string `json:"versionStartIncluding"`
			VersionStartExcluding string `json:"versionStartExcluding"`
			VersionEndIncluding   string `json:"versionEndIncluding"`
			VersionEndExcluding   string `json:"versionEndExcluding"`
		} `json:"cpeMatch"`
	} `json:"nodes"`
}

// cpeProducts adds the vulnerable CPE matches of configs to products, one
// product per CPE name with its ranges (scheme cpe) or exact versions.
func cpeProducts(configs []cpeConfig, products []advisory.Product, problems []string) ([]advisory.Product, []string) {
	byCPE := map[string]int{}
	for i, p := range products {
		if p.CPE != "" {
			byCPE[p.CPE] = i
		}
	}
	for _, cfg := range configs {
		for _, n := range cfg.Nodes {
			if n.Negate {
				continue
			}
			for _, m := range n.CPEMatch {
				if !m.Vulnerable {
					continue
				}
				cpe, err := ParseCPE(m.Criteria)
				if err != nil {
					problems = append(problems, err.Error())
					continue
				}
				i, ok := byCPE[cpe.Name]
				if !ok {
					i = len(products)
					byCPE[cpe.Name] = i
					products = append(products, advisory.Product{CPE: cpe.Name})
				}
				p := &products[i]
				r := advisory.Range{Scheme: advisory.SchemeCPE}
				switch {
				case m.VersionStartIncluding != "":
					r.Lower, r.LowerInclusive = m.VersionStartIncluding, true
				case m.VersionStartExcluding != "":
					r.Lower = m.VersionStartExcluding
				}
				switch {
				case m.VersionEndIncluding != "":
					r.Upper, r.UpperInclusive = m.VersionEndIncluding, true
				case m.VersionEndExcluding != "":
					r.Upper = m.VersionEndExcluding
				}
				switch {
				case r.Lower != "" || r.Upper != "":
					p.Ranges = append(p.Ranges, r)
				case cpe.Version != "" && cpe.Version != "*" && cpe.Version != "-":
					p.Versions = addUnique(p.Versions, cpe.Version)
				default:
					p.Ranges = append(p.Ranges, r) // every version
				}
			}
		}
	}
	return products, problems
}
