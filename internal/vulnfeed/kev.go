package vulnfeed

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/tlp"
)

// KEVEntry is one entry of the CISA Known Exploited Vulnerabilities catalogue.
type KEVEntry struct {
	CVE            string   `json:"cveID"`
	Vendor         string   `json:"vendorProject"`
	Product        string   `json:"product"`
	Name           string   `json:"vulnerabilityName"`
	DateAdded      string   `json:"dateAdded"`
	Description    string   `json:"shortDescription"`
	RequiredAction string   `json:"requiredAction"`
	DueDate        string   `json:"dueDate"`
	Ransomware     string   `json:"knownRansomwareCampaignUse"`
	Notes          string   `json:"notes"`
	CWEs           []string `json:"cwes"`
}

type kevCatalogue struct {
	Title           string     `json:"title"`
	CatalogVersion  string     `json:"catalogVersion"`
	DateReleased    string     `json:"dateReleased"`
	Count           int        `json:"count"`
	Vulnerabilities []KEVEntry `json:"vulnerabilities"`
}

// ReadKEV reads the KEV catalogue in its JSON form. A catalogue whose count
// disagrees with its entries is rejected whole; otherwise each entry is one
// Doc.
func ReadKEV(data []byte) ([]Doc, error) {
	if err := tooBig(data); err != nil {
		return nil, err
	}
	var c kevCatalogue
	if err := decodeOne(data, &c); err != nil {
		return nil, err
	}
	if c.CatalogVersion == "" || c.Vulnerabilities == nil {
		return nil, invalid("not a KEV catalogue: no catalogVersion or vulnerabilities")
	}
	if c.Count != len(c.Vulnerabilities) {
		return nil, invalid("count says %d entries, the catalogue holds %d", c.Count, len(c.Vulnerabilities))
	}
	docs := make([]Doc, 0, len(c.Vulnerabilities))
	for i, e := range c.Vulnerabilities {
		docs = append(docs, kevDoc(i, e, c.CatalogVersion))
	}
	return docs, nil
}

// kevColumns are the KEV CSV's columns, in order.
var kevColumns = []string{"cveID", "vendorProject", "product", "vulnerabilityName", "dateAdded",
	"shortDescription", "requiredAction", "dueDate", "knownRansomwareCampaignUse", "notes", "cwes"}

// ReadKEVCSV reads the KEV catalogue in its CSV form (the header names the
// columns; cwes are joined with ", ").
func ReadKEVCSV(data []byte) ([]Doc, error) {
	if err := tooBig(data); err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, invalid("KEV CSV: %v", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	for _, c := range kevColumns[:8] {
		if _, ok := col[c]; !ok {
			return nil, invalid("KEV CSV: no column %q", c)
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var docs []Doc
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			docs = append(docs, Doc{ID: fmt.Sprintf("line %d", line), Err: invalid("KEV CSV line %d: %v", line, err)})
			continue
		}
		e := KEVEntry{CVE: get(rec, "cveID"), Vendor: get(rec, "vendorProject"), Product: get(rec, "product"),
			Name: get(rec, "vulnerabilityName"), DateAdded: get(rec, "dateAdded"), Description: get(rec, "shortDescription"),
			RequiredAction: get(rec, "requiredAction"), DueDate: get(rec, "dueDate"), Ransomware: get(rec, "knownRansomwareCampaignUse"),
			Notes: get(rec, "notes")}
		for c := range strings.SplitSeq(get(rec, "cwes"), ",") {
			e.CWEs = addUnique(e.CWEs, c)
		}
		docs = append(docs, kevDoc(line-2, e, ""))
	}
	return docs, nil
}

func kevDoc(i int, e KEVEntry, version string) Doc {
	d := Doc{ID: e.CVE}
	if d.ID == "" {
		d.ID = fmt.Sprintf("vulnerabilities[%d]", i)
	}
	if !validCVE(e.CVE) {
		d.Err = invalid("entry %d: cveID %q is not a CVE id", i, e.CVE)
		return d
	}
	due := parseTime(e.DueDate)
	if due.IsZero() {
		d.Err = invalid("%s: dueDate %q is not a date", e.CVE, e.DueDate)
		return d
	}
	a := advisory.Advisory{
		Source: advisory.SourceKEV, SourceID: e.CVE, Publisher: "CISA", Revision: version, Status: "final",
		TLP: tlp.Clear, Title: e.Name, Summary: strings.TrimSpace(e.Description), Action: strings.TrimSpace(e.RequiredAction),
		CVEs: []string{e.CVE}, Severity: advisory.SeverityNone, KnownExploited: true, KEVDueDate: due,
		Published: parseTime(e.DateAdded), Updated: parseTime(e.DateAdded),
	}
	if a.Title == "" {
		a.Title = e.CVE
	}
	if cpe := CPEFor(e.Vendor, e.Product); cpe != "" {
		a.Products = []advisory.Product{{CPE: cpe, Name: strings.TrimSpace(e.Vendor + " " + e.Product)}}
	} else {
		d.Problems = append(d.Problems, fmt.Sprintf("vendor %q and product %q make no product name", e.Vendor, e.Product))
	}
	for n := range strings.SplitSeq(e.Notes, ";") {
		if n = strings.TrimSpace(n); strings.HasPrefix(n, "http://") || strings.HasPrefix(n, "https://") {
			a.References = addUnique(a.References, n)
		}
	}
	if strings.EqualFold(e.Ransomware, "Known") {
		a.Summary = strings.TrimSpace(a.Summary + "\n\nKnown to be used in ransomware campaigns.")
	}
	d.Advisory = a
	return d
}
