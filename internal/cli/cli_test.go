package cli

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/store/storetest"
)

// run runs khien with args and returns the exit code, stdout and stderr.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(t.Context(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsage(t *testing.T) {
	if code, _, stderr := run(t, ""); code != 2 || !strings.Contains(stderr, "serve") {
		t.Fatalf("no args: code %d, stderr %q", code, stderr)
	}
	if code, _, stderr := run(t, "", "frobnicate"); code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Fatalf("unknown: code %d, stderr %q", code, stderr)
	}
	if code, out, _ := run(t, "", "version"); code != 0 || !strings.HasPrefix(out, "khien ") {
		t.Fatalf("version: code %d, out %q", code, out)
	}
}

// TestAdminCommandsAndAuditVerify scripts administration on each engine, then
// edits an audit row behind Khiên's back: verify must name that entry.
func TestAdminCommandsAndAuditVerify(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			dsn := e.DSN(t)
			base := []string{"--data-dir", dir, "--database", dsn}
			cmd := func(stdin string, args ...string) (int, string, string) {
				return run(t, stdin, append(args, base...)...)
			}
			if code, out, stderr := cmd("", "org", "add", "--slug", "bo-tai-chinh", "--name", "Bộ Tài chính", "--kind", "ministry"); code != 0 {
				t.Fatalf("org add: %d %s %s", code, out, stderr)
			}
			if code, _, stderr := cmd("", "org", "add", "--slug", "bo-tai-chinh", "--name", "again"); code != 1 || !strings.Contains(stderr, "slug") {
				t.Fatalf("duplicate org add: %d %s", code, stderr)
			}
			if code, _, stderr := cmd("correct horse battery staple\n", "user", "add", "--email", "ciso@example.vn",
				"--role", "constituent-admin", "--org", "bo-tai-chinh", "--password-stdin"); code != 0 {
				t.Fatalf("user add: %d %s", code, stderr)
			}
			if code, _, stderr := cmd("", "user", "add", "--email", "x@example.vn", "--role", "coordinator"); code != 2 || !strings.Contains(stderr, "password-stdin") {
				t.Fatalf("user add without --password-stdin: %d %s", code, stderr)
			}
			code, out, stderr := cmd("", "token", "add", "--user", "ciso@example.vn", "--name", "ci", "--expires", "90d")
			if code != 0 || !regexp.MustCompile(`(?m)^khn_[a-z2-7]+$`).MatchString(out) {
				t.Fatalf("token add: %d %q %s", code, out, stderr)
			}
			code, out, stderr = cmd("", "audit", "verify")
			if code != 0 || !strings.Contains(out, "audit trail OK") {
				t.Fatalf("audit verify on a clean log: %d %s %s", code, out, stderr)
			}
			tamper(t, e.Name, dsn, 1)
			code, out, _ = cmd("", "audit", "verify")
			if code != 1 || !strings.Contains(out, "first bad entry: 1") {
				t.Fatalf("audit verify after tampering: code %d, out %s", code, out)
			}
		})
	}
}

// tamper edits audit entry idx directly in the database.
func tamper(t *testing.T, engine, dsn string, idx int) {
	t.Helper()
	driver := "pgx"
	if engine == "sqlite" {
		driver, dsn = "sqlite", "file:"+dsn
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit_entries SET actor_label = 'mallory' WHERE idx = $1`, idx); err != nil {
		t.Fatal(err)
	}
}

// TestServeStartsAndStops runs `khien serve` on a free port with the
// embedded NATS server and demo data, checks health, readiness and metrics,
// and shuts it down by cancelling its context.
func TestServeStartsAndStops(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	outR, outW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var errb bytes.Buffer
		done <- Run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dir, "--demo"},
			func(string) string { return "" }, strings.NewReader(""), outW, &errb)
		outW.Close()
		if t.Failed() {
			t.Log(errb.String())
		}
	}()
	url := readURL(t, outR)
	for _, path := range []string{"healthz", "readyz", "metrics"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET /%s = %d", path, resp.StatusCode)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s of cancellation")
	}
	if _, err := os.Stat(filepath.Join(dir, "jetstream")); err != nil {
		t.Errorf("embedded JetStream store missing: %v", err)
	}
}

// readURL reads serve's output until the URL line and the demo log-in, and
// keeps draining the pipe in the background.
func readURL(t *testing.T, r io.Reader) string {
	t.Helper()
	lines := make(chan string)
	go func() {
		buf := make([]byte, 4096)
		var acc string
		for {
			n, err := r.Read(buf)
			acc += string(buf[:n])
			for {
				line, rest, ok := strings.Cut(acc, "\n")
				if !ok {
					break
				}
				acc = rest
				lines <- line
			}
			if err != nil {
				close(lines)
				return
			}
		}
	}()
	var url string
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("serve stopped before printing its URL")
			}
			if u, found := strings.CutPrefix(line, "Khiên is running at "); found {
				url = u
			}
			if strings.Contains(line, "Log in as admin@khien.example") {
				if url == "" {
					t.Fatal("log-in printed before URL")
				}
				go func() {
					for range lines {
					}
				}()
				return url
			}
		case <-timeout:
			t.Fatal("serve printed no URL and log-in within 60s")
		}
	}
}
