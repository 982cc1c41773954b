package advimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/csaf"
)

// Kinds of pull, the same names as advisory.FeedKinds.
const (
	KindCSAFProvider = "csaf-provider" // provider-metadata.json URL, or the provider's domain
	KindCSAF         = "csaf"          // one CSAF document, or a ROLIE feed
	KindROLIE        = "rolie"         // a ROLIE feed (the same as KindCSAF)
	KindCVE5         = "cve5"          // one CVE JSON 5 record
	KindNVD          = "nvd"           // the NVD CVE API 2.0 (paged)
	KindOSV          = "osv"           // an OSV record, a list of records, or an OSV zip export
	KindKEV          = "kev"           // the KEV catalogue (JSON)
)

// Options tune a pull. The zero value is usable.
type Options struct {
	MaxBody      int64         // bound on one response body; 0: 64 MiB
	MaxDocuments int           // bound on documents fetched from one provider; 0: 5000
	NVDPageSize  int           // resultsPerPage asked of the NVD API; 0: 2000
	NVDMaxPages  int           // bound on pages; 0: 500
	NVDDelay     time.Duration // pause between NVD pages; 0: 6 s (the API's public rate limit), < 0: none
	UserAgent    string
}

func (o Options) withDefaults() Options {
	if o.MaxBody <= 0 {
		o.MaxBody = 64 << 20
	}
	if o.MaxDocuments <= 0 {
		o.MaxDocuments = 5000
	}
	if o.NVDPageSize <= 0 {
		o.NVDPageSize = 2000
	}
	if o.NVDMaxPages <= 0 {
		o.NVDMaxPages = 500
	}
	if o.NVDDelay == 0 {
		o.NVDDelay = 6 * time.Second
	}
	if o.UserAgent == "" {
		o.UserAgent = "Khien-advisory-import/1"
	}
	return o
}

// Pull fetches the documents of one source with default options.
func Pull(ctx context.Context, client *http.Client, kind, rawURL string) ([]Result, error) {
	return (&Puller{Client: client}).Fetch(ctx, kind, rawURL)
}

// Puller pulls advisory feeds over HTTP. It implements advisory.Puller.
type Puller struct {
	Client  *http.Client
	Options Options
}

// Pull implements advisory.Puller: the feed's documents, read. The error is
// the feed's (it cannot be reached or read); documents that fail alone are
// left out and counted in the error only when none could be read.
func (p *Puller) Pull(ctx context.Context, f advisory.Feed) ([]advisory.Advisory, error) {
	rs, err := p.Fetch(ctx, f.Kind, f.URL)
	if err != nil {
		return nil, err
	}
	advs := Advisories(rs)
	failed := 0
	var first string
	for _, r := range rs {
		if r.Failed() {
			if failed == 0 {
				first = r.Path + ": " + r.Err
			}
			failed++
		}
	}
	if len(advs) == 0 && failed > 0 {
		return nil, fmt.Errorf("all %d documents failed; first: %s", failed, first)
	}
	return advs, nil
}

// Fetch fetches and reads the documents of one source.
func (p *Puller) Fetch(ctx context.Context, kind, rawURL string) ([]Result, error) {
	if p.Client == nil {
		return nil, errors.New("advimport: no HTTP client")
	}
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		if kind == KindCSAFProvider && err == nil && u.Scheme == "" && !strings.Contains(rawURL, "/") {
			// A bare domain: the well-known place of its metadata.
			u, _ = url.Parse("https://" + strings.TrimSpace(rawURL) + csaf.WellKnown + csaf.MetadataFile)
		} else {
			return nil, fmt.Errorf("advimport: %q is not an http(s) URL", rawURL)
		}
	}
	o := p.Options.withDefaults()
	f := fetcher{client: p.Client, o: o}
	switch kind {
	case KindCSAFProvider:
		return f.provider(ctx, u)
	case KindCSAF, KindROLIE:
		body, err := f.get(ctx, u)
		if err != nil {
			return nil, err
		}
		if Detect(u.Path, body) == FormatROLIE {
			return f.rolie(ctx, u, body, nil), nil
		}
		return f.document(ctx, u, body, nil), nil
	case KindCVE5, KindKEV:
		body, err := f.get(ctx, u)
		if err != nil {
			return nil, err
		}
		return ReadBytes(u.String(), body), nil
	case KindOSV:
		body, err := f.get(ctx, u)
		if err != nil {
			return nil, err
		}
		return readOSV(u.String(), body), nil
	case KindNVD:
		return f.nvd(ctx, u)
	}
	return nil, fmt.Errorf("advimport: unknown feed kind %q", kind)
}

type fetcher struct {
	client *http.Client
	o      Options
}

// get fetches a URL, bounded, and fails on any status but 200.
func (f fetcher) get(ctx context.Context, u *url.URL) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", f.o.UserAgent)
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, f.o.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u.Redacted(), err)
	}
	if int64(len(b)) > f.o.MaxBody {
		return nil, fmt.Errorf("GET %s: body larger than %d bytes", u.Redacted(), f.o.MaxBody)
	}
	return b, nil
}

// precise drops the schema validator's "validation failed" parents when a
// more precise message is there.
func precise(msgs []string) []string {
	var out []string
	for _, m := range msgs {
		if !strings.HasSuffix(m, ": validation failed") {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return msgs
	}
	return out
}
