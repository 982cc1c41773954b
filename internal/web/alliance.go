package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// Alliance pages: member companies and responders (this file), a
// responder's profile and availability (alliance_responder.go), the roster
// (alliance_roster.go), mobilisation requests (alliance_mobilise.go) and a
// responder's own requests, answers and hours (alliance_asks.go). The
// alliance service decides who sees what; a page only asks it.

// allianceNav lists the alliance pages p may use.
func allianceNav(p auth.Principal) []NavItem {
	var nav []NavItem
	if p.Can(auth.PermAllianceRead) {
		nav = append(nav, NavItem{ID: "alliance", Key: "nav.alliance", Href: "/alliance"},
			NavItem{ID: "roster", Key: "nav.roster", Href: "/alliance/roster"})
	}
	if p.Can(auth.PermIncidentRespond) && p.UserID != "" {
		nav = append(nav, NavItem{ID: "asks", Key: "nav.my_asks", Href: "/alliance/asks"})
	}
	return nav
}

// skillOptions are the taxonomy's skills as choices.
func skillOptions() []Option {
	var out []Option
	for _, s := range alliance.Skills() {
		out = append(out, Option{Value: s.ID, Key: s.Label()})
	}
	return out
}

// provinceOptions are the provinces as choices, by name.
func provinceOptions() []Option {
	var out []Option
	for _, p := range alliance.Provinces() {
		out = append(out, Option{Value: p.Name, Label: p.Name})
	}
	slices.SortFunc(out, func(a, b Option) int { return strings.Compare(org.Fold(a.Label), org.Fold(b.Label)) })
	return out
}

// allianceView lists member companies and responders, filtered by skill and
// province, and (for those who register responders) the responder users
// without a profile.
type allianceView struct {
	Base
	Members      []alliance.Member
	MembersPager Pager // members' pages: the query parameter members_cursor
	Responders   []alliance.Profile
	Pager        Pager // responders' pages: the query parameter cursor
	Unregistered []alliance.Profile
	Filter       *Form
	Skills       []Option
	Provinces    []Option
	Now          time.Time
}

func (w *Web) allianceHome(rw http.ResponseWriter, r *http.Request, s *session) error {
	ctx, p := r.Context(), s.P
	q := r.URL.Query()
	f := newForm("skill", "province")
	f.Set("skill", q.Get("skill"))
	f.Set("province", q.Get("province"))
	v := allianceView{Base: w.newBase(rw, r, s, "alliance", "alliance.title"), Filter: f, Skills: skillOptions(),
		Provinces: provinceOptions(), Now: w.now()}
	ms, err := w.alliance.Members(ctx, p, page.Request{Cursor: q.Get("members_cursor")})
	if err != nil {
		return err
	}
	v.Members, v.MembersPager = ms.Items, cursorPager("/alliance", q, "members_cursor", ms.Next)
	rs, err := w.alliance.Responders(ctx, p, alliance.Filter{Skill: f.Get("skill"), Province: f.Get("province")}, page.Request{Cursor: q.Get("cursor")})
	if err != nil {
		if !f.Take(err) {
			return err
		}
	}
	v.Responders, v.Pager = rs.Items, cursorPager("/alliance", q, "cursor", rs.Next)
	if p.Can(auth.PermAllianceManage) {
		if v.Unregistered, err = w.alliance.Unregistered(ctx, p); err != nil {
			return err
		}
	}
	return w.views.render(rw, r, f.Status(), "alliance", &v)
}

// rootFields moves problems on "weekly[2]" or "certifications[0].name" to
// the form input that holds the list ("weekly", "certifications").
func rootFields(err error) error {
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = slices.Clone(e.Fields)
	for i := range c.Fields {
		if j := strings.IndexAny(c.Fields[i].Field, "[."); j > 0 {
			c.Fields[i].Field = c.Fields[i].Field[:j]
		}
	}
	return &c
}

// clearanceOptions are the TLP levels a responder may be cleared for.
func clearanceOptions() []Option {
	var out []Option
	for l := tlp.Clear; l <= tlp.Red; l++ {
		out = append(out, Option{Value: l.String(), Label: "TLP:" + l.String()})
	}
	return out
}

// languageOptions are the languages a responder may list.
func languageOptions() []Option {
	var out []Option
	for _, l := range alliance.Languages {
		out = append(out, Option{Value: l, Key: "alliance.language_" + l})
	}
	return out
}

// cursorPager is pager for a list paged by the query parameter param (the
// alliance page holds two lists).
func cursorPager(path string, q url.Values, param, next string) Pager {
	var p Pager
	if q.Get(param) != "" {
		first := cloneValues(q)
		first.Del(param)
		p.First = path + "?" + first.Encode()
	}
	if next != "" {
		n := cloneValues(q)
		n.Set(param, next)
		p.Next = path + "?" + n.Encode()
	}
	return p
}

// memberOptions are the member companies p may register responders in,
// read page by page (a select offers them all).
func (w *Web) memberOptions(ctx context.Context, p auth.Principal) ([]Option, error) {
	var out []Option
	pr := page.Request{Limit: page.MaxLimit}
	for {
		ms, err := w.alliance.Members(ctx, p, pr)
		if err != nil {
			return nil, err
		}
		for _, m := range ms.Items {
			out = append(out, Option{Value: m.OrgID, Label: m.Name})
		}
		if ms.Next == "" {
			return out, nil
		}
		pr.Cursor = ms.Next
	}
}
