package store

import (
	"context"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/page"
)

// myCaseSort maps evidence.MyCaseSort to columns.
var myCaseSort = map[string]sortCol{
	"assigned_at": {"ca.assigned_at", colTime},
	"created_at":  {"c.created_at", colTime},
	"reference":   {"c.reference", colText},
}

func myCaseKey(m evidence.MyCase, sort string) (string, string) {
	switch sort {
	case "created_at":
		return timeKey(m.CreatedAt), m.ID
	case "reference":
		return m.Reference, m.ID
	}
	return timeKey(m.AssignedAt), m.ID
}

// ListMyCases lists the cases v is assigned to in a viewing role within
// its organisation scope, with the live items of each v may see (within
// its clearance) and how many of them v holds.
func (db *DB) ListMyCases(ctx context.Context, v evidence.Viewer, pr page.Request) (res page.Result[evidence.MyCase], err error) {
	defer errs.Wrap(&err, "store.ListMyCases")
	if v.UserID == "" || v.System {
		return page.Result[evidence.MyCase]{Items: []evidence.MyCase{}}, nil
	}
	var a args
	roles := make([]string, len(evidence.CaseRoles))
	for i, r := range evidence.CaseRoles {
		roles[i] = string(r)
	}
	levels := tlpAtMost(v.Clearance)
	if len(levels) == 0 {
		levels = []string{""}
	}
	live := string(evidence.StateHeld)
	seen := func() string {
		return `FROM evidence_items i WHERE i.case_id = c.id AND i.state = ` + a.add(live) + ` AND i.tlp IN ` + a.in(levels) +
			` AND ` + withinCeiling(&a, "ca.clearance", "i.tlp")
	}
	// A responder's "assignments" are its active incident memberships, and
	// a case is listed only when it shows the responder an item.
	from := `case_assignments`
	if v.Responder {
		from = `(SELECT incident_id AS case_id, user_id, '` + string(evidence.CaseResponder) +
			`' AS role, granted_at AS assigned_at FROM incident_members WHERE revoked_at IS NULL)`
		roles = []string{string(evidence.CaseResponder)}
		seen = func() string {
			return `FROM evidence_items i WHERE i.case_id = c.id AND ` + evidenceScope(&a, v, "i")
		}
	}
	counts := `(SELECT COUNT(*) ` + seen() + `), (SELECT COUNT(*) ` + seen() + ` AND i.holder_id = ` + a.add(v.UserID) + `)`
	where := `ca.user_id = ` + a.add(v.UserID) + ` AND ca.role IN ` + a.in(roles) + ` AND ` + a.scope("c.org_id", v.Orgs)
	if v.Responder {
		where += ` AND EXISTS (SELECT 1 ` + seen() + `)`
	}
	cond, order, err := a.keyset(myCaseSort, "c.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+caseCols+`, ca.role, ca.assigned_at, `+counts+
		` FROM evidence_cases c JOIN `+from+` ca ON ca.case_id = c.id WHERE `+where+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanMyCase)
	if err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(m evidence.MyCase) (string, string) { return myCaseKey(m, pr.Sort) }), nil
}

func scanMyCase(row scanner) (evidence.MyCase, error) {
	var m evidence.MyCase
	err := row.Scan(&m.ID, &m.OrgID, &m.Reference, &m.Title, &m.CreatedBy, &m.CreatedAt, &m.Role, &m.AssignedAt, &m.Items, &m.Held)
	m.CreatedAt, m.AssignedAt = m.CreatedAt.UTC(), m.AssignedAt.UTC()
	return m, err
}
