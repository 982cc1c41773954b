// Package importer reads a threat-intel document of any supported format —
// a plain list, CSV, a STIX 2.1 (or 2.0) document, MISP events, a MISP feed
// manifest or event file — detecting the format when asked, and reports what
// an import would add and skip (DryRun, the engine of
// `khien intel import --dry-run FILE`).
//
// It sits above intel, stix and misp (which import intel), so intel can
// stay free of the format packages: intel.Service takes Read as its
// intel.Reader.
//
// Invariants: the package is pure (no I/O beyond the io.Reader given);
// every document is bounded (Options.MaxBytes, intel.DefaultMaxBytes by
// default; larger ones fail with intel.too_large, never silently cut);
// malformed input gives an *errs.Error, never a panic.
package importer

import (
	"bytes"
	"encoding/json"
	"io"
	"path"
	"strings"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/misp"
	"github.com/khien-cert/khien/internal/stix"
)

// Codes of the package's errors.
const (
	CodeUnknownFormat = "intel.unknown_format" // a JSON document that is neither STIX nor MISP, or an unknown format name
	CodeCompressed    = "intel.compressed"     // gzip and other archives are not read
	CodeManifest      = "intel.feed_manifest"  // a MISP feed manifest holds no indicators itself
)

// Options controls ReadDocument.
type Options struct {
	Format          intel.Format    // "" or intel.FormatAuto: detected
	Defaults        intel.Indicator // where every indicator starts (intel.WithDefaults)
	MaxBytes        int64           // 0: intel.DefaultMaxBytes
	Columns         intel.Columns   // for CSV
	IncludeNotToIDs bool            // MISP: import attributes with to_ids false too
	Observables     bool            // STIX: import cyber-observable objects too
}

// Result is what ReadDocument found in one document.
type Result struct {
	Format intel.Format `json:"format"` // the format read (detected when asked)
	intel.ImportResult
	Manifest []misp.FeedEvent `json:"manifest,omitempty"` // the events a MISP feed manifest lists
}

var _ intel.Reader = Read

// Read reads one document of format (intel.FormatAuto: detected) with
// defaults; it is the intel.Reader the intel service is built with. A MISP
// feed manifest is refused (intel.feed_manifest): a feed's indicators are in
// its event files, which FormatMISPFeed reads one at a time.
func Read(format intel.Format, name string, r io.Reader, defaults intel.Indicator) (intel.ImportResult, error) {
	res, err := ReadDocument(name, r, Options{Format: format, Defaults: defaults})
	if err != nil {
		return intel.ImportResult{}, err
	}
	if res.Manifest != nil {
		return intel.ImportResult{}, errs.Invalid(CodeManifest,
			"this is a MISP feed manifest; give the feed's URL with format misp-feed, or import its event files",
			errs.Field("file", CodeManifest, "a MISP feed manifest lists events and holds no indicators"))
	}
	return res.ImportResult, nil
}

// ReadDocument reads one document as opt says. The whole document is held
// in memory (at most opt.MaxBytes).
func ReadDocument(name string, r io.Reader, opt Options) (Result, error) {
	data, err := intel.ReadAll(r, opt.MaxBytes)
	if err != nil {
		return Result{}, err
	}
	format := opt.Format
	auto := format == "" || format == intel.FormatAuto
	if auto {
		if format, err = Detect(name, data); err != nil {
			return Result{}, err
		}
	}
	if auto && (format == intel.FormatList || format == intel.FormatCSV) {
		if opt.Columns != (intel.Columns{}) {
			return readFormat(intel.FormatCSV, data, opt) // the caller says it is CSV
		}
		return readText(format, data, opt)
	}
	return readFormat(format, data, opt)
}

