package cli

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/advimport"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
)

func advisoryCmd(e env, args []string) error {
	return sub(e, "advisory", args, map[string]func(env, []string) error{"import": advisoryImport, "pull": advisoryPull})
}

// advisoryPull fetches one source over the network (a CSAF provider's
// metadata or domain, a ROLIE feed or CSAF document, the KEV catalogue, the
// NVD API, an OSV record or export) and reports or imports it like
// advisory import does with files.
func advisoryPull(e env, args []string) error {
	fs, build := flags(e, "advisory pull")
	dry := fs.Bool("dry-run", false, "report what each document holds; change nothing")
	asJSON := fs.Bool("json", false, "print one JSON result per document")
	kind := fs.String("kind", "", "csaf-provider, csaf (a document or ROLIE feed), cve5, nvd, osv or kev")
	insecure := fs.Bool("insecure", false, "do not check the server's TLS certificate (tests only)")
	timeout := fs.Duration("timeout", 5*time.Minute, "bound on the whole pull")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *kind == "" {
		return fmt.Errorf("%w: khien advisory pull --kind KIND [--dry-run] [--json] URL", errUsage)
	}
	client := &http.Client{Timeout: *timeout}
	if *insecure {
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	}
	ctx, cancel := context.WithTimeout(e.ctx, *timeout)
	defer cancel()
	results, err := advimport.Pull(ctx, client, *kind, fs.Arg(0))
	if err != nil {
		return err
	}
	return report(e, build, results, *dry, *asJSON)
}

// advisoryImport reads advisory documents (CSAF 2.0, CVE JSON 5, NVD API
// 2.0, OSV, the CISA KEV catalogue) from files and directories. With
// --dry-run it prints, per document, its id, format, products, CVEs and
// validation problems, and touches no database; otherwise it imports the
// documents that were read through the advisory service. Either way the
// exit code is 1 when any document failed.
func advisoryImport(e env, args []string) error {
	fs, build := flags(e, "advisory import")
	dry := fs.Bool("dry-run", false, "report what each document holds; change nothing")
	asJSON := fs.Bool("json", false, "print one JSON result per document")
	if err := fs.Parse(args); err != nil {
		return err
	}
	paths := fs.Args()
	if len(paths) == 0 {
		return fmt.Errorf("%w: khien advisory import [--dry-run] [--json] FILE|DIR...", errUsage)
	}
	var results []advimport.Result
	for _, p := range paths {
		rs, err := advimport.ReadPath(p)
		if err != nil {
			return err
		}
		results = append(results, rs...)
	}
	return report(e, build, results, *dry, *asJSON)
}

// report prints the results and, unless dry, imports what was read.
func report(e env, build func() (config.Config, error), results []advimport.Result, dry, asJSON bool) error {
	failed := 0
	for _, r := range results {
		if r.Failed() {
			failed++
		}
		if asJSON {
			json.NewEncoder(e.stdout).Encode(r)
		} else {
			printResult(e.stdout, r)
		}
	}
	read := len(advimport.Advisories(results))
	fmt.Fprintf(e.stderr, "%d documents: %d advisories read, %d failed\n", len(results), read, failed)
	if !dry && read > 0 {
		cfg, err := build()
		if err != nil {
			return err
		}
		a, err := openAdmin(e, cfg)
		if err != nil {
			return err
		}
		defer a.Close()
		res, err := a.Advisory.Import(e.ctx, auth.System(), advimport.Advisories(results))
		if err != nil {
			return describe(err)
		}
		for _, d := range res.Documents {
			if len(d.Problems) > 0 {
				fmt.Fprintf(e.stdout, "%s %s: %s: %s\n", d.Source, d.SourceID, d.Outcome, strings.Join(d.Problems, "; "))
			}
		}
		fmt.Fprintf(e.stdout, "imported: %d created, %d updated, %d unchanged, %d failed; %d action items opened\n",
			res.Created, res.Updated, res.Unchanged, res.Failed, res.ActionItems)
		failed += res.Failed
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d documents failed", failed, len(results))
	}
	return nil
}

// printResult writes one document's report.
func printResult(w io.Writer, r advimport.Result) {
	id := r.ID
	if id == "" {
		id = "-"
	}
	state := "ok"
	if r.Failed() {
		state = "FAILED: " + r.Err
	}
	fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.Path, r.Format, id, state)
	if a := r.Advisory; a != nil {
		fmt.Fprintf(w, "  title:    %s\n", a.Title)
		fmt.Fprintf(w, "  severity: %s  tlp: %s  kev: %v\n", a.Severity, a.TLP, a.KnownExploited)
		if len(a.CVEs) > 0 {
			fmt.Fprintf(w, "  cves:     %s\n", strings.Join(a.CVEs, ", "))
		}
		for _, p := range a.Products {
			name := p.CPE + p.PURL
			var vs []string
			for _, rg := range p.Ranges {
				vs = append(vs, rangeText(rg.Scheme, rg.Lower, rg.LowerInclusive, rg.Upper, rg.UpperInclusive))
			}
			vs = append(vs, p.Versions...)
			if len(vs) == 0 {
				vs = []string{"every version"}
			}
			fmt.Fprintf(w, "  product:  %s  %s\n", name, strings.Join(vs, ", "))
		}
	}
	label := "note:   "
	if r.Failed() {
		label = "problem:"
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  %s %s\n", label, p)
	}
}

func rangeText(scheme, lo string, loIn bool, hi string, hiIn bool) string {
	var b strings.Builder
	b.WriteString(scheme + ":")
	if lo != "" {
		if loIn {
			b.WriteString(">=")
		} else {
			b.WriteString(">")
		}
		b.WriteString(lo)
	}
	if hi != "" {
		if lo != "" {
			b.WriteString(",")
		}
		if hiIn {
			b.WriteString("<=")
		} else {
			b.WriteString("<")
		}
		b.WriteString(hi)
	}
	if lo == "" && hi == "" {
		b.WriteString("*")
	}
	return b.String()
}
