// Package demo loads a small, realistic constituency for trying Khiên out:
// a coordinating CERT, a ministry, two provinces, a bank, a hospital, an ISP
// and an alliance member company, with systems at several security levels,
// claimed internet resources (documentation prefixes, ASNs and reserved
// .example domains only), software inventory, and one user of each role.
//
// Seeding goes through the domain services as the system principal, so every
// record is validated and audited like any other. It is idempotent: when the
// coordinating organisation exists, nothing is done.
package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/tlp"
)

// Password is every demo user's password. Demo data is for trying Khiên
// out on a laptop, never for a deployment.
const Password = "khien-demo-2026"

// Account is a demo log-in.
type Account struct {
	Email string
	Role  auth.Role
	Org   string // slug, "" for national roles
}

// Accounts lists the demo users, administrator first.
var Accounts = []Account{
	{"admin@khien.example", auth.RoleAdministrator, ""},
	{"coordinator@khien.example", auth.RoleCoordinator, ""},
	{"ciso@bank.example", auth.RoleConstituentAdmin, "demo-bank"},
	{"analyst@bank.example", auth.RoleConstituentAnalyst, "demo-bank"},
	{"it@hospital.example", auth.RoleConstituentAdmin, "demo-hospital"},
	{"responder@security.example", auth.RoleResponder, "demo-security"},
	{"investigator@khien.example", auth.RoleInvestigator, ""},
	{"leader@khien.example", auth.RoleLeadership, ""},
}

// Deps are the services the seeder uses.
type Deps struct {
	Org    *org.Service
	Auth   *auth.Service
	Ingest *ingest.Service
	Intel  *intel.Service
	Notify *notify.Service // optional: webhooks
	// Optional: a case with an evidence item; bulletins and reports.
	Evidence *evidence.Service
	Portal   *portal.Service
	// Optional: a few incidents in different states.
	Incidents *incident.Service
	// Optional: alliance responders and a mobilisation.
	Alliance *alliance.Service
	// Optional: advisories, action items in several states, debt history.
	Advisory *advisory.Service
}

// Seeded data a person trying the demo needs once: the demo sensor's token.
type Result struct {
	SensorToken string // empty when the demo was loaded before
}

type orgSeed struct {
	org.Org
	parent string
}

var orgs = []orgSeed{
	{org.Org{Slug: "demo-cert", Name: "Trung tâm Ứng cứu sự cố (CERT demo)", Kind: org.KindCoordinator, Sector: "government", Coordinating: true}, ""},
	{org.Org{Slug: "bo-demo", Name: "Bộ Thông tin (demo)", Kind: org.KindMinistry, Sector: "government"}, ""},
	{org.Org{Slug: "da-nang", Name: "UBND thành phố Đà Nẵng", Kind: org.KindProvince, Sector: "government", Province: "Đà Nẵng"}, ""},
	{org.Org{Slug: "lao-cai", Name: "UBND tỉnh Lào Cai", Kind: org.KindProvince, Sector: "government", Province: "Lào Cai"}, ""},
	{org.Org{Slug: "demo-bank", Name: "Ngân hàng TMCP Demo", Kind: org.KindEnterprise, Sector: "finance", Province: "Hà Nội"}, ""},
	{org.Org{Slug: "demo-hospital", Name: "Bệnh viện Đa khoa Demo", Kind: org.KindAgency, Sector: "health", Province: "Đà Nẵng"}, "da-nang"},
	{org.Org{Slug: "demo-isp", Name: "Công ty Viễn thông Demo", Kind: org.KindISP, Sector: "telecom", Province: "Hồ Chí Minh"}, ""},
	{org.Org{Slug: "demo-security", Name: "Công ty An ninh mạng Demo", Kind: org.KindAllianceMember, Sector: "ict", Province: "Hà Nội"}, ""},
}

type systemSeed struct {
	org  string
	sys  org.System
	soft []org.Software
}

