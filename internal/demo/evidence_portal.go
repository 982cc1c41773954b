package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/page"
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

// seedSharedEvidence opens the evidence case of the incident the demo
// responder was mobilised to (with the incident's ID, as the incident page
// does) and shares one item with its responders, so the responder's
// /evidence shows it.
func seedSharedEvidence(ctx context.Context, d Deps, sys auth.Principal, ids, users map[string]string) error {
	if d.Evidence == nil || d.Incidents == nil || users["responder@security.example"] == "" {
		return nil
	}
	rp := auth.Principal{UserID: users["responder@security.example"], Email: "responder@security.example", Role: auth.RoleResponder,
		Orgs: []string{ids["demo-security"]}}
	res, err := d.Incidents.List(ctx, rp, incident.Filter{}, page.Request{Limit: 1})
	if err != nil || len(res.Items) == 0 {
		return err
	}
	inc := res.Items[0]
	c, err := d.Evidence.OpenCase(ctx, sys, evidence.Case{ID: inc.ID, OrgID: inc.OrgID, Reference: inc.Reference, Title: inc.Title})
	if err != nil {
		return fmt.Errorf("demo incident case: %w", err)
	}
	inv := users["investigator@khien.example"]
	if _, err := d.Evidence.Assign(ctx, sys, c.ID, inv, evidence.CaseInvestigator); err != nil {
		return fmt.Errorf("demo assignment: %w", err)
	}
	p := auth.Principal{UserID: inv, Email: "investigator@khien.example", Role: auth.RoleInvestigator}
	it, err := d.Evidence.Add(ctx, p, c.ID, evidence.Metadata{Name: "web-01-access.log",
		Description: "Trích nhật ký truy cập máy chủ web trong khung giờ sự cố", SourceDevice: "web-01",
		SourceSystem: "Cổng thông tin", CollectedBy: "Nguyễn Văn An", CollectedAt: time.Now().Add(-6 * time.Hour),
		Method: "xuất nhật ký", Tool: "journalctl", LegalBasis: "Quyết định thu thập chứng cứ 18/2026/QĐ", TLP: tlp.Amber},
		evidence.Note{Reason: "thu thập khi ứng cứu"},
		strings.NewReader("2026-03-01T02:14:09+07:00 web-01 POST /wp-login.php 200 src=198.51.100.23\n"))
	if err != nil {
		return fmt.Errorf("demo incident evidence: %w", err)
	}
	if _, err := d.Evidence.Share(ctx, p, it.ID, true, evidence.Note{Reason: "đội ứng cứu cần nhật ký để phân tích"}); err != nil {
		return fmt.Errorf("demo share: %w", err)
	}
	return nil
}

