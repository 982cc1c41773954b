package incident

import "testing"

// An internal note never goes to the organisation (its webhooks or people).
func TestInternalNoteStaysInternal(t *testing.T) {
	inc := Incident{ID: "i", Reference: "KH-2026-000001", OrgID: "org", ReporterID: "reporter", OwnerID: "owner"}
	n := noticeNote(inc, Entry{Visibility: Internal, Body: "x", Actor: "a"}, "someone")
	if n.OrgID != "" || len(n.Users) != 1 || n.Users[0] != "owner" {
		t.Fatalf("internal note notice %+v", n)
	}
	n = noticeNote(inc, Entry{Visibility: Shared, Body: "x", Actor: "a"}, "owner")
	if n.OrgID != "org" || len(n.Users) != 1 || n.Users[0] != "reporter" {
		t.Fatalf("shared note notice %+v", n)
	}
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, b := range BreachNotices(Breach{Reference: "KH-2026-000001", OrgID: "org", OwnerID: "owner", Clock: "triage"}) {
		if err := b.Validate(); err != nil || b.Ref != "KH-2026-000001" || len(b.Contacts) != 2 {
			t.Fatalf("breach notice %+v: %v", b, err)
		}
	}
}
