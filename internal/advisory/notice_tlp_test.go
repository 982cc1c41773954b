package advisory

import (
	"fmt"

	"github.com/khien-cert/khien/internal/notify"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/tlp"
)

// Neither the digest nor an escalation notice carries the title of an
// advisory above AMBER; both still carry a link. Up to AMBER they do.
func TestNoticesWithholdRestrictedTitles(t *testing.T) {
	const en, vi = "Secret nginx exploit chain", "Chuỗi khai thác bí mật nginx"
	due := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, level := range []tlp.Level{tlp.Clear, tlp.Green, tlp.Amber, tlp.AmberStrict, tlp.Red, 0} {
		it := ActionItem{ID: "i1", OrgID: "o1", OrgName: "Org", SystemName: "Portal", AdvisoryTitle: en, AdvisoryTitleVI: vi,
			AdvisoryTLP: level, Severity: SeverityHigh, DueAt: due, EscalationLevel: 2}
		restricted := !level.Valid() || level > tlp.Amber
		for name, n := range map[string]struct {
			text map[string]string
			link string
		}{
			"digest":    noticeText(Digest("o1", []ActionItem{it})),
			"escalated": noticeText(Escalated(it, "parent")),
		} {
			if n.link == "" {
				t.Errorf("%s %s: no link", name, level)
			}
			for lang, s := range n.text {
				has := strings.Contains(s, en) || strings.Contains(s, vi)
				if restricted && has {
					t.Errorf("%s %s (%s) carries the title:\n%s", name, level, lang, s)
				}
				if !restricted && !has {
					t.Errorf("%s %s (%s) lost the title:\n%s", name, level, lang, s)
				}
			}
		}
	}
}

func noticeText(n notify.Notice) (out struct {
	text map[string]string
	link string
}) {
	out.text, out.link = map[string]string{}, n.Link
	for lang, t := range n.Text {
		out.text[lang] = t.Subject + "\n" + t.Body + "\n" + fmt.Sprint(n.Data)
	}
	return out
}
