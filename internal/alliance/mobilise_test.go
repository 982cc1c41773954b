package alliance

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/tlp"
)

// TestAskDeadline answers asks on a fake clock around their deadline.
func TestAskDeadline(t *testing.T) {
	for _, tc := range []struct {
		name   string
		wait   time.Duration // before answering; the deadline is 1 h after asking
		accept bool
		load   int
		state  string
		code   string
	}{
		{name: "accept in time", wait: 59 * time.Minute, accept: true, state: AskAccepted},
		{name: "decline in time", wait: time.Minute, state: AskDeclined},
		{name: "at the deadline", wait: time.Hour, accept: true, state: AskPending, code: "alliance.deadline_passed"},
		{name: "after the deadline", wait: 3 * time.Hour, state: AskPending, code: "alliance.deadline_passed"},
		{name: "at capacity", wait: time.Minute, accept: true, load: 2, state: AskPending, code: "alliance.at_capacity"},
		{name: "declining at capacity", wait: time.Minute, load: 2, state: AskDeclined},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a := Ask{ID: "a1", State: AskPending, AskedAt: time.Now(), Deadline: time.Now().Add(time.Hour)}
				time.Sleep(tc.wait)
				err := a.Answer(tc.accept, "  busy ", tc.load, 2, time.Now())
				if codeOf(err) != tc.code {
					t.Fatalf("Answer = %v, want code %q", err, tc.code)
				}
				if a.State != tc.state {
					t.Errorf("state %s, want %s", a.State, tc.state)
				}
				if tc.code == "" && (!a.AnsweredAt.Equal(time.Now()) || a.Reason != "busy") {
					t.Errorf("answered at %v reason %q", a.AnsweredAt, a.Reason)
				}
				if tc.code == "alliance.deadline_passed" && a.StateAt(time.Now()) != AskExpired {
					t.Errorf("StateAt = %s, want expired", a.StateAt(time.Now()))
				}
			})
		})
	}
}

func TestAskTransitions(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	a := Ask{State: AskPending, Deadline: now.Add(time.Hour)}
	if err := a.Release("x", now); codeOf(err) != "alliance.not_accepted" {
		t.Fatalf("release pending = %v", err)
	}
	if err := a.Answer(true, "", 0, 1, now); err != nil {
		t.Fatal(err)
	}
	if err := a.Answer(false, "", 0, 1, now); codeOf(err) != "alliance.already_answered" {
		t.Fatalf("second answer = %v", err)
	}
	if err := a.Release("done", now.Add(time.Hour)); err != nil || a.State != AskReleased {
		t.Fatalf("release = %v, %s", err, a.State)
	}
	if err := a.Release("again", now); codeOf(err) != "alliance.not_accepted" {
		t.Fatalf("second release = %v", err)
	}
}

func TestNewRequestNormalize(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	ok := NewRequest{IncidentID: "i1", Skills: []string{"forensics", " forensics"}, Count: 2, Deadline: now.Add(4 * time.Hour)}
	if err := ok.Normalize(now); err != nil || len(ok.Skills) != 1 {
		t.Fatalf("Normalize = %v, skills %v", err, ok.Skills)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*NewRequest)
		field string
	}{
		{"no incident", func(n *NewRequest) { n.IncidentID = " " }, "incident_id"},
		{"unknown skill", func(n *NewRequest) { n.Skills = []string{"juggling"} }, "skills"},
		{"zero", func(n *NewRequest) { n.Count = 0 }, "count"},
		{"too many", func(n *NewRequest) { n.Count = MaxCount + 1 }, "count"},
		{"no deadline", func(n *NewRequest) { n.Deadline = time.Time{} }, "deadline"},
		{"deadline past", func(n *NewRequest) { n.Deadline = now.Add(-time.Hour) }, "deadline"},
		{"deadline far", func(n *NewRequest) { n.Deadline = now.Add(8 * 24 * time.Hour) }, "deadline"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := NewRequest{IncidentID: "i1", Count: 1, Deadline: now.Add(time.Hour)}
			tc.edit(&n)
			if err := n.Normalize(now); !hasField(err, tc.field) || !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("Normalize = %v, want a problem on %s", err, tc.field)
			}
		})
	}
}

func TestHoursCheck(t *testing.T) {
	// Accepted on Sunday 22 Nov 2026 at 23:30 in Hồ Chí Minh City (16:30 UTC).
	accepted := time.Date(2026, 11, 22, 16, 30, 0, 0, time.UTC)
	now := time.Date(2026, 11, 24, 18, 0, 0, 0, time.UTC) // Wednesday 01:00 local
	a := Ask{ID: "a", IncidentID: "i", UserID: "u", State: AskAccepted, AnsweredAt: accepted}
	for _, tc := range []struct {
		name    string
		h       NewHours
		state   string
		field   string
		code    string
		minutes int
	}{
		{name: "ok", h: NewHours{Date: "2026-11-23", Hours: 2.5, Note: " triage "}, minutes: 150},
		{name: "acceptance day (local)", h: NewHours{Date: "2026-11-22", Hours: 0.25}, minutes: 15},
		{name: "today local", h: NewHours{Date: "2026-11-25", Hours: 24}, minutes: 1440},
		{name: "after release", h: NewHours{Date: "2026-11-23", Hours: 1}, state: AskReleased, minutes: 60},
		{name: "tomorrow", h: NewHours{Date: "2026-11-26", Hours: 1}, field: "date"},
		{name: "before accepting", h: NewHours{Date: "2026-11-21", Hours: 1}, field: "date"},
		{name: "bad date", h: NewHours{Date: "23/11/2026", Hours: 1}, field: "date"},
		{name: "zero", h: NewHours{Date: "2026-11-23"}, field: "hours"},
		{name: "too many", h: NewHours{Date: "2026-11-23", Hours: 25}, field: "hours"},
		{name: "not quarters", h: NewHours{Date: "2026-11-23", Hours: 1.1}, field: "hours"},
		{name: "declined", h: NewHours{Date: "2026-11-23", Hours: 1}, state: AskDeclined, code: "alliance.not_accepted"},
		{name: "pending", h: NewHours{Date: "2026-11-23", Hours: 1}, state: AskPending, code: "alliance.not_accepted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := a
			if tc.state != "" {
				a.State = tc.state
			}
			got, err := tc.h.Check(a, now)
			switch {
			case tc.field != "":
				if !hasField(err, tc.field) {
					t.Fatalf("Check = %v, want a problem on %s", err, tc.field)
				}
			case tc.code != "":
				if codeOf(err) != tc.code {
					t.Fatalf("Check = %v, want %s", err, tc.code)
				}
			case err != nil:
				t.Fatal(err)
			case got.Minutes != tc.minutes || got.AskID != "a" || got.IncidentID != "i" || got.Date != tc.h.Date:
				t.Fatalf("Check = %+v", got)
			}
		})
	}
}

