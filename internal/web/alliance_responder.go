package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/tlp"
)

// responderView is a responder's profile, the registration or edit form
// (alliance:manage) and the availability form (the responder themselves, or
// alliance:manage).
type responderView struct {
	Base
	Profile    alliance.Profile
	New        bool // no profile yet: the form registers one
	Own        bool
	CanManage  bool
	CanAvail   bool
	Edit       *Form
	Avail      *Form
	Members    []Option
	Skills     []Option
	Provinces  []Option
	Clearances []Option
	Languages  []Option
	Orgs       []Option // organisations a conflict may name
	Now        time.Time
}

var (
	profileFields = []string{"org_id", "skills", "clearance", "languages", "province", "capacity", "phone", "active",
		"conflicts", "certifications"}
	availFields = []string{"weekly", "unavailable"}
)

// allianceMe sends a responder to their own profile.
func (w *Web) allianceMe(rw http.ResponseWriter, r *http.Request, s *session) error {
	http.Redirect(rw, r, "/alliance/responders/"+url.PathEscape(s.P.UserID), http.StatusSeeOther)
	return nil
}

func (w *Web) responderShow(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderResponder(rw, r, s, nil, nil)
}

// renderResponder shows the page; nil forms are filled from the profile.
func (w *Web) renderResponder(rw http.ResponseWriter, r *http.Request, s *session, edit, avail *Form) error {
	ctx, p, id := r.Context(), s.P, r.PathValue("id")
	v := responderView{Base: w.newBase(rw, r, s, "alliance", "alliance.responder_title"), Own: p.UserID == id && id != "",
		CanManage: p.Can(auth.PermAllianceManage), Skills: skillOptions(), Provinces: provinceOptions(),
		Clearances: clearanceOptions(), Languages: languageOptions(), Now: w.now()}
	pr, err := w.alliance.Responder(ctx, p, id)
	switch {
	case err == nil:
	case errs.Is(err, errs.KindNotFound) && v.CanManage:
		// A responder user without a profile: the page registers them.
		un, uerr := w.alliance.Unregistered(ctx, p)
		if uerr != nil {
			return uerr
		}
		i := slicesIndex(un, id)
		if i < 0 {
			return err
		}
		pr, v.New = un[i], true
		pr.Clearance, pr.Capacity, pr.Active = tlp.Amber, 1, true
		pr.Availability = alliance.Availability{Weekly: alliance.DefaultWeekly()}
		if o := r.URL.Query().Get("org"); o != "" {
			pr.OrgID = o
		}
	default:
		return err
	}
	v.Profile, v.Title = pr, pr.Name
	if v.Title == "" {
		v.Title = pr.Email
	}
	v.CanAvail = !v.New && (v.Own || v.CanManage)
	if edit == nil {
		edit = profileForm(pr)
	}
	if avail == nil {
		avail = availForm(pr.Availability)
	}
	v.Edit, v.Avail = edit, avail
	if v.CanManage {
		if v.Members, err = w.memberOptions(ctx, p); err != nil {
			return err
		}
		all, err := w.orgs(ctx, p)
		if err != nil {
			return err
		}
		v.Orgs = all.Options(func(string) bool { return true })
	}
	return w.views.render(rw, r, max(edit.Status(), avail.Status()), "alliance_responder", &v)
}

func slicesIndex(ps []alliance.Profile, userID string) int {
	for i, p := range ps {
		if p.UserID == userID {
			return i
		}
	}
	return -1
}

// profileForm fills the edit form from a profile.
func profileForm(pr alliance.Profile) *Form {
	f := newForm(profileFields...)
	f.Set("org_id", pr.OrgID)
	f.Values["skills"] = pr.Skills
	f.Set("clearance", pr.Clearance.String())
	f.Values["languages"] = pr.Languages
	f.Set("province", pr.Province)
	f.Set("capacity", strconv.Itoa(pr.Capacity))
	f.Set("phone", pr.Phone)
	f.SetBool("active", pr.Active)
	f.Values["conflicts"] = pr.Conflicts
	var lines []string
	for _, c := range pr.Certifications {
		l := c.Name + " | " + c.Issuer
		if !c.Expires.IsZero() {
			l += " | " + c.Expires.In(alliance.Zone).Format(time.DateOnly)
		}
		lines = append(lines, l)
	}
	f.Set("certifications", strings.Join(lines, "\n"))
	return f
}

// availForm fills the availability form from a schedule.
func availForm(a alliance.Availability) *Form {
	f := newForm(availFields...)
	var weekly, off []string
	for _, s := range a.Weekly {
		weekly = append(weekly, s.String())
	}
	for _, p := range a.Unavailable {
		l := p.From.In(alliance.Zone).Format(periodMinute) + " | " + p.To.In(alliance.Zone).Format(periodMinute)
		if p.Reason != "" {
			l += " | " + p.Reason
		}
		off = append(off, l)
	}
	f.Set("weekly", strings.Join(weekly, "\n"))
	f.Set("unavailable", strings.Join(off, "\n"))
	return f
}

