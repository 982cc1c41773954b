package cli

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"

	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/demo"
	"github.com/khien-cert/khien/internal/page"
)

func serve(e env, args []string) error {
	fs, build := flags(e, "serve")
	cfg, err := parse(fs, build, args)
	if err != nil {
		return err
	}
	log := newLogger(cfg, e.stderr)
	log.Info("starting khien", "config", cfg.Redacted())
	a, err := app.Open(e.ctx, cfg, app.Options{Logger: log})
	if err != nil {
		return err
	}
	defer a.Close()
	firstLogin, err := prepare(e.ctx, a, cfg)
	if err != nil {
		return err
	}
	return a.Serve(e.ctx, func(addr string) {
		url := cfg.BaseURL
		if strings.HasSuffix(cfg.Listen, ":0") {
			url = "http://" + addr
		}
		fmt.Fprintf(e.stdout, "Khiên is running at %s/\n", url)
		fmt.Fprint(e.stdout, firstLogin)
	})
}

// prepare loads demo data when asked and makes sure someone can log in:
// on an empty database without --demo it creates the first administrator
// with a random password, shown once. It returns the log-in text to print.
func prepare(ctx context.Context, a *app.App, cfg config.Config) (string, error) {
	if cfg.Demo {
		res, err := demo.Seed(ctx, demo.Deps{Org: a.Org, Auth: a.Auth, Ingest: a.Ingest, Intel: a.Intel, Notify: a.Notify,
			Evidence: a.Evidence, Portal: a.Portal, Incidents: a.Incidents, Alliance: a.Alliance, Advisory: a.Advisory})
		if err != nil {
			return "", err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Demo data loaded. Log in as %s with password %s\n", demo.Accounts[0].Email, demo.Password)
		fmt.Fprintln(&b, "(administrators, coordinators and investigators enrol an authenticator app at first log-in)")
		fmt.Fprintln(&b, "Other demo accounts, same password:")
		for _, acc := range demo.Accounts[1:] {
			fmt.Fprintf(&b, "  %-30s %-20s %s\n", acc.Email, acc.Role, acc.Org)
		}
		if res.SensorToken != "" {
			fmt.Fprintf(&b, "Demo sensor token (shown once): %s\n", res.SensorToken)
			fmt.Fprintf(&b, "Try: echo '{\"timestamp\":\"2026-11-21T08:00:00+0700\",\"event_type\":\"flow\",\"src_ip\":\"198.51.100.130\",\"dest_ip\":\"203.0.113.66\",\"proto\":\"TCP\"}' | curl -sS -H 'Authorization: Bearer %s' --data-binary @- %s/ingest/v1/events\n",
				res.SensorToken, cfg.BaseURL)
		}
		return b.String(), nil
	}
	users, err := a.Auth.ListUsers(ctx, auth.System(), auth.UserFilter{}, page.Request{Limit: 1})
	if err != nil {
		return "", err
	}
	if len(users.Items) > 0 {
		return "", nil
	}
	password := randomPassword()
	u, err := a.Auth.CreateUser(ctx, auth.System(), auth.NewUser{
		Email: "admin@khien.local", Name: "Administrator", Role: auth.RoleAdministrator, Password: password,
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("First administrator created. Log in as %s with password %s\n(shown once; change it after log-in)\n",
		u.Email, password), nil
}

// randomPassword returns 26 base32 characters (130 bits) from crypto/rand.
func randomPassword() string { return rand.Text() }

// readSecret reads a password from stdin (first line, trailing newline removed).
func readSecret(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return "", err
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", fmt.Errorf("%w: no password on standard input", errUsage)
	}
	return s, nil
}
