// Package csaf reads, validates and writes CSAF 2.0 documents and builds the
// tree a CSAF trusted provider publishes under /.well-known/csaf/.
//
// Reading: Read decodes one document strictly (one JSON value, nothing
// after it), validates it against the CSAF 2.0 JSON schema (gocsaf's
// embedded schemas, compiled once) and against the mandatory tests of
// section 6.1 of the standard (mandatory.go), and converts it into an
// advisory.Advisory: one per document, products resolved through branches
// and relationships to CPE names or package URLs, version ranges from
// "vers:" names or from branch versions. A document failing the schema or a
// mandatory test is rejected with every reason found.
//
// Writing: Write renders a platform advisory as a csaf_security_advisory
// that passes the same checks (a test proves it on every shape it builds).
//
// Providing: Build renders the provider tree (provider-metadata.json, ROLIE
// feeds per TLP, index.txt, changes.csv, YYYY/<id>.json with .sha256,
// .sha512 and detached OpenPGP signatures, the public key) from published
// advisories. Only TLP:CLEAR documents are ever put in the tree.
//
// The package is pure apart from gocsaf's schema loader: it does no network
// I/O of its own (internal/advimport fetches).
package csaf

// Document is a CSAF 2.0 document, as far as Khiên reads and writes it.
// Fields Khiên does not use are dropped when reading (schema validation
// runs on the raw JSON, so nothing escapes the checks).
type Document struct {
	Document        Meta            `json:"document"`
	ProductTree     *ProductTree    `json:"product_tree,omitempty"`
	Vulnerabilities []Vulnerability `json:"vulnerabilities,omitempty"`
}

// Meta is the document-level metadata.
type Meta struct {
	Category          string             `json:"category"`
	CSAFVersion       string             `json:"csaf_version"`
	Lang              string             `json:"lang,omitempty"`
	SourceLang        string             `json:"source_lang,omitempty"`
	Title             string             `json:"title"`
	Publisher         Publisher          `json:"publisher"`
	Tracking          Tracking           `json:"tracking"`
	Distribution      *Distribution      `json:"distribution,omitempty"`
	AggregateSeverity *AggregateSeverity `json:"aggregate_severity,omitempty"`
	Notes             []Note             `json:"notes,omitempty"`
	References        []Reference        `json:"references,omitempty"`
}

// Publisher is document.publisher.
type Publisher struct {
	Category         string `json:"category"`
	Name             string `json:"name"`
	Namespace        string `json:"namespace"`
	ContactDetails   string `json:"contact_details,omitempty"`
	IssuingAuthority string `json:"issuing_authority,omitempty"`
}

// Tracking is document.tracking.
type Tracking struct {
	ID                 string     `json:"id"`
	Status             string     `json:"status"`
	Version            string     `json:"version"`
	InitialReleaseDate string     `json:"initial_release_date"`
	CurrentReleaseDate string     `json:"current_release_date"`
	RevisionHistory    []Revision `json:"revision_history"`
	Generator          *Generator `json:"generator,omitempty"`
	Aliases            []string   `json:"aliases,omitempty"`
}

// Revision is one entry of the revision history.
type Revision struct {
	Date          string `json:"date"`
	Number        string `json:"number"`
	Summary       string `json:"summary"`
	LegacyVersion string `json:"legacy_version,omitempty"`
}

// Generator names the tool that wrote the document.
type Generator struct {
	Date   string `json:"date,omitempty"`
	Engine Engine `json:"engine"`
}

// Engine is generator.engine.
type Engine struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// Distribution is document.distribution.
type Distribution struct {
	Text string `json:"text,omitempty"`
	TLP  *TLP   `json:"tlp,omitempty"`
}

// TLP is the document's TLP label (CSAF 2.0 knows TLP 1.0 labels: WHITE,
// GREEN, AMBER, RED).
type TLP struct {
	Label string `json:"label"`
	URL   string `json:"url,omitempty"`
}

// AggregateSeverity is document.aggregate_severity.
type AggregateSeverity struct {
	Namespace string `json:"namespace,omitempty"`
	Text      string `json:"text"`
}

// Note is one note.
type Note struct {
	Category string `json:"category"`
	Text     string `json:"text"`
	Title    string `json:"title,omitempty"`
	Audience string `json:"audience,omitempty"`
}

// Reference is one reference.
type Reference struct {
	Category string `json:"category,omitempty"`
	Summary  string `json:"summary"`
	URL      string `json:"url"`
}

// ProductTree is the product tree.
type ProductTree struct {
	Branches         []Branch          `json:"branches,omitempty"`
	FullProductNames []FullProductName `json:"full_product_names,omitempty"`
	Relationships    []Relationship    `json:"relationships,omitempty"`
	ProductGroups    []ProductGroup    `json:"product_groups,omitempty"`
}

// Branch is one node of the branch tree.
type Branch struct {
	Category string           `json:"category"`
	Name     string           `json:"name"`
	Product  *FullProductName `json:"product,omitempty"`
	Branches []Branch         `json:"branches,omitempty"`
}

// FullProductName defines a product id.
type FullProductName struct {
	Name      string  `json:"name"`
	ProductID string  `json:"product_id"`
	Helper    *Helper `json:"product_identification_helper,omitempty"`
}

