package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// seedIncidents reports a few incidents and moves them to different states:
// a new ransomware report with personal data (its clocks running), a
// phishing campaign in progress with tasks, a DDoS closed with its final
// report, and a rejected report.
func seedIncidents(ctx context.Context, d Deps, ids, users map[string]string) error {
	if d.Incidents == nil {
		return nil
	}
	who := func(email, orgSlug string, role auth.Role) auth.Principal {
		p := auth.Principal{UserID: users[email], Email: email, Role: role}
		if orgSlug != "" {
			p.Orgs = []string{ids[orgSlug]}
		}
		return p
	}
	coord := who("coordinator@khien.example", "", auth.RoleCoordinator)
	bank := who("ciso@bank.example", "demo-bank", auth.RoleConstituentAdmin)
	hospital := who("it@hospital.example", "demo-hospital", auth.RoleConstituentAdmin)
	system := func(orgSlug, name string) []string {
		res, err := d.Org.ListSystems(ctx, auth.System(), org.SystemFilter{OrgID: ids[orgSlug], Query: name}, page.Request{Limit: 5})
		if err != nil || len(res.Items) == 0 {
			return nil
		}
		return []string{res.Items[0].ID}
	}
	now := time.Now()
	report := func(p auth.Principal, r incident.Report) (incident.Incident, error) {
		inc, err := d.Incidents.Report(ctx, p, r)
		if err != nil {
			return inc, fmt.Errorf("demo incident %q: %w", r.Title, err)
		}
		return inc, nil
	}

	if _, err := report(hospital, incident.Report{OrgID: ids["demo-hospital"], Title: "Mã độc tống tiền trên máy chủ hồ sơ bệnh án",
		Description: "Các tệp hồ sơ bệnh án bị mã hoá, có thư đòi tiền chuộc. Máy chủ đã được ngắt mạng.",
		ContactName: "Tổ CNTT", ContactEmail: "it@hospital.example", DetectedAt: now.Add(-5 * time.Hour),
		Impact: incident.ImpactHigh, PersonalData: true, SystemIDs: system("demo-hospital", "bệnh án"),
		ActionsTaken: "Ngắt mạng máy chủ; giữ nguyên ổ đĩa.", Category: `ecsirt:malicious-code="ransomware"`,
		Indicators: []incident.Indicator{{Type: "hash", Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}}); err != nil {
		return err
	}

	phish, err := report(bank, incident.Report{OrgID: ids["demo-bank"], Title: "Chiến dịch lừa đảo giả mạo Internet banking",
		Description: "Khách hàng nhận tin nhắn dẫn tới trang giả mạo đăng nhập.", DetectedAt: now.Add(-26 * time.Hour),
		Impact: incident.ImpactMedium, SystemIDs: system("demo-bank", "Internet banking"),
		Indicators: []incident.Indicator{{Type: "domain", Value: "bank-login.example"}, {Type: "url", Value: "https://bank-login.example/dang-nhap"}}})
	if err != nil {
		return err
	}
	if _, err := d.Incidents.Triage(ctx, coord, phish.ID, incident.Triage{Category: "fraud/phishing",
		OwnerID: coord.UserID, TLP: "AMBER"}); err != nil {
		return fmt.Errorf("demo triage: %w", err)
	}
	if _, err := d.Incidents.AddTask(ctx, coord, phish.ID, incident.TaskInput{}, "phishing"); err != nil {
		return fmt.Errorf("demo tasks: %w", err)
	}
	if _, err := d.Incidents.Transition(ctx, coord, phish.ID, incident.StateInProgress, "Đã liên hệ nhà đăng ký tên miền."); err != nil {
		return fmt.Errorf("demo transition: %w", err)
	}
	if _, err := d.Incidents.AddNote(ctx, coord, phish.ID, "Tên miền đăng ký 2 ngày trước, cùng hạ tầng với chiến dịch tháng trước.", incident.Internal); err != nil {
		return err
	}

	ddos, err := report(coord, incident.Report{OrgID: ids["da-nang"], Title: "Tấn công từ chối dịch vụ vào Cổng dịch vụ công",
		Description: "Lưu lượng UDP bất thường làm cổng không truy cập được trong 40 phút.", DetectedAt: now.Add(-3 * time.Hour),
		Impact: incident.ImpactMedium, SystemIDs: system("da-nang", "Cổng dịch vụ công")})
	if err != nil {
		return err
	}
	if _, err := d.Incidents.Triage(ctx, coord, ddos.ID, incident.Triage{Category: "availability/ddos", OwnerID: coord.UserID}); err != nil {
		return err
	}
	for _, to := range []incident.State{incident.StateInProgress, incident.StateContained, incident.StateResolved, incident.StateClosed} {
		if _, err := d.Incidents.Transition(ctx, coord, ddos.ID, to, ""); err != nil {
			return fmt.Errorf("demo ddos → %s: %w", to, err)
		}
	}

	test, err := report(coord, incident.Report{OrgID: ids["bo-demo"], Title: "Quét cổng từ dải địa chỉ nội bộ",
		Description: "Cảnh báo quét cổng trên hệ thống thư điện tử.", DetectedAt: now.Add(-2 * time.Hour), Impact: incident.ImpactNone})
	if err != nil {
		return err
	}
	if _, err := d.Incidents.Reject(ctx, coord, test.ID, "Đây là đợt kiểm thử xâm nhập đã được phê duyệt."); err != nil {
		return err
	}
	return nil
}
