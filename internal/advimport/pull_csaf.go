package advimport

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"strings"

	gocsaf "github.com/gocsaf/csaf/v3/csaf"

	"github.com/khien-cert/khien/internal/csaf"
)

// provider follows a provider-metadata.json to every document it lists.
func (f fetcher) provider(ctx context.Context, u *url.URL) ([]Result, error) {
	body, err := f.get(ctx, u)
	if err != nil {
		return nil, err
	}
	var pmd gocsaf.ProviderMetadata
	raw, err := decodeJSON(body, &pmd)
	if err != nil {
		return nil, fmt.Errorf("provider metadata %s: %w", u.Redacted(), err)
	}
	if msgs, err := gocsaf.ValidateProviderMetadata(raw); err != nil || len(msgs) > 0 {
		return nil, fmt.Errorf("provider metadata %s fails its schema: %v %s", u.Redacted(), err, strings.Join(precise(msgs), "; "))
	}
	var keys []string
	var out []Result
	for _, k := range pmd.PGPKeys {
		if k.URL == nil {
			continue
		}
		ku, err := u.Parse(*k.URL)
		if err != nil {
			continue
		}
		b, err := f.get(ctx, ku)
		if err != nil {
			out = append(out, Result{Path: ku.String(), Format: FormatProviderMetadata, Problems: []string{"public key: " + err.Error()}})
			continue
		}
		fp, err := csaf.KeyFingerprint(string(b))
		if err != nil || (k.Fingerprint != "" && !strings.EqualFold(fp, string(k.Fingerprint))) {
			// A key that is not the one the metadata names is not trusted.
			out = append(out, Result{Path: ku.String(), Format: FormatProviderMetadata,
				Problems: []string{fmt.Sprintf("public key ignored: fingerprint %s, the metadata says %s (%v)", fp, k.Fingerprint, err)}})
			continue
		}
		keys = append(keys, string(b))
	}
	for _, d := range pmd.Distributions {
		if d.Rolie != nil {
			for _, feed := range d.Rolie.Feeds {
				if feed.URL == nil {
					continue
				}
				fu, err := u.Parse(string(*feed.URL))
				if err != nil {
					continue
				}
				fb, err := f.get(ctx, fu)
				if err != nil {
					out = append(out, Result{Path: fu.String(), Format: FormatROLIE, Err: err.Error()})
					continue
				}
				out = append(out, f.rolie(ctx, fu, fb, keys)...)
			}
			continue
		}
		if d.DirectoryURL != "" {
			du, err := u.Parse(strings.TrimSuffix(d.DirectoryURL, "/") + "/")
			if err != nil {
				continue
			}
			out = append(out, f.directory(ctx, du, keys)...)
		}
	}
	return dedupe(out), nil
}

// dedupe drops a document seen twice (a provider listing one document
// through both ROLIE and its directory).
func dedupe(rs []Result) []Result {
	seen := map[string]bool{}
	out := rs[:0]
	for _, r := range rs {
		if r.Path != "" && seen[r.Path] {
			continue
		}
		seen[r.Path] = true
		out = append(out, r)
	}
	return out
}

// rolie fetches the documents a ROLIE feed lists.
func (f fetcher) rolie(ctx context.Context, fu *url.URL, body []byte, keys []string) []Result {
	var feed gocsaf.ROLIEFeed
	raw, err := decodeJSON(body, &feed)
	if err != nil {
		return []Result{{Path: fu.String(), Format: FormatROLIE, Err: err.Error()}}
	}
	var out []Result
	if msgs, err := gocsaf.ValidateROLIE(raw); err != nil || len(msgs) > 0 {
		// Reported, not fatal: the documents are checked one by one.
		out = append(out, Result{Path: fu.String(), Format: FormatROLIE, Problems: append([]string{"the ROLIE feed fails its schema"}, precise(msgs)...)})
	}
	for i, e := range feed.Feed.Entry {
		if i >= f.o.MaxDocuments {
			out = append(out, Result{Path: fu.String(), Format: FormatROLIE, Err: fmt.Sprintf("feed lists more than %d documents; the rest were not fetched", f.o.MaxDocuments)})
			break
		}
		var doc, sig string
		var hashes []string
		for _, l := range e.Link {
			switch l.Rel {
			case "self":
				doc = l.HRef
			case "signature":
				sig = l.HRef
			case "hash":
				hashes = append(hashes, l.HRef)
			}
		}
		if doc == "" {
			doc = e.Content.Src
		}
		du, err := fu.Parse(doc)
		if doc == "" || err != nil {
			out = append(out, Result{Path: fu.String() + "#" + e.ID, Format: FormatCSAF, ID: e.ID, Err: "feed entry has no document link"})
			continue
		}
		out = append(out, f.fetchDocument(ctx, du, hashes, sig, keys))
	}
	return out
}

