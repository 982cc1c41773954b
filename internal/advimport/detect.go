// Package advimport reads advisory documents of every format Khiên knows
// (CSAF 2.0, CVE JSON 5, NVD API 2.0, OSV, the CISA KEV catalogue in JSON
// or CSV) from files, directories and the network, into per-document
// results. It is the network side of advisories: the domain (package
// advisory) and the pure readers (packages csaf and vulnfeed) never do I/O;
// this package fetches with an injected *http.Client, follows CSAF provider
// metadata and ROLIE feeds, verifies hashes and OpenPGP signatures, and
// pages through the NVD API checking totalResults.
//
// A bad document is one result with the reason; it never stops the others.
package advimport

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Formats a document can have.
const (
	FormatCSAF             = "csaf"
	FormatCVE5             = "cve5"
	FormatNVD              = "nvd"
	FormatOSV              = "osv"
	FormatKEV              = "kev"
	FormatKEVCSV           = "kev-csv"
	FormatProviderMetadata = "provider-metadata"
	FormatROLIE            = "rolie"
	FormatROLIEService     = "rolie-service"
	FormatAggregator       = "aggregator"
	FormatUnknown          = "unknown"
)

// Detect names the format of a document from its content (the name only
// breaks ties for CSV).
func Detect(name string, data []byte) string {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return FormatUnknown
	}
	if trimmed[0] != '{' {
		if bytes.HasPrefix(trimmed, []byte("cveID,")) || bytes.HasPrefix(trimmed, []byte(`"cveID",`)) ||
			strings.HasSuffix(strings.ToLower(name), ".csv") && bytes.Contains(firstLine(trimmed), []byte("cveID")) {
			return FormatKEVCSV
		}
		return FormatUnknown
	}
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&top); err != nil {
		// Not JSON (or cut short): say what it looks like, so the reader
		// reports the precise error.
		switch {
		case bytes.Contains(trimmed, []byte(`"csaf_version"`)):
			return FormatCSAF
		case bytes.Contains(trimmed, []byte(`"cveMetadata"`)):
			return FormatCVE5
		}
		return FormatUnknown
	}
	has := func(k string) bool { _, ok := top[k]; return ok }
	str := func(k string) string {
		var s string
		json.Unmarshal(top[k], &s)
		return s
	}
	switch {
	case has("document") && (bytes.Contains(top["document"], []byte(`"csaf_version"`)) || bytes.Contains(top["document"], []byte(`"tracking"`))):
		return FormatCSAF
	case str("dataType") == "CVE_RECORD" || has("cveMetadata"):
		return FormatCVE5
	case str("format") == "NVD_CVE" || has("resultsPerPage") && has("vulnerabilities"):
		return FormatNVD
	case has("catalogVersion") && has("vulnerabilities"):
		return FormatKEV
	case has("feed"):
		return FormatROLIE
	case has("service"):
		return FormatROLIEService
	case has("aggregator") && has("csaf_providers"):
		return FormatAggregator
	case has("canonical_url") && (has("distributions") || has("role") || has("publisher")):
		return FormatProviderMetadata
	case has("id") && has("modified") && !has("$schema"):
		return FormatOSV
	}
	return FormatUnknown
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}
