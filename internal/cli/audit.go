package cli

import (
	"fmt"

	"github.com/khien-cert/khien/internal/audit"
)

// auditVerify recomputes the audit trail's Merkle tree from the rows and
// checks every signed tree head. Exit status 1 names the first bad entry.
func auditVerify(e env, args []string) error {
	fs, build := flags(e, "audit verify")
	cfg, err := parse(fs, build, args)
	if err != nil {
		return err
	}
	a, err := openAdmin(e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := audit.Verify(e.ctx, a.DB.AuditSource(), a.Verifier)
	if err != nil {
		return err
	}
	if r.OK {
		fmt.Fprintf(e.stdout, "audit trail OK: %d entries, %d signed tree heads, root %s\n", r.Entries, r.Checkpoints, r.Root)
		return nil
	}
	fmt.Fprintf(e.stdout, "audit trail FAILED verification: %d entries; first bad entry: %d\n", r.Entries, r.FirstBad)
	for _, p := range r.Problems {
		fmt.Fprintf(e.stdout, "  entry %d: %s: %s\n", p.Index, p.Kind, p.Detail)
	}
	return fmt.Errorf("audit trail verification failed at entry %d", r.FirstBad)
}