// readFormat reads data as one format.
func readFormat(format intel.Format, data []byte, opt Options) (Result, error) {
	res := Result{Format: format}
	var err error
	switch format {
	case intel.FormatList:
		res.ImportResult, err = intel.ReadList(bytes.NewReader(data), opt.Defaults)
	case intel.FormatCSV:
		res.ImportResult, err = intel.ReadCSV(bytes.NewReader(data), opt.Defaults, opt.Columns)
	case intel.FormatSTIX:
		res.ImportResult, err = stix.Read(bytes.NewReader(data), stix.Options{Defaults: opt.Defaults, MaxBytes: opt.MaxBytes, Observables: opt.Observables})
	case intel.FormatMISP, intel.FormatMISPFeed:
		return readMISP(format, data, opt)
	default:
		return Result{}, errs.Invalid(CodeUnknownFormat, "unknown format "+string(format),
			errs.Field("format", CodeUnknownFormat, "choose auto, list, csv, stix, misp or misp-feed"))
	}
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// readMISP reads MISP events, a feed event file, or a feed manifest.
func readMISP(format intel.Format, data []byte, opt Options) (Result, error) {
	res := Result{Format: format}
	mo := misp.Options{Defaults: opt.Defaults, MaxBytes: opt.MaxBytes, IncludeNotToIDs: opt.IncludeNotToIDs}
	var err error
	switch {
	case misp.IsManifest(data):
		res.Format = intel.FormatMISPFeed
		res.Manifest, err = misp.ReadManifest(bytes.NewReader(data))
		if res.Manifest == nil && err == nil {
			res.Manifest = []misp.FeedEvent{}
		}
	case format == intel.FormatMISPFeed:
		res.ImportResult, err = misp.ReadFeedEvent(bytes.NewReader(data), mo)
	default:
		res.ImportResult, err = misp.ReadEvent(bytes.NewReader(data), mo)
	}
	return res, err
}

// readText reads a text document detected as a list or CSV the other way
// too, and keeps the other reading when the detected one fails or the other
// finds more indicators. Detection looks at the first lines alone; this
// settles files whose look misleads it (a list with one comma a line, a CSV
// whose value column a list reading cannot reach).
func readText(detected intel.Format, data []byte, opt Options) (Result, error) {
	other := intel.FormatCSV
	if detected == intel.FormatCSV {
		other = intel.FormatList
	}
	a, errA := readFormat(detected, data, opt)
	b, errB := readFormat(other, data, opt)
	switch {
	case errA != nil && errB == nil:
		return b, nil
	case errA == nil && errB == nil && len(b.Indicators) > len(a.Indicators):
		return b, nil
	}
	return a, errA
}

// Detect guesses the format of a document from its name and content:
// JSON is STIX, a MISP feed manifest or MISP events; text is CSV when most
// of its first lines hold a delimiter (and they are not a hosts file), else
// a plain list. Compressed data and JSON of no known kind are refused.
func Detect(name string, data []byte) (intel.Format, error) {
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) || bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return "", errs.Invalid(CodeCompressed, "the file is compressed; decompress it first",
			errs.Field("file", CodeCompressed, "gzip and zip files are not read"))
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\uFEFF")
	if first, _, _ := bytes.Cut(trimmed, []byte("\n")); len(first) > 0 && first[0] == '{' && json.Valid(first) && !json.Valid(trimmed) {
		return "", errs.Invalid(CodeUnknownFormat, "JSON lines are not a threat-intel format Khiên reads",
			errs.Field("file", CodeUnknownFormat, "want a STIX bundle, a MISP event or a MISP feed manifest"))
	}
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		switch {
		case stix.Detect(trimmed):
			return intel.FormatSTIX, nil
		case misp.IsManifest(trimmed):
			return intel.FormatMISPFeed, nil
		case misp.Detect(trimmed):
			return intel.FormatMISP, nil
		case json.Valid(trimmed):
			return "", errs.Invalid(CodeUnknownFormat, "the JSON document is neither STIX nor MISP",
				errs.Field("file", CodeUnknownFormat, "want a STIX bundle, a MISP event or a MISP feed manifest"))
		}
	}
	if strings.EqualFold(path.Ext(name), ".csv") || looksLikeCSV(data) {
		return intel.FormatCSV, nil
	}
	return intel.FormatList, nil
}

// looksLikeCSV reports whether nine in ten of the first data lines hold a
// delimiter (',', ';', tab or '|') and fewer than half start like a hosts
// file line.
func looksLikeCSV(data []byte) bool {
	lines, delim, hosts := 0, 0, 0
	for line := range bytes.Lines(data) {
		s := strings.TrimSpace(string(line))
		if s == "" || s[0] == '#' || s[0] == ';' || s[0] == '!' || strings.HasPrefix(s, "//") {
			continue
		}
		if lines++; lines > 100 {
			break
		}
		if strings.ContainsAny(s, ",;\t|") {
			delim++
		}
		if f := strings.Fields(s); len(f) > 1 && (f[0] == "0.0.0.0" || f[0] == "127.0.0.1" || f[0] == "::" || f[0] == "::1") {
			hosts++
		}
	}
	return lines > 0 && delim*10 >= lines*9 && hosts*2 < lines
}
