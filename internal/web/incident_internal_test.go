package web

import (
	"log/slog"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/incident"
)

func testTranslator(t *testing.T, lang string) *translator {
	t.Helper()
	b, err := loadBundle()
	if err != nil {
		t.Fatal(err)
	}
	z, err := time.LoadLocation(DisplayZone)
	if err != nil {
		t.Fatal(err)
	}
	return newTranslator(b, lang, slog.New(slog.DiscardHandler), z)
}

// TestIncidentCategoryLabel: a category is named in the page's language, a
// class alone too, and anything outside the taxonomy is shown as given.
func TestIncidentCategoryLabel(t *testing.T) {
	tax := incident.RSIT()
	vi, en := testTranslator(t, "vi"), testTranslator(t, "en")
	tests := []struct {
		tr       *translator
		in, want string
	}{
		{vi, "abusive-content", "Nội dung lạm dụng"},
		{vi, "malicious-code/infected-system", "Mã độc / Hệ thống bị nhiễm mã độc"},
		{vi, "fraud/phishing", "Lừa đảo / Lừa đảo trực tuyến (phishing)"},
		{en, "fraud/phishing", "Fraud / Phishing"},
		{en, "intrusions/system-compromise", "Intrusions / System Compromise"},
		{vi, "", ""},
		{vi, "no-such/class", "no-such/class"},
		{vi, "fraud/no-such-type", "fraud/no-such-type"},
	}
	for _, tc := range tests {
		if got := incidentCategoryLabel(tc.tr, tax, tc.in); got != tc.want {
			t.Errorf("%s %q = %q, want %q", tc.tr.lang, tc.in, got, tc.want)
		}
	}
	// The English labels are the taxonomy's own names.
	for _, c := range tax.Categories() {
		if got := incidentCategoryLabel(en, tax, c); got != tax.Label(c) {
			t.Errorf("en %q = %q, want the RSIT name %q", c, got, tax.Label(c))
		}
	}
}

// TestIncidentEntryShown: the machine words the service writes into the
// timeline are shown in the page's language; free text is not touched.
func TestIncidentEntryShown(t *testing.T) {
	tax := incident.RSIT()
	vi := testTranslator(t, "vi")
	tests := []struct {
		e                 incident.Entry
		wantBody, wantWho string
	}{
		{incident.Entry{Kind: "triaged", Actor: "a@b.vn", ActorID: "u1", Body: "Malicious Code / Infected System · S3 · TLP:AMBER"},
			"Mã độc / Hệ thống bị nhiễm mã độc · S3 · TLP:AMBER", "a@b.vn"},
		{incident.Entry{Kind: "triaged", Actor: "a@b.vn", ActorID: "u1", Body: "whatever · S3"}, "whatever · S3", "a@b.vn"},
		{incident.Entry{Kind: "clock.breached", Actor: "system", Body: "triage"}, "Phân loại", "Hệ thống"},
		{incident.Entry{Kind: "clock.breached", Actor: "system", Body: "no_such_clock"}, "no_such_clock", "Hệ thống"},
		{incident.Entry{Kind: "task.updated", Actor: "x", ActorID: "u2", Body: "Cô lập máy (in_progress)"}, "Cô lập máy (Đang làm)", "x"},
		{incident.Entry{Kind: "task.updated", Actor: "x", ActorID: "u2", Body: "Máy (A) (bogus)"}, "Máy (A) (bogus)", "x"},
		{incident.Entry{Kind: "clocks.resumed", Actor: "x", ActorID: "u2", Body: (26*time.Hour + 5*time.Minute).String()}, "1 ngày 2 giờ", "x"},
		{incident.Entry{Kind: "note", Actor: "system", ActorID: "u3", Body: "triage (done)"}, "triage (done)", "system"},
	}
	for _, tc := range tests {
		got := incidentEntryShown(vi, tax, tc.e)
		if got.Body != tc.wantBody || got.Actor != tc.wantWho {
			t.Errorf("%s %q by %q: shown %q by %q, want %q by %q", tc.e.Kind, tc.e.Body, tc.e.Actor, got.Body, got.Actor, tc.wantBody, tc.wantWho)
		}
	}
}

// TestIncidentDuration writes durations with the language's units.
func TestIncidentDuration(t *testing.T) {
	vi, en := testTranslator(t, "vi"), testTranslator(t, "en")
	tests := []struct {
		tr   *translator
		d    time.Duration
		want string
	}{
		{vi, 3*time.Hour + 20*time.Minute, "3 giờ 20 phút"},
		{en, 3*time.Hour + 20*time.Minute, "3 h 20 min"},
		{vi, -(26 * time.Hour), "−1 ngày 2 giờ"},
		{en, 0, "0 min"},
	}
	for _, tc := range tests {
		if got := incidentDuration(tc.tr, tc.d); got != tc.want {
			t.Errorf("%s %v = %q, want %q", tc.tr.lang, tc.d, got, tc.want)
		}
	}
}

func TestIncidentPercent(t *testing.T) {
	vi, en := testTranslator(t, "vi"), testTranslator(t, "en")
	if got := incidentPercent(vi, 0.125); got != "12,5 %" {
		t.Errorf("vi = %q", got)
	}
	if got := incidentPercent(en, 0.125); got != "12.5 %" {
		t.Errorf("en = %q", got)
	}
}
