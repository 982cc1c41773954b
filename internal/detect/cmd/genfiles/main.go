// Command genfiles writes the detection benchmark's data as files, for
// tools that work on files (make bench-detect times grep -F -f and rg -F -f
// on them): indicators.txt, one literal indicator value per line, the same
// set BenchmarkMatch1M matches against; events.ndjson, the raw EVE events,
// the first 65,536 of which are the ones the benchmarks use; and
// empty.ndjson, to time a tool's set-up alone.
//
//	go run ./internal/detect/cmd/genfiles -out /tmp/khien-bench-detect
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/khien-cert/khien/internal/detect/gen"
)

func main() {
	out := flag.String("out", "khien-bench-detect", "directory to write into")
	n := flag.Int("indicators", 1_000_000, "indicators to write")
	events := flag.Int("events", 1<<18, "events to write")
	seed := flag.Uint64("seed", 85, "generator seed (the benchmarks use 85)")
	hit := flag.Float64("hit", 0.01, "share of events that carry an indicator value")
	flag.Parse()
	if err := run(*out, *n, *events, *seed, *hit); err != nil {
		fmt.Fprintln(os.Stderr, "genfiles:", err)
		os.Exit(1)
	}
}

func run(dir string, n, events int, seed uint64, hit float64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "indicators.txt"))
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, ind := range gen.Indicators(n, seed) {
		w.WriteString(ind.Value)
		w.WriteByte('\n')
	}
	if err := flushClose(w, f); err != nil {
		return err
	}
	raw := gen.NDJSON(gen.Events(events, seed, hit))
	if err := os.WriteFile(filepath.Join(dir, "events.ndjson"), raw, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.ndjson"), nil, 0o644); err != nil {
		return err
	}
	fmt.Printf("genfiles: %d indicators, %d events (%d MiB) in %s\n", n, events, len(raw)>>20, dir)
	return nil
}

func flushClose(w *bufio.Writer, f *os.File) error {
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
