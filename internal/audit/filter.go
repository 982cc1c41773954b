package audit

import (
	"time"

	"github.com/khien-cert/khien/internal/errs"
)

// Filter narrows a listing of the audit trail. Empty strings and zero times
// match everything; the fields that are set must all match. The listing is
// always further limited to the caller's scope.
type Filter struct {
	ActorID    string
	Action     string // exact, e.g. "org.create"
	TargetType string
	TargetID   string
	OrgID      string
	From       time.Time // entries at or after From
	To         time.Time // entries strictly before To
}

// Validate refuses a time window that ends before it starts.
func (f Filter) Validate() error {
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return errs.Invalid("audit.bad_window", "the time window ends before it starts",
			errs.Field("to", "audit.to_before_from", "to must not be before from"))
	}
	return nil
}
