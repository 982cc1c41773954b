package incident

import (
	"slices"

	"github.com/khien-cert/khien/internal/notify"
)

type notifyNotice = notify.Notice

// Notice kinds incidents send. Each notice's Ref is the incident reference.
const (
	NoticeReported = "incident.reported"
	NoticeAssigned = "incident.assigned"
	NoticeState    = "incident.state"
	NoticeBreach   = "incident.breach"
	NoticeNote     = "incident.note"
)

// EscalationContacts are the contact roles of the affected organisation told
// of a breached clock (with the incident's owner).
var EscalationContacts = []string{"ciso", "duty-24x7"}

func link(inc Incident) string { return "/incidents/" + inc.ID }

func text(viS, viB, enS, enB string) map[string]notify.Text {
	return map[string]notify.Text{"vi": {Subject: viS, Body: viB}, "en": {Subject: enS, Body: enB}}
}

func users(ids ...string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func without(ids []string, id string) []string {
	return slices.DeleteFunc(ids, func(s string) bool { return s == id })
}

// noticesReported gives the reporter their receipt (with the reporting
// organisation's duty contact and webhooks) and tells the coordinating body's
// duty desk (its duty-24x7 contacts and national webhooks).
func noticesReported(inc Incident, coordOrg string) []notify.Notice {
	out := []notify.Notice{{
		Kind: NoticeReported, Ref: inc.Reference, OrgID: inc.OrgID, Users: users(inc.ReporterID),
		Contacts: []string{"duty-24x7"}, Link: link(inc),
		Text: text("Đã tiếp nhận sự cố: "+inc.Title,
			"Sự cố "+inc.Reference+" đã được tiếp nhận và đang chờ phân loại.",
			"Incident received: "+inc.Title,
			"Incident "+inc.Reference+" was received and awaits triage."),
		Data: map[string]any{"id": inc.ID, "state": inc.State, "proposed_severity": inc.ProposedSeverity},
	}}
	if coordOrg != "" && coordOrg != inc.OrgID {
		out = append(out, notify.Notice{Kind: NoticeReported, Ref: inc.Reference, OrgID: coordOrg,
			Contacts: []string{"duty-24x7"}, Link: link(inc),
			Text: text("Sự cố mới cần phân loại: "+inc.Title,
				"Sự cố "+inc.Reference+" của "+inc.OrgName+" vừa được báo cáo, mức đề xuất "+string(inc.ProposedSeverity)+".",
				"New incident to triage: "+inc.Title,
				"Incident "+inc.Reference+" of "+inc.OrgName+" was just reported, proposed "+string(inc.ProposedSeverity)+"."),
			Data: map[string]any{"id": inc.ID, "org_id": inc.OrgID, "proposed_severity": inc.ProposedSeverity}})
	}
	return out
}

func noticeAssigned(inc Incident) notify.Notice {
	// The owner is the coordinating body's business: no organisation webhook.
	return notify.Notice{Kind: NoticeAssigned, Ref: inc.Reference, Users: users(inc.OwnerID), Link: link(inc),
		Text: text("Bạn được giao xử lý sự cố: "+inc.Title, "Bạn là người phụ trách sự cố "+inc.Reference+".",
			"You own incident: "+inc.Title, "You are the owner of incident "+inc.Reference+"."),
		Data: map[string]any{"id": inc.ID, "owner_id": inc.OwnerID}}
}

func noticeTask(inc Incident, t Task) notify.Notice {
	return notify.Notice{Kind: NoticeAssigned, Ref: inc.Reference, OrgID: inc.OrgID, Users: users(t.AssigneeID), Link: link(inc),
		Text: text("Nhiệm vụ mới: "+t.Title, "Bạn được giao nhiệm vụ \""+t.Title+"\" của sự cố "+inc.Reference+".",
			"New task: "+t.Title, "You were given the task \""+t.Title+"\" of incident "+inc.Reference+"."),
		Data: map[string]any{"id": inc.ID, "task_id": t.ID}}
}

func noticeState(inc Incident, from State, actor string) notify.Notice {
	return notify.Notice{Kind: NoticeState, Ref: inc.Reference, OrgID: inc.OrgID,
		Users: without(users(inc.ReporterID, inc.OwnerID), actor), Link: link(inc),
		Text: text("Sự cố chuyển trạng thái: "+string(inc.State), "Sự cố "+inc.Reference+" chuyển từ "+string(from)+" sang "+string(inc.State)+".",
			"Incident is now "+string(inc.State), "Incident "+inc.Reference+" moved from "+string(from)+" to "+string(inc.State)+"."),
		Data: map[string]any{"id": inc.ID, "from": from, "to": inc.State}}
}

func noticeNote(inc Incident, e Entry, actor string) notify.Notice {
	// An internal note reaches the owner only, never the organisation's
	// webhooks or people.
	to, org := users(inc.OwnerID), ""
	if e.Visibility == Shared {
		to, org = users(inc.ReporterID, inc.OwnerID), inc.OrgID
	}
	return notify.Notice{Kind: NoticeNote, Ref: inc.Reference, OrgID: org, Users: without(to, actor), Link: link(inc),
		Text: text("Ghi chú mới về sự cố "+inc.Reference, e.Actor+":\n"+e.Body,
			"New note on incident "+inc.Reference, e.Actor+":\n"+e.Body),
		Data: map[string]any{"id": inc.ID, "entry_id": e.ID, "visibility": e.Visibility}}
}

// BreachNotices are what a breached clock tells: the affected organisation's
// escalation contacts and the incident's owner.
func BreachNotices(b Breach) []notify.Notice {
	return []notify.Notice{{Kind: NoticeBreach, Ref: b.Reference, OrgID: b.OrgID, Users: users(b.OwnerID),
		Contacts: EscalationContacts, Link: "/incidents/" + b.IncidentID,
		Text: text("Quá hạn "+b.Clock+": "+b.Title,
			"Thời hạn \""+b.Clock+"\" của sự cố "+b.Reference+" đã hết lúc "+b.DeadlineAt.In(Zone()).Format("02/01/2006 15:04")+" (giờ Việt Nam).",
			"Clock "+b.Clock+" breached: "+b.Title,
			"The "+b.Clock+" deadline of incident "+b.Reference+" passed at "+b.DeadlineAt.In(Zone()).Format("2006-01-02 15:04")+" (Asia/Ho_Chi_Minh)."),
		Data: map[string]any{"id": b.IncidentID, "clock": b.Clock, "deadline_at": b.DeadlineAt}}}
}
