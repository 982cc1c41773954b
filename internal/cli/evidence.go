package cli

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/khien-cert/khien/internal/evidence/bundle"
)

func evidenceCmd(e env, args []string) error {
	return sub(e, "evidence", args, map[string]func(env, []string) error{"verify": evidenceVerify})
}

// evidenceVerify checks an export bundle offline: it needs no server, no
// database and no data directory, only the bundle (and, to pin the key, the
// platform's custody.pub obtained out of band). Exit status 1 lists every
// problem with the member and entry it concerns.
func evidenceVerify(e env, args []string) error {
	fs := flag.NewFlagSet("khien evidence verify", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	keyFile := fs.String("key", "", "file holding the custody verifier key the bundle must be signed with (keys/custody.pub)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: khien evidence verify [--key custody.pub] BUNDLE.tar   (BUNDLE - reads standard input)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: khien evidence verify [--key FILE] BUNDLE", errUsage)
	}
	var o bundle.Options
	if *keyFile != "" {
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return fmt.Errorf("--key: %w", err)
		}
		o.Key = string(b)
	}
	var r io.Reader = e.stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	rep := bundle.Verify(r, o)
	if rep.OK() {
		fmt.Fprintf(e.stdout, "bundle OK: %s\n  %d items, %d custody events, %d bytes of content\n", rep.BundleID, rep.Items, rep.Events, rep.Bytes)
		if o.Key != "" {
			fmt.Fprintf(e.stdout, "  signed with the pinned custody key %s\n", rep.Key)
		} else {
			fmt.Fprintf(e.stdout, "  signed with custody key %s: compare it with the key the platform publishes, or pass --key\n", rep.Key)
		}
		return nil
	}
	fmt.Fprintf(e.stdout, "bundle FAILED verification: %s\n", problems(len(rep.Problems)))
	for _, p := range rep.Problems {
		fmt.Fprintf(e.stdout, "  %s\n", p)
	}
	return fmt.Errorf("bundle verification failed: %s, listed on standard output", problems(len(rep.Problems)))
}

func problems(n int) string {
	if n == 1 {
		return "1 problem"
	}
	return fmt.Sprintf("%d problems", n)
}