// seedPortal publishes two awareness bulletins of the coordinating body and
// one, with a picture, of the alliance member, and files two reports
// (reserved .example names and a documentation phone number range).
func seedPortal(ctx context.Context, d Deps, ids, users map[string]string) error {
	if d.Portal == nil {
		return nil
	}
	coord := auth.Principal{UserID: users["coordinator@khien.example"], Email: "coordinator@khien.example", Role: auth.RoleCoordinator}
	now := time.Now()
	for _, b := range []portal.BulletinInput{
		{Category: "advice", TitleVI: "Ngân hàng không bao giờ hỏi mã OTP", TitleEN: "Banks never ask for your OTP",
			BodyVI:      "Không đọc mã OTP cho bất kỳ ai, kể cả người xưng là nhân viên ngân hàng.\n\nNếu đã lỡ cung cấp, hãy gọi ngay tổng đài ngân hàng để khóa tài khoản.",
			BodyEN:      "Never read an OTP code to anyone, even someone who says they work for your bank.\n\nIf you already did, call your bank at once to lock the account.",
			PublishedAt: now.Add(-72 * time.Hour), OrgID: ids["demo-cert"]},
		{Category: "warning", TitleVI: "Cảnh báo tin nhắn giả mạo giao hàng", TitleEN: "Warning: fake parcel delivery messages",
			BodyVI:      "Nhiều tin nhắn báo \"giao hàng thất bại\" dẫn tới trang giả để lấy thông tin thẻ.\n\nHãy kiểm tra địa chỉ trang trên cổng Khiên trước khi nhập thông tin.",
			BodyEN:      "Many \"delivery failed\" messages lead to fake pages that steal card details.\n\nCheck the address on the Khiên portal before you type anything.",
			PublishedAt: now.Add(-24 * time.Hour), OrgID: ids["demo-cert"]},
	} {
		if _, err := d.Portal.CreateBulletin(ctx, coord, b); err != nil {
			return fmt.Errorf("demo bulletin: %w", err)
		}
	}
	if err := seedMemberBulletin(ctx, d, ids, now); err != nil {
		return err
	}
	for _, r := range []portal.ReportInput{
		{Kind: canon.KindDomain, Value: "vietcombank-xacthuc.example", Category: "phishing", Description: "Trang giả yêu cầu nhập OTP"},
		{Kind: canon.KindPhone, Value: "0900 000 123", Category: "impersonation", Description: "Gọi tự xưng công an yêu cầu chuyển tiền"},
	} {
		if _, err := d.Portal.FileReport(ctx, coord, r); err != nil {
			return fmt.Errorf("demo report: %w", err)
		}
	}
	// The alliance member's expert reviews the queue as a trusted reviewer.
	if _, err := d.Portal.Designate(ctx, coord, "responder@security.example", "Chuyên gia phân tích lừa đảo của thành viên liên minh"); err != nil {
		return fmt.Errorf("demo trusted reviewer: %w", err)
	}
	return nil
}

// seedMemberBulletin publishes a bulletin of the demo alliance member, as
// its administrator would, with a small drawn picture.
func seedMemberBulletin(ctx context.Context, d Deps, ids map[string]string, now time.Time) error {
	member := auth.Principal{UserID: "demo-security-admin", Email: "admin@security.example", Role: auth.RoleConstituentAdmin,
		Orgs: []string{ids["demo-security"]}}
	pic, err := demoPicture()
	if err != nil {
		return err
	}
	_, err = d.Portal.CreateBulletin(ctx, member, portal.BulletinInput{Category: "warning", OrgID: ids["demo-security"],
		TitleVI: "Cảnh báo mã QR giả dán tại bãi đỗ xe", TitleEN: "Warning: fake QR codes stuck on parking meters",
		BodyVI: "Kẻ gian dán mã QR giả lên máy thu phí để dẫn tới trang thanh toán giả.\n\n" +
			"Chỉ thanh toán qua ứng dụng chính thức và kiểm tra địa chỉ trang trước khi nhập thông tin thẻ.",
		BodyEN: "Scammers stick fake QR codes on parking meters that lead to fake payment pages.\n\n" +
			"Pay only through the official app and check the page address before typing card details.",
		PublishedAt: now.Add(-6 * time.Hour),
		Images: []portal.BulletinImageInput{{Data: pic, AltVI: "Mã QR giả dán đè lên mã thật trên máy thu phí",
			AltEN: "A fake QR code stuck over the real one on a parking meter"}}})
	if err != nil {
		return fmt.Errorf("demo member bulletin: %w", err)
	}
	return nil
}

// demoPicture draws a small warning sign: a red triangle on white with a
// QR-like grid of squares.
func demoPicture() ([]byte, error) {
	const w, h = 240, 160
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	white, red, dark := color.RGBA{255, 255, 255, 255}, color.RGBA{200, 30, 30, 255}, color.RGBA{30, 30, 30, 255}
	for y := range h {
		for x := range w {
			c := white
			// The triangle: apex at (60,20), base from (10,140) to (110,140).
			if y >= 20 && y <= 140 && 2*abs(x-60) <= (y-20)*100/120 {
				c = red
			}
			// The grid: 8×8 cells of 12 px from (130,30), every other one dark.
			if cx, cy := (x-130)/12, (y-30)/12; x >= 130 && y >= 30 && cx < 8 && cy < 8 && (cx*3+cy*5+cx*cy)%2 == 0 {
				c = dark
			}
			m.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