// directory fetches the documents a directory distribution lists in its
// changes.csv (or index.txt when there is none).
func (f fetcher) directory(ctx context.Context, du *url.URL, keys []string) []Result {
	var paths []string
	cu, _ := du.Parse("changes.csv")
	if b, err := f.get(ctx, cu); err == nil {
		r := csv.NewReader(bytes.NewReader(b))
		r.FieldsPerRecord = -1
		for {
			rec, err := r.Read()
			if err != nil {
				break
			}
			if len(rec) > 0 && strings.TrimSpace(rec[0]) != "" {
				paths = append(paths, strings.TrimSpace(rec[0]))
			}
		}
	} else {
		iu, _ := du.Parse("index.txt")
		b, err2 := f.get(ctx, iu)
		if err2 != nil {
			return []Result{{Path: du.String(), Format: FormatProviderMetadata, Err: "directory has neither changes.csv nor index.txt: " + err.Error()}}
		}
		for l := range strings.SplitSeq(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				paths = append(paths, l)
			}
		}
	}
	var out []Result
	for i, p := range paths {
		if i >= f.o.MaxDocuments {
			out = append(out, Result{Path: du.String(), Format: FormatCSAF, Err: fmt.Sprintf("directory lists more than %d documents; the rest were not fetched", f.o.MaxDocuments)})
			break
		}
		u, err := du.Parse(p)
		if err != nil {
			out = append(out, Result{Path: du.String() + p, Format: FormatCSAF, Err: "bad path in changes.csv: " + err.Error()})
			continue
		}
		out = append(out, f.fetchDocument(ctx, u, []string{u.String() + ".sha512", u.String() + ".sha256"}, u.String()+".asc", keys))
	}
	return out
}

// fetchDocument fetches one CSAF document and checks it.
func (f fetcher) fetchDocument(ctx context.Context, u *url.URL, hashes []string, sig string, keys []string) Result {
	body, err := f.get(ctx, u)
	if err != nil {
		return Result{Path: u.String(), Format: FormatCSAF, Err: err.Error()}
	}
	r := f.document(ctx, u, body, hashes)[0]
	if r.Failed() || sig == "" {
		return r
	}
	if len(keys) == 0 {
		r.Problems = append(r.Problems, "signature not checked: the provider lists no public key")
		return r
	}
	su, err := u.Parse(sig)
	if err != nil {
		return fail(r, "signature URL: "+err.Error())
	}
	s, err := f.get(ctx, su)
	if err != nil {
		return fail(r, "signature: "+err.Error())
	}
	if err := csaf.VerifySignature(body, string(s), keys...); err != nil {
		return fail(r, "OpenPGP "+err.Error())
	}
	return r
}

func fail(r Result, why string) Result {
	r.Err, r.Advisory = why, nil
	return r
}

// document reads one fetched CSAF document after checking its hashes (the
// first hash file that can be fetched must match).
func (f fetcher) document(ctx context.Context, u *url.URL, body []byte, hashes []string) []Result {
	path := u.String()
	checked := false
	for _, h := range hashes {
		hu, err := u.Parse(h)
		if err != nil {
			continue
		}
		algo := ""
		switch {
		case strings.HasSuffix(hu.Path, ".sha512"):
			algo = "sha512"
		case strings.HasSuffix(hu.Path, ".sha256"):
			algo = "sha256"
		default:
			continue
		}
		hb, err := f.get(ctx, hu)
		if err != nil {
			continue
		}
		if err := csaf.VerifyHash(body, algo, string(hb)); err != nil {
			return []Result{{Path: path, Format: FormatCSAF, Err: err.Error()}}
		}
		checked = true
		break
	}
	rs := ReadBytes(path, body)
	if len(rs) != 1 || rs[0].Failed() {
		return rs
	}
	if len(hashes) > 0 && !checked {
		rs[0].Problems = append(rs[0].Problems, "no hash file could be fetched; integrity not checked")
	}
	if name := u.Path[strings.LastIndex(u.Path, "/")+1:]; rs[0].Format == FormatCSAF && name != csaf.FileName(rs[0].ID) {
		rs[0].Problems = append(rs[0].Problems, fmt.Sprintf("file name %s does not follow the tracking id (want %s)", name, csaf.FileName(rs[0].ID)))
	}
	return rs
}