// Helper is product_identification_helper.
type Helper struct {
	CPE    string `json:"cpe,omitempty"`
	PURL   string `json:"purl,omitempty"`
	Hashes []struct {
		FileHashes []struct {
			Algorithm string `json:"algorithm"`
			Value     string `json:"value"`
		} `json:"file_hashes"`
		Filename string `json:"filename"`
	} `json:"hashes,omitempty"`
}

// Relationship combines two products into a third.
type Relationship struct {
	Category                  string          `json:"category"`
	FullProductName           FullProductName `json:"full_product_name"`
	ProductReference          string          `json:"product_reference"`
	RelatesToProductReference string          `json:"relates_to_product_reference"`
}

// ProductGroup groups product ids.
type ProductGroup struct {
	GroupID    string   `json:"group_id"`
	ProductIDs []string `json:"product_ids"`
	Summary    string   `json:"summary,omitempty"`
}

// Vulnerability is one vulnerability.
type Vulnerability struct {
	CVE           string         `json:"cve,omitempty"`
	IDs           []VulnID       `json:"ids,omitempty"`
	Title         string         `json:"title,omitempty"`
	Notes         []Note         `json:"notes,omitempty"`
	DiscoveryDate string         `json:"discovery_date,omitempty"`
	ReleaseDate   string         `json:"release_date,omitempty"`
	ProductStatus *ProductStatus `json:"product_status,omitempty"`
	Scores        []Score        `json:"scores,omitempty"`
	Remediations  []Remediation  `json:"remediations,omitempty"`
	Threats       []Threat       `json:"threats,omitempty"`
	Flags         []Flag         `json:"flags,omitempty"`
	Involvements  []Involvement  `json:"involvements,omitempty"`
	References    []Reference    `json:"references,omitempty"`
}

// VulnID is a non-CVE vulnerability id.
type VulnID struct {
	SystemName string `json:"system_name"`
	Text       string `json:"text"`
}

// ProductStatus lists products by status.
type ProductStatus struct {
	FirstAffected      []string `json:"first_affected,omitempty"`
	FirstFixed         []string `json:"first_fixed,omitempty"`
	Fixed              []string `json:"fixed,omitempty"`
	KnownAffected      []string `json:"known_affected,omitempty"`
	KnownNotAffected   []string `json:"known_not_affected,omitempty"`
	LastAffected       []string `json:"last_affected,omitempty"`
	Recommended        []string `json:"recommended,omitempty"`
	UnderInvestigation []string `json:"under_investigation,omitempty"`
}

// Score is one score entry: the products it applies to and CVSS objects.
type Score struct {
	Products []string `json:"products"`
	CVSSv2   *CVSS    `json:"cvss_v2,omitempty"`
	CVSSv3   *CVSS    `json:"cvss_v3,omitempty"`
}

// CVSS holds the fields of a CVSS object Khiên reads and writes: the
// vector and base score, and the base metrics spelled out (read for test
// 6.1.10, never written).
type CVSS struct {
	Version      string  `json:"version"`
	VectorString string  `json:"vectorString"`
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity,omitempty"`

	AttackVector          string `json:"attackVector,omitempty"`          // 3.x
	AttackComplexity      string `json:"attackComplexity,omitempty"`      // 3.x
	PrivilegesRequired    string `json:"privilegesRequired,omitempty"`    // 3.x
	UserInteraction       string `json:"userInteraction,omitempty"`       // 3.x
	Scope                 string `json:"scope,omitempty"`                 // 3.x
	AccessVector          string `json:"accessVector,omitempty"`          // 2.0
	AccessComplexity      string `json:"accessComplexity,omitempty"`      // 2.0
	Authentication        string `json:"authentication,omitempty"`        // 2.0
	ConfidentialityImpact string `json:"confidentialityImpact,omitempty"` // both
	IntegrityImpact       string `json:"integrityImpact,omitempty"`       // both
	AvailabilityImpact    string `json:"availabilityImpact,omitempty"`    // both
}

// Remediation is one remediation.
type Remediation struct {
	Category   string   `json:"category"`
	Details    string   `json:"details"`
	Date       string   `json:"date,omitempty"`
	URL        string   `json:"url,omitempty"`
	ProductIDs []string `json:"product_ids,omitempty"`
	GroupIDs   []string `json:"group_ids,omitempty"`
}

// Threat is one threat.
type Threat struct {
	Category   string   `json:"category"`
	Details    string   `json:"details"`
	Date       string   `json:"date,omitempty"`
	ProductIDs []string `json:"product_ids,omitempty"`
	GroupIDs   []string `json:"group_ids,omitempty"`
}

// Flag is one VEX flag.
type Flag struct {
	Label      string   `json:"label"`
	Date       string   `json:"date,omitempty"`
	ProductIDs []string `json:"product_ids,omitempty"`
	GroupIDs   []string `json:"group_ids,omitempty"`
}

// Involvement is one involvement.
type Involvement struct {
	Party   string `json:"party"`
	Status  string `json:"status"`
	Date    string `json:"date,omitempty"`
	Summary string `json:"summary,omitempty"`
}
