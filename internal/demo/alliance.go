package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// responderSeed is a demo responder: a user of a member company and their
// profile. Schedules are in Việt Nam time.
type responderSeed struct {
	email, name, member string
	skills              []string
	province            string
	weekly              []string
	capacity            int
	clearance           tlp.Level
	certs               []alliance.Certification
	conflicts           []string // organisation slugs
}

var responderSeeds = []responderSeed{
	{email: "responder@security.example", name: "Trần Minh Khoa", member: "demo-security", province: "Hà Nội",
		skills: []string{"incident-management", "forensics", "web"}, weekly: allWeek(), capacity: 3, clearance: tlp.Amber,
		certs: []alliance.Certification{{Name: "GCIH", Issuer: "GIAC", Expires: time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)}}},
	{email: "forensics@security.example", name: "Lê Thu Hà", member: "demo-security", province: "Hà Nội",
		skills: []string{"forensics", "memory-forensics", "malware-analysis", "reverse-engineering"}, capacity: 2, clearance: tlp.AmberStrict,
		weekly: []string{"Mon 08:00-17:30", "Tue 08:00-17:30", "Wed 08:00-17:30", "Thu 08:00-17:30", "Fri 08:00-17:30"},
		certs:  []alliance.Certification{{Name: "GCFA", Issuer: "GIAC"}, {Name: "GREM", Issuer: "GIAC", Expires: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}}},
	{email: "soc@ir-hcm.example", name: "Nguyễn Hoàng Nam", member: "demo-ir-hcm", province: "Hồ Chí Minh",
		skills: []string{"network", "cloud", "threat-hunting", "ransomware-negotiation"}, weekly: allWeek(), capacity: 2, clearance: tlp.Amber},
	{email: "ot@ir-hcm.example", name: "Phạm Quốc Bảo", member: "demo-ir-hcm", province: "Đà Nẵng",
		skills: []string{"ot-ics", "network", "incident-management"}, capacity: 1, clearance: tlp.Amber, conflicts: []string{"demo-bank"},
		weekly: []string{"Sat 00:00-24:00", "Sun 00:00-24:00", "Mon 18:00-24:00", "Tue 18:00-24:00", "Wed 18:00-24:00", "Thu 18:00-24:00", "Fri 18:00-24:00"}},
}

func allWeek() []string {
	return []string{"Sun 00:00-24:00", "Mon 00:00-24:00", "Tue 00:00-24:00", "Wed 00:00-24:00", "Thu 00:00-24:00", "Fri 00:00-24:00", "Sat 00:00-24:00"}
}

// seedAlliance adds a second member company, registers the demo responders
// and mobilises one of them on the phishing incident in progress, who
// accepts.
func seedAlliance(ctx context.Context, d Deps, ids, users map[string]string) error {
	if d.Alliance == nil {
		return nil
	}
	sys := auth.System()
	hcm, err := d.Org.CreateOrg(ctx, sys, org.Org{Slug: "demo-ir-hcm", Name: "Công ty Ứng cứu sự cố Demo (TP.HCM)",
		Kind: org.KindAllianceMember, Sector: "ict", Province: "Hồ Chí Minh"})
	if err != nil {
		return fmt.Errorf("demo member: %w", err)
	}
	ids[hcm.Slug] = hcm.ID
	for _, r := range responderSeeds {
		uid := users[r.email]
		if uid == "" {
			u, err := d.Auth.CreateUser(ctx, sys, auth.NewUser{Email: r.email, Name: r.name, Role: auth.RoleResponder,
				Password: Password, Orgs: []string{ids[r.member]}})
			if err != nil {
				return fmt.Errorf("demo responder %s: %w", r.email, err)
			}
			uid, users[r.email] = u.ID, u.ID
		}
		p := alliance.Profile{UserID: uid, OrgID: ids[r.member], Skills: r.skills, Clearance: r.clearance,
			Languages: []string{"vi", "en"}, Province: r.province, Capacity: r.capacity, Active: true,
			Certifications: r.certs}
		for _, c := range r.conflicts {
			p.Conflicts = append(p.Conflicts, ids[c])
		}
		for _, w := range r.weekly {
			s, err := alliance.ParseSlot(w)
			if err != nil {
				return fmt.Errorf("demo slot %q: %w", w, err)
			}
			p.Availability.Weekly = append(p.Availability.Weekly, s)
		}
		if _, err := d.Alliance.SaveProfile(ctx, sys, p); err != nil {
			return fmt.Errorf("demo profile %s: %w", r.email, err)
		}
	}
	return seedMobilisation(ctx, d, ids, users)
}

// seedMobilisation asks for a forensics responder on the bank's phishing
// incident; the demo responder accepts, so they see that incident.
func seedMobilisation(ctx context.Context, d Deps, ids, users map[string]string) error {
	if d.Incidents == nil {
		return nil
	}
	coord := auth.Principal{UserID: users["coordinator@khien.example"], Email: "coordinator@khien.example", Role: auth.RoleCoordinator}
	res, err := d.Incidents.List(ctx, coord, incident.Filter{OrgID: ids["demo-bank"], State: incident.StateInProgress}, page.Request{Limit: 1})
	if err != nil || len(res.Items) == 0 {
		return err
	}
	inc := res.Items[0]
	req, err := d.Alliance.CreateRequest(ctx, coord, alliance.NewRequest{IncidentID: inc.ID, Skills: []string{"forensics", "web"},
		Count: 2, Deadline: time.Now().Add(24 * time.Hour), Note: "Phân tích trang giả mạo và nhật ký máy chủ."})
	if err != nil {
		return fmt.Errorf("demo mobilisation: %w", err)
	}
	responder := users["responder@security.example"]
	req, err = d.Alliance.Ask(ctx, coord, req.ID, []string{responder, users["forensics@security.example"]})
	if err != nil {
		return fmt.Errorf("demo ask: %w", err)
	}
	for _, a := range req.Asks {
		if a.UserID == responder {
			p := auth.Principal{UserID: responder, Email: "responder@security.example", Role: auth.RoleResponder, Orgs: []string{ids["demo-security"]}}
			if _, err := d.Alliance.Answer(ctx, p, a.ID, true, "Sẵn sàng hỗ trợ."); err != nil {
				return fmt.Errorf("demo accept: %w", err)
			}
		}
	}
	return nil
}