// periodMinute is how forms write an instant: Việt Nam wall-clock time.
const periodMinute = "2006-01-02 15:04"

// lines splits a textarea into trimmed, non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// parseCertifications reads "Name | Issuer | YYYY-MM-DD" lines (the expiry is optional).
func parseCertifications(f *Form) []alliance.Certification {
	var out []alliance.Certification
	for i, l := range lines(f.Get("certifications")) {
		parts := strings.Split(l, "|")
		c := alliance.Certification{Name: strings.TrimSpace(parts[0])}
		if len(parts) > 1 {
			c.Issuer = strings.TrimSpace(parts[1])
		}
		if len(parts) > 2 && strings.TrimSpace(parts[2]) != "" {
			d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(parts[2]), alliance.Zone)
			if err != nil {
				f.Fail(errs.Field("certifications", "alliance.bad_cert_line", fmt.Sprintf("line %d: the expiry is YYYY-MM-DD", i+1)))
				continue
			}
			c.Expires = d
		}
		if len(parts) > 3 {
			f.Fail(errs.Field("certifications", "alliance.bad_cert_line", fmt.Sprintf("line %d: write Name | Issuer | YYYY-MM-DD", i+1)))
			continue
		}
		out = append(out, c)
	}
	return out
}

// parseAvailability reads the weekly windows ("Mon 08:00-17:30") and
// unavailable periods ("2026-12-24 08:00 | 2026-12-27 18:00 | reason",
// Việt Nam time) of the form.
func parseAvailability(f *Form) alliance.Availability {
	a := alliance.Availability{Weekly: []alliance.Slot{}, Unavailable: []alliance.Period{}}
	for i, l := range lines(f.Get("weekly")) {
		s, err := alliance.ParseSlot(l)
		if err != nil {
			f.Fail(errs.Field("weekly", "alliance.bad_slot_line", fmt.Sprintf("line %d: write Mon 08:00-17:30", i+1)))
			continue
		}
		a.Weekly = append(a.Weekly, s)
	}
	for i, l := range lines(f.Get("unavailable")) {
		parts := strings.SplitN(l, "|", 3)
		var from, to time.Time
		var err1, err2 error = errs.New(errs.KindInvalid, "", ""), nil
		if len(parts) >= 2 {
			from, err1 = time.ParseInLocation(periodMinute, strings.TrimSpace(parts[0]), alliance.Zone)
			to, err2 = time.ParseInLocation(periodMinute, strings.TrimSpace(parts[1]), alliance.Zone)
		}
		if err1 != nil || err2 != nil {
			f.Fail(errs.Field("unavailable", "alliance.bad_period_line", fmt.Sprintf("line %d: write 2026-12-24 08:00 | 2026-12-27 18:00 | reason", i+1)))
			continue
		}
		p := alliance.Period{From: from, To: to}
		if len(parts) == 3 {
			p.Reason = strings.TrimSpace(parts[2])
		}
		a.Unavailable = append(a.Unavailable, p)
	}
	return a
}

func (w *Web) responderSave(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, profileFields...)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	pr := alliance.Profile{UserID: id, OrgID: f.Get("org_id"), Skills: f.Values["skills"], Languages: f.Values["languages"],
		Province: f.Get("province"), Phone: f.Get("phone"), Active: f.Bool("active"), Conflicts: f.Values["conflicts"]}
	pr.Clearance, _ = tlp.Parse(f.Get("clearance"))
	pr.Capacity, _ = strconv.Atoi(strings.TrimSpace(f.Get("capacity")))
	pr.Certifications = parseCertifications(f)
	// Registering keeps office hours; editing keeps the schedule as it is.
	if cur, err := w.alliance.Responder(r.Context(), s.P, id); err == nil {
		pr.Availability = cur.Availability
	} else {
		pr.Availability = alliance.Availability{Weekly: alliance.DefaultWeekly()}
	}
	if len(f.Errors) == 0 && len(f.Banner) == 0 {
		if _, err = w.alliance.SaveProfile(r.Context(), s.P, pr); err == nil {
			return w.redirect(rw, r, "/alliance/responders/"+url.PathEscape(id), "flash.responder_saved")
		}
		if !f.Take(rootFields(err)) {
			return err
		}
	}
	return w.renderResponder(rw, r, s, f, nil)
}

func (w *Web) responderAvailability(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, availFields...)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	a := parseAvailability(f)
	if len(f.Errors) == 0 && len(f.Banner) == 0 {
		if _, err = w.alliance.SetAvailability(r.Context(), s.P, id, a); err == nil {
			return w.redirect(rw, r, "/alliance/responders/"+url.PathEscape(id), "flash.availability_saved")
		}
		if !f.Take(rootFields(err)) {
			return err
		}
	}
	return w.renderResponder(rw, r, s, nil, f)
}
