package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/intel/importer"
)

func intelCmd(e env, args []string) error {
	return sub(e, "intel", args, map[string]func(env, []string) error{"import": intelImport})
}

// intelImport reads threat-intel documents. With --dry-run it prints what
// each would add per indicator type and what it would skip and why, without
// touching the database; otherwise it imports them into --feed.
func intelImport(e env, args []string) error {
	fs, build := flags(e, "intel import")
	dry := fs.Bool("dry-run", false, "report what would be imported; change nothing")
	feed := fs.String("feed", "", "name of the feed to import into (not with --dry-run)")
	asJSON := fs.Bool("json", false, "with --dry-run: print the reports as JSON lines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files := fs.Args()
	if len(files) == 0 || (*dry == (*feed != "")) {
		return fmt.Errorf("%w: khien intel import --dry-run FILE... | khien intel import --feed NAME FILE...", errUsage)
	}
	if *dry {
		return dryRun(e, files, *asJSON)
	}
	cfg, err := build()
	if err != nil {
		return err
	}
	a, err := openAdmin(e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	f, err := findFeed(e, a.Intel, *feed)
	if err != nil {
		return err
	}
	for _, name := range files {
		r, err := os.Open(name)
		if err != nil {
			return err
		}
		rep, err := a.Intel.Import(e.ctx, auth.System(), f.ID, filepath.Base(name), r, false)
		r.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, describe(err))
		}
		fmt.Fprintf(e.stdout, "%s: read %d, added %d, updated %d, skipped %d\n", name, rep.Read, rep.Saved.Added, rep.Saved.Updated, total(rep.Skipped))
	}
	return nil
}

func findFeed(e env, svc *intel.Service, name string) (intel.Feed, error) {
	feeds, err := svc.Feeds(e.ctx, auth.System())
	if err != nil {
		return intel.Feed{}, err
	}
	for _, f := range feeds {
		if f.Name == name {
			return f, nil
		}
	}
	return intel.Feed{}, fmt.Errorf("no feed named %q", name)
}

func dryRun(e env, files []string, asJSON bool) error {
	failed := 0
	for _, name := range files {
		r, err := os.Open(name)
		if err != nil {
			return err
		}
		rep, err := importer.DryRun(filepath.Base(name), r)
		r.Close()
		if err != nil {
			fmt.Fprintf(e.stderr, "%s: %v\n", name, describe(err))
			failed++
			continue
		}
		if asJSON {
			json.NewEncoder(e.stdout).Encode(rep)
			continue
		}
		fmt.Fprintln(e.stdout, rep.String())
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d documents could not be read", failed, len(files))
	}
	return nil
}

func total(s intel.Skipped) int {
	n := 0
	for _, v := range s {
		n += v
	}
	return n
}
