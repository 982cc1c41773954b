package cli

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/khien-cert/khien/internal/detect"
	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/intel/importer"
	"github.com/khien-cert/khien/internal/sigma"
	"github.com/khien-cert/khien/internal/telemetry"
)

// detectHit is one line of `khien detect` output.
type detectHit struct {
	File      string `json:"file"`
	Record    int    `json:"record"` // 1-based position in the file
	Kind      string `json:"kind"`   // "rule" or "indicator"
	RuleID    string `json:"rule_id,omitempty"`
	Title     string `json:"title,omitempty"`
	Indicator string `json:"indicator,omitempty"`
	Source    string `json:"source,omitempty"`
	Field     string `json:"field"`
	Value     string `json:"value"`
}

// detectCmd runs the server's detection engine over event files: any
// supported format, auto-detected per record. One JSON line per hit on
// stdout; unreadable records are reported on stderr.
func detectCmd(e env, args []string) error {
	fs := flag.NewFlagSet("khien detect", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	rules := fs.String("rules", "", "directory of Sigma rules (YAML)")
	var intelFiles multiFlag
	fs.Var(&intelFiles, "intel", "threat-intel document (list, CSV, STIX, MISP); repeatable")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 || (*rules == "" && len(intelFiles) == 0) {
		return fmt.Errorf("%w: khien detect [--rules DIR] [--intel FILE ...] EVENTS...", errUsage)
	}
	eng := detect.NewEngine(nil)
	if *rules != "" {
		rs, problems := sigma.LoadDir(os.DirFS(*rules), ".")
		for _, p := range problems {
			fmt.Fprintf(e.stderr, "rule skipped: %v\n", p)
		}
		eng.SetRules(rs)
		fmt.Fprintf(e.stderr, "%d rules loaded\n", rs.Len())
	}
	inds, err := readIntel(e, intelFiles)
	if err != nil {
		return err
	}
	ix, st := detect.Build(inds, time.Now())
	eng.SetIndicators(ix)
	if len(intelFiles) > 0 {
		fmt.Fprintf(e.stderr, "%d indicators indexed\n", st.Indexed)
	}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for _, name := range fs.Args() {
		if err := detectFile(e, eng, name, enc); err != nil {
			return err
		}
	}
	return nil
}

func readIntel(e env, files []string) ([]intel.Indicator, error) {
	var inds []intel.Indicator
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		res, err := importer.Read(intel.FormatAuto, name, f, intel.Indicator{Source: name})
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--intel %s: %w", name, describe(err))
		}
		inds = append(inds, res.Indicators...)
	}
	return inds, nil
}

func detectFile(e env, eng *detect.Engine, name string, enc *json.Encoder) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return telemetry.Split(f, 1<<20, func(pos int, raw []byte, err error) error {
		var ev event.Event
		if err == nil {
			ev, err = telemetry.Decode(telemetry.Detect(raw), raw)
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "%s:%d: %v\n", name, pos, describe(err))
			return nil
		}
		for _, h := range eng.Hits(&ev) {
			line := detectHit{File: name, Record: pos, Kind: string(h.Kind), RuleID: h.RuleID, Field: h.Field, Value: h.Value}
			if h.Kind == "rule" {
				line.Title = h.Title
			} else {
				line.Indicator = h.Indicator
				if len(h.Sources) > 0 {
					line.Source = h.Sources[0]
				}
			}
			if err := enc.Encode(line); err != nil {
				return err
			}
		}
		return nil
	})
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint([]string(*m)) }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }
