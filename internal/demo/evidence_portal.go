package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
	"github.com/khien-cert/khien/internal/tlp"
)

// seedEvidence opens a case for the bank with the investigator and the
// coordinator on it, and adds one small log extract held by the
// investigator (on legal hold, as every new item).
func seedEvidence(ctx context.Context, d Deps, sys auth.Principal, ids, users map[string]string) error {
	if d.Evidence == nil {
		return nil
	}
	c, err := d.Evidence.OpenCase(ctx, sys, evidence.Case{ID: "VN-2026-0042", OrgID: ids["demo-bank"], Reference: "VN-2026-0042",
		Title: "Lừa đảo chuyển tiền qua trang giả mạo ngân hàng"})
	if err != nil {
		return fmt.Errorf("demo case: %w", err)
	}
	inv, coord := users["investigator@khien.example"], users["coordinator@khien.example"]
	if _, err := d.Evidence.Assign(ctx, sys, c.ID, inv, evidence.CaseInvestigator); err != nil {
		return fmt.Errorf("demo assignment: %w", err)
	}
	if _, err := d.Evidence.Assign(ctx, sys, c.ID, coord, evidence.CaseCoordinator); err != nil {
		return fmt.Errorf("demo assignment: %w", err)
	}
	p := auth.Principal{UserID: inv, Email: "investigator@khien.example", Role: auth.RoleInvestigator}
	log := strings.Join([]string{
		`2026-02-27T09:12:44+07:00 proxy-01 GET https://vietcombank-xacthuc.example/otp 200 src=10.20.30.41`,
		`2026-02-27T09:13:02+07:00 proxy-01 POST https://vietcombank-xacthuc.example/otp 302 src=10.20.30.41`,
	}, "\n") + "\n"
	_, err = d.Evidence.Add(ctx, p, c.ID, evidence.Metadata{Name: "proxy-01-2026-02-27.log",
		Description: "Nhật ký proxy của máy trạm kế toán khi truy cập trang giả mạo", SourceDevice: "proxy-01",
		SourceSystem: "Cổng Internet trụ sở", SourceLocation: "Trung tâm dữ liệu, Hà Nội", CollectedBy: "Nguyễn Văn An",
		CollectedAt: time.Now().Add(-72 * time.Hour), Method: "xuất nhật ký", Tool: "rsyslog", ToolVersion: "8.2312",
		LegalBasis: "Quyết định thu thập chứng cứ 17/2026/QĐ", TLP: tlp.Amber},
		evidence.Note{Reason: "nhận từ đội ứng cứu của ngân hàng"}, strings.NewReader(log))
	if err != nil {
		return fmt.Errorf("demo evidence: %w", err)
	}
	return nil
}

// seedPortal publishes two awareness bulletins and files two reports
// (reserved .example names and a documentation phone number range).
func seedPortal(ctx context.Context, d Deps, users map[string]string) error {
	if d.Portal == nil {
		return nil
	}
	coord := auth.Principal{UserID: users["coordinator@khien.example"], Email: "coordinator@khien.example", Role: auth.RoleCoordinator}
	now := time.Now()
	for _, b := range []portal.BulletinInput{
		{Category: "advice", TitleVI: "Ngân hàng không bao giờ hỏi mã OTP", TitleEN: "Banks never ask for your OTP",
			BodyVI:      "Không đọc mã OTP cho bất kỳ ai, kể cả người xưng là nhân viên ngân hàng.\n\nNếu đã lỡ cung cấp, hãy gọi ngay tổng đài ngân hàng để khóa tài khoản.",
			BodyEN:      "Never read an OTP code to anyone, even someone who says they work for your bank.\n\nIf you already did, call your bank at once to lock the account.",
			PublishedAt: now.Add(-72 * time.Hour)},
		{Category: "warning", TitleVI: "Cảnh báo tin nhắn giả mạo giao hàng", TitleEN: "Warning: fake parcel delivery messages",
			BodyVI:      "Nhiều tin nhắn báo \"giao hàng thất bại\" dẫn tới trang giả để lấy thông tin thẻ.\n\nHãy kiểm tra địa chỉ trang trên cổng Khiên trước khi nhập thông tin.",
			BodyEN:      "Many \"delivery failed\" messages lead to fake pages that steal card details.\n\nCheck the address on the Khiên portal before you type anything.",
			PublishedAt: now.Add(-24 * time.Hour)},
	} {
		if _, err := d.Portal.CreateBulletin(ctx, coord, b); err != nil {
			return fmt.Errorf("demo bulletin: %w", err)
		}
	}
	for _, r := range []portal.ReportInput{
		{Kind: canon.KindDomain, Value: "vietcombank-xacthuc.example", Category: "phishing", Description: "Trang giả yêu cầu nhập OTP"},
		{Kind: canon.KindPhone, Value: "0900 000 123", Category: "impersonation", Description: "Gọi tự xưng công an yêu cầu chuyển tiền"},
	} {
		if _, err := d.Portal.FileReport(ctx, coord, r); err != nil {
			return fmt.Errorf("demo report: %w", err)
		}
	}
	return nil
}
