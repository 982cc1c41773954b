package e2e

import (
	"bytes"
	"testing"

	"github.com/khien-cert/khien/internal/sigma"
	"github.com/khien-cert/khien/internal/store/storetest"
)

// TestSigmaRuleSeesFields checks that a Sigma rule on a source field the
// event model does not name (flow_id) still matches: the stream carries
// events without Fields, so with rules loaded detection must decode the raw
// records again.
func TestSigmaRuleSeesFields(t *testing.T) {
	e := storetest.Engines(t)[0]
	s := start(t, e)
	r, err := sigma.ParseRule([]byte(`title: Flow of interest
id: 6f1c2b7e-3d1e-4f55-9a55-2b0c6a1e7c01
status: test
level: high
logsource:
  product: suricata
detection:
  sel:
    flow_id: 1880000000000007
  condition: sel
`))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := sigma.NewRuleSet(r)
	if err != nil {
		t.Fatal(err)
	}
	s.app.Engine.SetRules(rs)
	var batch bytes.Buffer
	for i := range 10 {
		batch.WriteString(eve(i, "192.0.2.10") + "\n")
	}
	if resp, body := s.post(t, batch.Bytes(), false); resp.StatusCode != 200 {
		t.Fatalf("ingest answered %d: %s", resp.StatusCode, body)
	}
	if a := s.waitAlert(t, "1880000000000007", 1); a.RuleID != r.ID {
		t.Errorf("alert = %+v, want one of rule %s", a, r.ID)
	}
}
