package evidence

import (
	"context"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/page"
)

// MyCase is a case the viewer is assigned to, as their case list shows it.
type MyCase struct {
	Case
	Role       CaseRole  `json:"role"`        // the viewer's role in the case
	AssignedAt time.Time `json:"assigned_at"` // when they were assigned
	Items      int       `json:"items"`       // live items they may see
	Held       int       `json:"held"`        // of which they are the custodian
}

// MyCaseSort are the fields the case list sorts by; the default is the
// newest assignment first.
var MyCaseSort = []string{"assigned_at", "created_at", "reference"}

// MyCases lists the cases p is assigned to in a viewing role, within p's
// organisation scope for evidence:read, a page at a time. Item counts
// respect p's TLP clearance like every other read.
func (s *Service) MyCases(ctx context.Context, p auth.Principal, pr page.Request) (page.Result[MyCase], error) {
	v, err := viewer(p, auth.PermEvidenceRead)
	if err != nil {
		return page.Result[MyCase]{}, err
	}
	if pr.Sort == "" {
		pr.Sort, pr.Desc = MyCaseSort[0], true
	}
	if pr, err = pr.Normalize(MyCaseSort); err != nil {
		return page.Result[MyCase]{}, err
	}
	return s.store.ListMyCases(ctx, v, pr)
}
