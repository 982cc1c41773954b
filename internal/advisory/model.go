// Package advisory holds advisories — the coordinating body's own and those
// imported from CSAF providers, CVE records, NVD, OSV and the CISA KEV
// catalogue — in one model, and the action items that matching them against
// organisations' software inventories produces.
package advisory

import (
	"time"

	"github.com/khien-cert/khien/internal/tlp"
)

// Sources an advisory can come from.
const (
	SourceKhien = "khien" // written on the platform
	SourceCSAF  = "csaf"  // a CSAF 2.0 document
	SourceCVE5  = "cve5"  // a CVE JSON 5 record
	SourceNVD   = "nvd"   // an NVD API 2.0 vulnerability
	SourceOSV   = "osv"   // an OSV record
	SourceKEV   = "kev"   // an entry of the CISA Known Exploited Vulnerabilities catalogue
)

// Severities, from the highest CVSS base score (or the source's own rating).
const (
	SeverityCritical = "critical" // 9.0–10.0
	SeverityHigh     = "high"     // 7.0–8.9
	SeverityMedium   = "medium"   // 4.0–6.9
	SeverityLow      = "low"      // 0.1–3.9
	SeverityNone     = "none"     // 0.0 or unknown
)

// Advisory is one advisory or vulnerability record, whatever its source.
type Advisory struct {
	ID        string    `json:"id"`        // Khiên's id (empty until stored)
	Source    string    `json:"source"`    // one of the Source constants
	SourceID  string    `json:"source_id"` // the document's own id: CSAF tracking id, CVE id, OSV id
	Publisher string    `json:"publisher"` // who issued it (CSAF publisher name, CNA, "CISA", the CERT)
	Revision  string    `json:"revision"`  // the source's version of the document ("1.0.2", NVD lastModified)
	Status    string    `json:"status"`    // "draft", "interim", "final" (CSAF); imported records are final
	Title     string    `json:"title"`     // English (or the source's language)
	TitleVI   string    `json:"title_vi,omitempty"`
	Summary   string    `json:"summary"`
	SummaryVI string    `json:"summary_vi,omitempty"`
	Action    string    `json:"action,omitempty"` // required action
	ActionVI  string    `json:"action_vi,omitempty"`
	CVEs      []string  `json:"cves,omitempty"`
	Scores    []Score   `json:"scores,omitempty"`
	Severity  string    `json:"severity"` // one of the Severity constants
	TLP       tlp.Level `json:"tlp"`
	Products  []Product `json:"products,omitempty"`
	// KEV: listed as known exploited, with CISA's due date and action.
	KnownExploited bool      `json:"known_exploited,omitempty"`
	KEVDueDate     time.Time `json:"kev_due_date,omitzero"`
	References     []string  `json:"references,omitempty"`
	Published      time.Time `json:"published,omitzero"`
	Updated        time.Time `json:"updated,omitzero"`
	CreatedAt      time.Time `json:"created_at,omitzero"`
	UpdatedAt      time.Time `json:"updated_at,omitzero"`
}

// Score is one CVSS rating.
type Score struct {
	Version string  `json:"version"` // "2.0", "3.0", "3.1", "4.0"
	Vector  string  `json:"vector"`
	Base    float64 `json:"base"`
	Source  string  `json:"source,omitempty"` // who scored it
}

// Product is one affected product: a CPE 2.3 name (its version part "*" or
// "-" when the ranges say which versions) or a package URL without version,
// and the versions affected. No range and no version means every version.
type Product struct {
	CPE      string   `json:"cpe,omitempty"`
	PURL     string   `json:"purl,omitempty"`
	Name     string   `json:"name,omitempty"` // human name from the source
	Ranges   []Range  `json:"ranges,omitempty"`
	Versions []string `json:"versions,omitempty"` // exact affected versions
	Fixed    []string `json:"fixed,omitempty"`    // versions that fix it, for the action text
}

// Version schemes a range compares in.
const (
	SchemeSemver = "semver" // SemVer 2.0 (npm, Go, Cargo, NuGet, RubyGems-ish)
	SchemePEP440 = "pep440" // Python
	SchemeMaven  = "maven"  // Maven ComparableVersion
	SchemeDeb    = "deb"    // Debian epoch:upstream-revision
	SchemeRPM    = "rpm"    // RPM epoch:version-release (rpmvercmp)
	SchemeCPE    = "cpe"    // generic dotted versions as NVD compares them
)

// Range is an interval of versions in one scheme. An empty bound is open.
type Range struct {
	Scheme         string `json:"scheme"`
	Lower          string `json:"lower,omitempty"`
	LowerInclusive bool   `json:"lower_inclusive,omitempty"`
	Upper          string `json:"upper,omitempty"`
	UpperInclusive bool   `json:"upper_inclusive,omitempty"`
}

// SeverityOf maps a CVSS base score to a severity.
func SeverityOf(base float64) string {
	switch {
	case base >= 9:
		return SeverityCritical
	case base >= 7:
		return SeverityHigh
	case base >= 4:
		return SeverityMedium
	case base > 0:
		return SeverityLow
	}
	return SeverityNone
}