func TestRatingCheck(t *testing.T) {
	now := time.Now()
	open := Incident{State: "in_progress"}
	done := Incident{State: "resolved"}
	for _, tc := range []struct {
		name  string
		state string
		rated int
		inc   Incident
		score int
		code  string
		field string
	}{
		{name: "released", state: AskReleased, inc: open, score: 4},
		{name: "resolved incident", state: AskAccepted, inc: done, score: 5},
		{name: "still working", state: AskAccepted, inc: open, score: 4, code: "alliance.rate_too_early"},
		{name: "declined", state: AskDeclined, inc: done, score: 4, code: "alliance.not_accepted"},
		{name: "twice", state: AskReleased, rated: 3, inc: done, score: 4, code: "alliance.already_rated"},
		{name: "zero", state: AskReleased, inc: done, score: 0, field: "score"},
		{name: "six", state: AskReleased, inc: done, score: 6, field: "score"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Ask{ID: "a", UserID: "u", State: tc.state, Rating: tc.rated}
			r, err := NewRating{Score: tc.score, Comment: " good "}.Check(a, tc.inc, "coord", now)
			switch {
			case tc.code != "":
				if codeOf(err) != tc.code {
					t.Fatalf("Check = %v, want %s", err, tc.code)
				}
			case tc.field != "":
				if !hasField(err, tc.field) {
					t.Fatalf("Check = %v, want a problem on %s", err, tc.field)
				}
			case err != nil || r.Score != tc.score || r.Comment != "good" || r.RatedBy != "coord":
				t.Fatalf("Check = %+v, %v", r, err)
			}
		})
	}
}

func TestProfileNormalize(t *testing.T) {
	good := func() Profile {
		return Profile{UserID: "u", OrgID: "o", Skills: []string{"web", "forensics", "web"}, Clearance: tlp.Amber,
			Languages: []string{"vi", "en"}, Province: "tp. hồ chí minh", Capacity: 2,
			Certifications: []Certification{{Name: " GCFA ", Issuer: "GIAC"}}, Availability: Availability{Weekly: DefaultWeekly()}}
	}
	p := good()
	if err := p.Normalize(); err != nil {
		t.Fatal(err)
	}
	if p.Province != "Hồ Chí Minh" || len(p.Skills) != 2 || p.Skills[0] != "forensics" || p.Certifications[0].Name != "GCFA" {
		t.Errorf("normalised = %+v", p)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Profile)
		field string
	}{
		{"skill", func(p *Profile) { p.Skills = []string{"juggling"} }, "skills"},
		{"clearance", func(p *Profile) { p.Clearance = 0 }, "clearance"},
		{"language", func(p *Profile) { p.Languages = []string{"tlh"} }, "languages"},
		{"province", func(p *Profile) { p.Province = "Atlantis" }, "province"},
		{"capacity zero", func(p *Profile) { p.Capacity = 0 }, "capacity"},
		{"capacity big", func(p *Profile) { p.Capacity = MaxCapacity + 1 }, "capacity"},
		{"cert issuer", func(p *Profile) { p.Certifications[0].Issuer = "" }, "certifications[0].issuer"},
		{"schedule", func(p *Profile) { p.Availability.Weekly = []Slot{{Day: 1, Start: 10, End: 5}} }, "weekly[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := good()
			tc.edit(&p)
			if err := p.Normalize(); !hasField(err, tc.field) {
				t.Fatalf("Normalize = %v, want a problem on %s", err, tc.field)
			}
		})
	}
}

func TestRoster(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Saturday 07:00 local: a is on call, b only on weekdays.
		a := responder("a", func(p *Profile) { p.Name = "Zed" })
		b := responder("b", func(p *Profile) { p.Name = "Anh"; p.Availability = Availability{Weekly: DefaultWeekly()} })
		all := Roster([]Profile{b, a}, time.Now(), false)
		if len(all) != 2 || all[0].UserID != "a" || !all[0].OnCall || all[1].OnCall || all[1].NextOnCall.IsZero() {
			t.Fatalf("roster = %+v", all)
		}
		if now := Roster([]Profile{b, a}, time.Now(), true); len(now) != 1 || now[0].UserID != "a" {
			t.Fatalf("on call now = %+v", now)
		}
		time.Sleep(49*time.Hour + time.Minute) // Monday 08:01
		if now := Roster([]Profile{b, a}, time.Now(), true); len(now) != 2 || now[0].Name != "Anh" {
			t.Fatalf("Monday roster = %+v", now)
		}
	})
}
