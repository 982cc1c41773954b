package importer

import (
	"context"
	"io"
	"strings"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/intel"
)

// Fetch gets one document by URL (an HTTP client in production; the caller
// bounds time and size).
type Fetch func(ctx context.Context, url string) (io.ReadCloser, error)

// MaxFeedEvents bounds how many events of one MISP feed a pull reads.
const MaxFeedEvents = 5000

// Pull reads a feed's current document(s) from its URL: one document for
// every format but misp-feed, where the URL is the feed's folder and every
// event its manifest.json lists is read and merged.
func Pull(ctx context.Context, f intel.Feed, fetch Fetch, defaults intel.Indicator) (intel.ImportResult, error) {
	if f.Format != intel.FormatMISPFeed {
		return pullOne(ctx, f.Format, f.URL, fetch, defaults)
	}
	base := strings.TrimSuffix(strings.TrimSuffix(f.URL, "manifest.json"), "/")
	body, err := fetch(ctx, base+"/manifest.json")
	if err != nil {
		return intel.ImportResult{}, err
	}
	res, err := ReadDocument("manifest.json", body, Options{Format: intel.FormatMISPFeed, Defaults: defaults})
	body.Close()
	if err != nil {
		return intel.ImportResult{}, err
	}
	if len(res.Manifest) > MaxFeedEvents {
		return intel.ImportResult{}, errs.Invalid("intel.feed_too_large", "the feed lists too many events",
			errs.Field("url", "intel.feed_too_large", "at most 5000 events per feed"))
	}
	out := intel.ImportResult{Skipped: intel.Skipped{}}
	for _, ev := range res.Manifest {
		one, err := pullOne(ctx, intel.FormatMISP, base+"/"+ev.UUID+".json", fetch, defaults)
		if err != nil {
			return intel.ImportResult{}, err
		}
		out.Indicators = append(out.Indicators, one.Indicators...)
		out.Notes = append(out.Notes, one.Notes[:min(len(one.Notes), max(0, intel.MaxNotes-len(out.Notes)))]...)
		for k, n := range one.Skipped {
			out.Skipped[k] += n
		}
	}
	out.Dedupe() // the same observable in several events counts once
	return out, nil
}

func pullOne(ctx context.Context, format intel.Format, url string, fetch Fetch, defaults intel.Indicator) (intel.ImportResult, error) {
	body, err := fetch(ctx, url)
	if err != nil {
		return intel.ImportResult{}, err
	}
	defer body.Close()
	name := url[strings.LastIndexByte(url, '/')+1:]
	return Read(format, name, body, defaults)
}
