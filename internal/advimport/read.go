package advimport

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	gocsaf "github.com/gocsaf/csaf/v3/csaf"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/csaf"
	"github.com/khien-cert/khien/internal/vulnfeed"
)

// Result is what reading one document gave.
type Result struct {
	Path     string             `json:"path"`               // file, or URL, with "#id" for a record inside a batch
	Format   string             `json:"format"`             // one of the Format constants
	ID       string             `json:"id,omitempty"`       // the document's own id
	Advisory *advisory.Advisory `json:"advisory,omitempty"` // nil when the document failed or holds no advisory
	Problems []string           `json:"problems,omitempty"` // validation problems (when Err is set) or notes
	Err      string             `json:"error,omitempty"`    // why the document was rejected; empty when it was read
}

// Failed reports whether the document was rejected.
func (r Result) Failed() bool { return r.Err != "" }

// MaxFile bounds the size of one file read.
const MaxFile = 128 << 20

// ReadBytes reads one document of any known format into results: one for a
// single-advisory document, one per record for a batch (NVD page, KEV
// catalogue).
func ReadBytes(path string, data []byte) []Result {
	format := Detect(path, data)
	one := func(id string, a advisory.Advisory, notes []string, err error) []Result {
		r := Result{Path: path, Format: format, ID: id, Problems: notes}
		if err != nil {
			r.Err = err.Error()
			for _, p := range csaf.Problems(err) {
				r.Problems = append(r.Problems, p.String())
			}
			return []Result{r}
		}
		if r.ID == "" {
			r.ID = a.SourceID
		}
		r.Advisory = &a
		return []Result{r}
	}
	docs := func(ds []vulnfeed.Doc, err error) []Result {
		if err != nil {
			return []Result{{Path: path, Format: format, Err: err.Error()}}
		}
		out := make([]Result, 0, len(ds))
		for _, d := range ds {
			r := Result{Path: path + "#" + d.ID, Format: format, ID: d.ID, Problems: d.Problems}
			if d.Err != nil {
				r.Err = d.Err.Error()
			} else {
				a := d.Advisory
				r.Advisory = &a
			}
			out = append(out, r)
		}
		return out
	}
	switch format {
	case FormatCSAF:
		a, notes, err := csaf.Read(data)
		return one(a.SourceID, a, notes, err)
	case FormatCVE5:
		d := vulnfeed.ReadCVE5(data)
		return one(d.ID, d.Advisory, d.Problems, d.Err)
	case FormatOSV:
		d := vulnfeed.ReadOSV(data)
		return one(d.ID, d.Advisory, d.Problems, d.Err)
	case FormatNVD:
		_, ds, err := vulnfeed.ReadNVD(data)
		return docs(ds, err)
	case FormatKEV:
		return docs(vulnfeed.ReadKEV(data))
	case FormatKEVCSV:
		return docs(vulnfeed.ReadKEVCSV(data))
	case FormatProviderMetadata, FormatROLIE, FormatAggregator:
		return []Result{metadata(path, format, data)}
	case FormatROLIEService:
		return []Result{{Path: path, Format: format, Problems: []string{"a ROLIE service document lists feeds; pull the provider instead"}}}
	}
	return []Result{{Path: path, Format: FormatUnknown, Err: "not an advisory document of a known format (CSAF 2.0, CVE JSON 5, NVD API 2.0, OSV, CISA KEV)"}}
}

// metadata validates provider metadata, aggregators and ROLIE feeds read
// from a file: they hold no advisory themselves (pull them to fetch the
// documents they list).
func metadata(path, format string, data []byte) Result {
	r := Result{Path: path, Format: format}
	doc, err := decodeJSON(data, nil)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	validate := map[string]func(any) ([]string, error){
		FormatProviderMetadata: gocsaf.ValidateProviderMetadata,
		FormatAggregator:       gocsaf.ValidateAggregator,
		FormatROLIE:            gocsaf.ValidateROLIE,
	}[format]
	msgs, err := validate(doc)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	if len(msgs) > 0 {
		r.Err = fmt.Sprintf("%s fails its JSON schema", format)
		r.Problems = precise(msgs)
		return r
	}
	r.Problems = []string{"lists advisories but holds none: pull it to import them"}
	return r
}

// ReadPath reads a file, or every .json and .csv file under a directory
// (in name order).
func ReadPath(path string) ([]Result, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return readFile(path), nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		if !d.IsDir() && (ext == ".json" || ext == ".csv") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var out []Result
	for _, f := range files {
		out = append(out, readFile(f)...)
	}
	return out, nil
}

func readFile(path string) []Result {
	f, err := os.Open(path)
	if err != nil {
		return []Result{{Path: path, Format: FormatUnknown, Err: err.Error()}}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFile+1))
	if err == nil && len(data) > MaxFile {
		err = errors.New("file larger than 128 MiB")
	}
	if err != nil {
		return []Result{{Path: path, Format: FormatUnknown, Err: err.Error()}}
	}
	return ReadBytes(path, data)
}

// Advisories returns the advisories of the results that were read.
func Advisories(rs []Result) []advisory.Advisory {
	var out []advisory.Advisory
	for _, r := range rs {
		if r.Advisory != nil {
			out = append(out, *r.Advisory)
		}
	}
	return out
}
