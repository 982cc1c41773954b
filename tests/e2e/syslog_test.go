package e2e

import (
	"fmt"
	"net"
	"testing"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/store/storetest"
)

// TestSyslogToAlert sends CEF over syslog with octet-counting framing from a
// registered source address and expects an alert; a bad frame in between is
// rejected alone.
func TestSyslogToAlert(t *testing.T) {
	s := start(t, storetest.Engines(t)[0])
	if _, _, err := s.app.Ingest.Register(t.Context(), auth.System(), ingest.Sensor{OrgID: s.sensorOrg.ID,
		Name: "firewall", Kind: ingest.KindSyslog, SourceCIDR: "127.0.0.1/32"}); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", s.app.SyslogAddr())
	if err != nil {
		t.Fatal(err)
	}
	msgs := []string{
		`<134>1 2026-11-21T08:00:00.000+07:00 fw01 CEF - - - CEF:0|Vendor|FW|1.0|100|Blocked connection|5|src=198.51.100.23 dst=203.0.113.66 spt=51000 dpt=443 proto=TCP`,
		`<9999>not syslog`,
		`<134>Nov 21 08:00:01 fw01 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.23 DST=203.0.113.66 PROTO=TCP SPT=51001 DPT=443`,
	}
	for _, m := range msgs {
		fmt.Fprintf(c, "%d %s", len(m), m)
	}
	c.Close()
	a := s.waitAlert(t, "203.0.113.66", 2)
	if a.Count != 2 {
		t.Errorf("alert count = %d, want 2 (the bad frame rejected alone)", a.Count)
	}
}