var systems = []systemSeed{
	{"demo-bank", org.System{Name: "Core banking", Level: 4, LevelBasis: "Hệ thống xử lý giao dịch tài chính quy mô quốc gia", PersonalData: true, InternetFacing: false},
		[]org.Software{{CPE: "cpe:2.3:a:oracle:database_server:19c:*:*:*:*:*:*:*"}, {CPE: "cpe:2.3:o:redhat:enterprise_linux:8.6:*:*:*:*:*:*:*"}}},
	{"demo-bank", org.System{Name: "Internet banking", Level: 4, LevelBasis: "Cung cấp dịch vụ trực tuyến cho khách hàng", PersonalData: true, InternetFacing: true},
		[]org.Software{{CPE: "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*"}, {PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"}, {PURL: "pkg:npm/express@4.18.2"}}},
	{"demo-hospital", org.System{Name: "Hồ sơ bệnh án điện tử", Level: 3, LevelBasis: "Xử lý dữ liệu cá nhân nhạy cảm", PersonalData: true},
		[]org.Software{{CPE: "cpe:2.3:a:microsoft:sql_server:2019:*:*:*:*:*:*:*"}, {CPE: "cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*"}}},
	{"demo-hospital", org.System{Name: "Cổng thông tin bệnh viện", Level: 2, InternetFacing: true},
		[]org.Software{{CPE: "cpe:2.3:a:wordpress:wordpress:6.4.2:*:*:*:*:*:*:*"}, {PURL: "pkg:composer/guzzlehttp/guzzle@7.8.0"}}},
	{"da-nang", org.System{Name: "Cổng dịch vụ công", Level: 3, InternetFacing: true, PersonalData: true},
		[]org.Software{{CPE: "cpe:2.3:a:nginx:nginx:1.24.0:*:*:*:*:*:*:*"}, {PURL: "pkg:pypi/django@4.2.7"}}},
	{"bo-demo", org.System{Name: "Hệ thống thư điện tử", Level: 2, InternetFacing: true},
		[]org.Software{{CPE: "cpe:2.3:a:zimbra:collaboration:8.8.15:*:*:*:*:*:*:*"}}},
	{"bo-demo", org.System{Name: "Cơ sở dữ liệu quốc gia (demo)", Level: 5, NationalDB: true, StateSecrets: true},
		[]org.Software{{CPE: "cpe:2.3:a:postgresql:postgresql:15.4:*:*:*:*:*:*:*"}}},
	{"demo-isp", org.System{Name: "Hệ thống DNS phân giải", Level: 4, InternetFacing: true},
		[]org.Software{{CPE: "cpe:2.3:a:isc:bind:9.18.19:*:*:*:*:*:*:*"}}},
}

type resourceSeed struct {
	org, typ, value string
	approve         bool
}

var resources = []resourceSeed{
	{"demo-isp", "cidr", "198.51.100.0/24", true},
	{"demo-isp", "asn", "AS64500", true},
	{"demo-isp", "cidr", "2001:db8::/32", true},
	{"demo-bank", "cidr", "198.51.100.128/25", true},
	{"demo-bank", "domain", "bank.example", true},
	{"demo-hospital", "cidr", "192.0.2.0/24", true},
	{"demo-hospital", "domain", "hospital.example", true},
	{"da-nang", "domain", "danang.example", true},
	{"da-nang", "cidr", "203.0.113.0/25", false},
	{"bo-demo", "domain", "bo-demo.example", false},
}

// Seeded reports whether demo data is present.
func Seeded(ctx context.Context, d Deps) (bool, error) {
	_, err := d.Org.GetOrg(ctx, auth.System(), orgs[0].Slug)
	if errs.Is(err, errs.KindNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Seed loads the demo data unless it is present.
func Seed(ctx context.Context, d Deps) (Result, error) {
	if ok, err := Seeded(ctx, d); ok || err != nil {
		return Result{}, err
	}
	sys := auth.System()
	ids := map[string]string{}
	for _, s := range orgs {
		o := s.Org
		o.ParentID = ids[s.parent]
		created, err := d.Org.CreateOrg(ctx, sys, o)
		if err != nil {
			return Result{}, fmt.Errorf("demo org %s: %w", o.Slug, err)
		}
		ids[o.Slug] = created.ID
	}
	if err := seedRegistry(ctx, d, sys, ids); err != nil {
		return Result{}, err
	}
	if err := seedNotify(ctx, d, sys, ids); err != nil {
		return Result{}, err
	}
	users := map[string]string{}
	for _, a := range Accounts {
		n := auth.NewUser{Email: a.Email, Role: a.Role, Password: Password, Name: roleName(a.Role)}
		if a.Org != "" {
			n.Orgs = []string{ids[a.Org]}
		}
		u, err := d.Auth.CreateUser(ctx, sys, n)
		if err != nil {
			return Result{}, fmt.Errorf("demo user %s: %w", a.Email, err)
		}
		users[a.Email] = u.ID
	}
	if err := seedEvidence(ctx, d, sys, ids, users); err != nil {
		return Result{}, err
	}
	if err := seedPortal(ctx, d, ids, users); err != nil {
		return Result{}, err
	}
	if err := seedIncidents(ctx, d, ids, users); err != nil {
		return Result{}, err
	}
	if err := seedAdvisories(ctx, d, users); err != nil {
		return Result{}, err
	}
	if err := seedAlliance(ctx, d, ids, users); err != nil {
		return Result{}, err
	}
	if err := seedSharedEvidence(ctx, d, sys, ids, users); err != nil {
		return Result{}, err
	}
	return seedMonitoring(ctx, d, sys, ids)
}

// seedMonitoring registers a sensor for the bank and a small indicator feed
// (documentation addresses and reserved .example names only).
func seedMonitoring(ctx context.Context, d Deps, sys auth.Principal, ids map[string]string) (Result, error) {
	_, token, err := d.Ingest.Register(ctx, sys, ingest.Sensor{OrgID: ids["demo-bank"], Name: "suricata-hq", Kind: ingest.KindSuricata})
	if err != nil {
		return Result{}, fmt.Errorf("demo sensor: %w", err)
	}
	f, err := d.Intel.CreateFeed(ctx, sys, intel.Feed{Name: "Demo C2 list", Format: intel.FormatList, TLP: tlp.Amber, Confidence: 85})
	if err != nil {
		return Result{}, fmt.Errorf("demo feed: %w", err)
	}
	list := "203.0.113.66\n203.0.113.67\nc2.evil.example\nhttp://phish.evil.example/login\n"
	if _, err := d.Intel.Import(ctx, sys, f.ID, "demo-c2.txt", strings.NewReader(list), false); err != nil {
		return Result{}, fmt.Errorf("demo indicators: %w", err)
	}
	return Result{SensorToken: token}, nil
}

func seedRegistry(ctx context.Context, d Deps, sys auth.Principal, ids map[string]string) error {
	for _, s := range systems {
		in := s.sys
		in.OrgID = ids[s.org]
		created, err := d.Org.CreateSystem(ctx, sys, in)
		if err != nil {
			return fmt.Errorf("demo system %s: %w", in.Name, err)
		}
		for _, w := range s.soft {
			w.SystemID = created.ID
			if _, err := d.Org.AddSoftware(ctx, sys, w); err != nil {
				return fmt.Errorf("demo software %s%s: %w", w.CPE, w.PURL, err)
			}
		}
	}
	for _, r := range resources {
		c, err := d.Org.ClaimResource(ctx, sys, org.Resource{OrgID: ids[r.org], Type: org.ResourceType(r.typ), Value: r.value})
		if err != nil {
			return fmt.Errorf("demo resource %s: %w", r.value, err)
		}
		if r.approve {
			if _, err := d.Org.DecideResource(ctx, sys, c.ID, org.Decision{Approve: true}); err != nil {
				return fmt.Errorf("demo approve %s: %w", r.value, err)
			}
		}
	}
	contacts := []org.Contact{
		{OrgID: ids["demo-bank"], Name: "Phòng An ninh thông tin", Role: org.ContactDuty, Email: "soc@bank.example", Phone: "+84 24 3000 0000"},
		{OrgID: ids["demo-bank"], Name: "Nguyễn Văn An", Role: org.ContactCISO, Email: "ciso@bank.example"},
		{OrgID: ids["demo-hospital"], Name: "Tổ CNTT", Role: org.ContactTechnical, Email: "it@hospital.example"},
		{OrgID: ids["demo-isp"], Name: "Abuse desk", Role: org.ContactAbuse, Email: "abuse@isp.example", Language: "en"},
	}
	for _, c := range contacts {
		if _, err := d.Org.CreateContact(ctx, sys, c); err != nil {
			return fmt.Errorf("demo contact %s: %w", c.Email, err)
		}
	}
	return nil
}

func roleName(r auth.Role) string {
	return map[auth.Role]string{
		auth.RoleAdministrator: "Quản trị viên", auth.RoleCoordinator: "Điều phối viên",
		auth.RoleConstituentAdmin: "Quản trị tổ chức", auth.RoleConstituentAnalyst: "Chuyên viên tổ chức",
		auth.RoleResponder: "Chuyên gia ứng cứu", auth.RoleInvestigator: "Điều tra viên", auth.RoleLeadership: "Lãnh đạo",
	}[r]
}
