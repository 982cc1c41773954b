package advimport

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/vulnfeed"
)

// nvd pages through the NVD CVE API: startIndex advances by what each page
// holds, and stops at totalResults — each page's counters having been
// checked against its contents (vulnfeed.ReadNVD).
func (f fetcher) nvd(ctx context.Context, base *url.URL) ([]Result, error) {
	var out []Result
	start, total := 0, -1
	for page := 0; ; page++ {
		if page >= f.o.NVDMaxPages {
			return out, fmt.Errorf("NVD: stopped after %d pages", page)
		}
		if page > 0 && f.o.NVDDelay > 0 {
			t := time.NewTimer(f.o.NVDDelay)
			select {
			case <-ctx.Done():
				t.Stop()
				return out, ctx.Err()
			case <-t.C:
			}
		}
		u := *base
		q := u.Query()
		q.Set("startIndex", strconv.Itoa(start))
		q.Set("resultsPerPage", strconv.Itoa(f.o.NVDPageSize))
		u.RawQuery = q.Encode()
		body, err := f.get(ctx, &u)
		if err != nil {
			return out, err
		}
		p, docs, err := vulnfeed.ReadNVD(body)
		if err != nil {
			return out, fmt.Errorf("NVD page at startIndex %d: %w", start, err)
		}
		if p.StartIndex != start {
			return out, fmt.Errorf("NVD page: asked for startIndex %d, got %d", start, p.StartIndex)
		}
		if total >= 0 && p.TotalResults != total {
			out = append(out, Result{Path: u.String(), Format: FormatNVD, Problems: []string{fmt.Sprintf("totalResults changed from %d to %d while paging", total, p.TotalResults)}})
		}
		total = p.TotalResults
		for _, d := range docs {
			r := Result{Path: "nvd#" + d.ID, Format: FormatNVD, ID: d.ID, Problems: d.Problems}
			if d.Err != nil {
				r.Err = d.Err.Error()
			} else {
				a := d.Advisory
				r.Advisory = &a
			}
			out = append(out, r)
		}
		start += len(docs)
		if len(docs) == 0 || start >= total {
			return out, nil
		}
	}
}

// readOSV reads one OSV record, a JSON array of records, a query answer
// ({"vulns": [...]}) or a zip export of records.
func readOSV(path string, body []byte) []Result {
	if bytes.HasPrefix(body, []byte("PK\x03\x04")) {
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			return []Result{{Path: path, Format: FormatOSV, Err: "zip: " + err.Error()}}
		}
		var out []Result
		for _, zf := range zr.File {
			if !strings.HasSuffix(zf.Name, ".json") {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				out = append(out, Result{Path: path + "#" + zf.Name, Format: FormatOSV, Err: err.Error()})
				continue
			}
			b, err := io.ReadAll(io.LimitReader(rc, 16<<20))
			rc.Close()
			if err != nil {
				out = append(out, Result{Path: path + "#" + zf.Name, Format: FormatOSV, Err: err.Error()})
				continue
			}
			out = append(out, osvOne(path+"#"+zf.Name, b))
		}
		return out
	}
	trimmed := bytes.TrimSpace(body)
	var list []json.RawMessage
	if bytes.HasPrefix(trimmed, []byte("[")) {
		if err := json.Unmarshal(trimmed, &list); err != nil {
			return []Result{{Path: path, Format: FormatOSV, Err: "not JSON: " + err.Error()}}
		}
	} else {
		var q struct {
			Vulns []json.RawMessage `json:"vulns"`
		}
		if json.Unmarshal(trimmed, &q) == nil && q.Vulns != nil {
			list = q.Vulns
		} else {
			return []Result{osvOne(path, body)}
		}
	}
	out := make([]Result, 0, len(list))
	for i, raw := range list {
		out = append(out, osvOne(fmt.Sprintf("%s#%d", path, i), raw))
	}
	return out
}

func osvOne(path string, b []byte) Result {
	d := vulnfeed.ReadOSV(b)
	r := Result{Path: path, Format: FormatOSV, ID: d.ID, Problems: d.Problems}
	if d.Err != nil {
		r.Err = d.Err.Error()
		return r
	}
	a := d.Advisory
	r.Advisory = &a
	return r
}
