// Package cli is khien's command line: serve, migrate and the operator
// commands (user, token, org, audit verify, version). Every command takes
// its configuration through config.Flags, so --data-dir and --database work
// the same everywhere, and administrative commands are safe to run while the
// server runs (they only use SQL, whose engines serialise writers).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/config"
)

// Version is set at build time with -ldflags "-X .../cli.Version=v1.2.3".
var Version = "dev"

// env is what a command runs with.
type env struct {
	ctx    context.Context
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	summary string
	run     func(e env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":    {"run the platform", serve},
		"migrate":  {"apply database migrations and exit", migrate},
		"user":     {"manage users: user add", userCmd},
		"token":    {"manage API tokens: token add", tokenCmd},
		"org":      {"manage organisations: org add", orgCmd},
		"audit":    {"check the audit trail: audit verify", auditCmd},
		"detect":   {"run the detection engine over event files: detect --rules DIR --intel FILE EVENTS...", detectCmd},
		"intel":    {"threat intel: intel import [--dry-run] FILE...", intelCmd},
		"advisory": {"advisories: advisory import [--dry-run] FILE|DIR... | advisory pull --kind KIND [--dry-run] URL", advisoryCmd},
		"version":  {"print the version", version},

		"evidence": {"evidence vault: evidence verify [--key FILE] BUNDLE (offline)", evidenceCmd},
	}
}

// errUsage marks an error whose message is usage text (exit code 2).
var errUsage = errors.New("usage")

// Run runs khien with args (without the program name) and returns the exit code.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		return 2
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "khien: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	if err := c.run(e, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 2
		}
		fmt.Fprintf(stderr, "khien %s: %v\n", args[0], err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: khien COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'khien COMMAND -h' for a command's flags.")
}

// flags makes a flag set for a command with the shared configuration flags.
func flags(e env, name string) (*flag.FlagSet, func() (config.Config, error)) {
	fs := flag.NewFlagSet("khien "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs, config.Flags(fs, e.getenv)
}

// parse parses args and builds the config.
func parse(fs *flag.FlagSet, build func() (config.Config, error), args []string) (config.Config, error) {
	if err := fs.Parse(args); err != nil {
		return config.Config{}, err
	}
	if fs.NArg() > 0 {
		return config.Config{}, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return build()
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openAdmin opens the app for an administrative command: SQL only, quiet logs.
func openAdmin(e env, cfg config.Config) (*app.App, error) {
	cfg.LogLevel = "warn"
	return app.Open(e.ctx, cfg, app.Options{Logger: newLogger(cfg, e.stderr), WithoutBus: true})
}

func migrate(e env, args []string) error {
	fs, build := flags(e, "migrate")
	cfg, err := parse(fs, build, args)
	if err != nil {
		return err
	}
	a, err := openAdmin(e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.DB.Version(e.ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "database %s at schema version %d\n", a.DB.Engine(), v)
	return nil
}

func version(e env, args []string) error {
	v := Version
	if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v += "+" + s.Value[:min(12, len(s.Value))]
			}
		}
		v += " " + bi.GoVersion
	}
	fmt.Fprintln(e.stdout, "khien", strings.TrimSpace(v))
	return nil
}

// sub dispatches "NOUN VERB": only the verbs given exist.
func sub(e env, noun string, args []string, verbs map[string]func(env, []string) error) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: khien %s %s", errUsage, noun, verbNames(verbs))
	}
	f, ok := verbs[args[0]]
	if !ok {
		return fmt.Errorf("%w: unknown %s command %q; want %s", errUsage, noun, args[0], verbNames(verbs))
	}
	return f(e, args[1:])
}

func verbNames(verbs map[string]func(env, []string) error) string {
	var ns []string
	for n := range verbs {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return strings.Join(ns, "|")
}
