package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

// binary builds khien once for the tests that run it as a process.
func binary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "khien")
	out, err := exec.Command("go", "build", "-o", bin, "../../cmd/khien").CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// prepare sets up an organisation, a sensor and an indicator in a data
// directory, with the server not running; it returns the sensor's ID and token.
func prepare(t *testing.T, dir, dsn string) (string, string) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.Database = dir, dsn
	a, err := app.Open(t.Context(), cfg, app.Options{WithoutBus: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, sys := t.Context(), auth.System()
	o := must(a.Org.CreateOrg(ctx, sys, org.Org{Slug: "bank", Name: "Bank", Kind: org.KindEnterprise}))
	sn, token, err := a.Ingest.Register(ctx, sys, ingest.Sensor{OrgID: o.ID, Name: "s", Kind: ingest.KindSuricata})
	if err != nil {
		t.Fatal(err)
	}
	f := must(a.Intel.CreateFeed(ctx, sys, intel.Feed{Name: "c2", Format: intel.FormatList, TLP: tlp.Green, Confidence: 90}))
	must(a.Intel.Import(ctx, sys, f.ID, "c2.txt", strings.NewReader("203.0.113.66\n"), false))
	return sn.ID, token
}

// proc is a khien serve process.
type proc struct {
	cmd *exec.Cmd
	url string
}

func serve(t *testing.T, bin, dir, dsn string) *proc {
	t.Helper()
	addr := freePort(t)
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data-dir", dir, "--database", dsn, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, url: "http://" + addr}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("server not ready within 30s")
	return nil
}

func (p *proc) kill9() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

// TestKill9DuringIngest sends batches of events that all carry an indicator,
// kills the server with SIGKILL at random moments several times, restarts
// it, and checks every acknowledged event became part of the alert exactly
// once.
func TestKill9DuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := binary(t)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			dir, dsn := t.TempDir(), e.DSN(t)
			sensorID, token := prepare(t, dir, dsn)
			rng := rand.New(rand.NewPCG(7, 11))
			acked := map[string]bool{} // event IDs of acknowledged batches
			seq := 0
			for round := range 4 {
				p := serve(t, bin, dir, dsn)
				stop := time.Now().Add(time.Duration(100+rng.IntN(400)) * time.Millisecond)
				for time.Now().Before(stop) {
					batch, ids := killBatch(sensorID, &seq, 100)
					if post(p.url, token, batch) {
						for _, id := range ids {
							acked[id] = true
						}
					}
				}
				// Kill while a batch is in flight.
				batch, _ := killBatch(sensorID, &seq, 100)
				go post(p.url, token, batch)
				time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
				p.kill9()
				t.Logf("round %d: %d events acknowledged so far", round, len(acked))
			}
			p := serve(t, bin, dir, dsn)
			defer p.kill9()
			counted := waitDrained(t, e.Name, dsn, acked)
			t.Logf("%d acknowledged, %d counted (the rest were stored before a kill cut the answer)", len(acked), len(counted))
		})
	}
}

// killBatch makes n distinct EVE events carrying the indicator.
func killBatch(sensorID string, seq *int, n int) ([]byte, []string) {
	var b bytes.Buffer
	ids := make([]string, 0, n)
	for range n {
		*seq++
		line := eve(*seq, "203.0.113.66")
		b.WriteString(line + "\n")
		ids = append(ids, event.NewID(sensorID, []byte(line)))
	}
	return b.Bytes(), ids
}

// post sends a batch and reports whether it was acknowledged.
func post(url, token string, body []byte) bool {
	req, _ := http.NewRequest("POST", url+"/ingest/v1/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// waitDrained waits until every acknowledged event was counted into an
// alert (a message delivered but not acknowledged when a process died is
// re-delivered after the consumer's ack wait, so this can take half a
// minute), then returns the counted event IDs, checking that the alerts'
// counts equal them: no event counted twice.
func waitDrained(t *testing.T, engine, dsn string, acked map[string]bool) map[string]bool {
	t.Helper()
	driver := "pgx"
	if engine == "sqlite" {
		driver, dsn = "sqlite", "file:"+dsn+"?mode=ro"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	var counted map[string]bool
	for {
		counted = eventIDs(t, db)
		missing := 0
		for id := range acked {
			if !counted[id] {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("%d acknowledged events never reached their alert", missing)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var sum int
	if err := db.QueryRowContext(context.Background(), `SELECT COALESCE(SUM(count), 0) FROM alerts WHERE kind = 'indicator'`).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if sum != len(counted) {
		t.Errorf("alerts count %d events but %d distinct events were recorded: something was counted twice", sum, len(counted))
	}
	return counted
}

func eventIDs(t *testing.T, db *sql.DB) map[string]bool {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT event_id FROM alert_events`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out[id] = true
	}
	return out
}
