package web

import (
	"net/http"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
)

// rosterView is "who is available now": active responders on call now (or,
// with all=1, every active responder with when they are next on call),
// filtered by skill and province.
type rosterView struct {
	Base
	Entries   []alliance.RosterEntry
	Filter    *Form
	All       bool
	Skills    []Option
	Provinces []Option
	Now       time.Time
}

func (w *Web) roster(rw http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	f := newForm("skill", "province", "all")
	f.Set("skill", q.Get("skill"))
	f.Set("province", q.Get("province"))
	all := q.Get("all") == "1"
	v := rosterView{Base: w.newBase(rw, r, s, "roster", "alliance.roster_title"), Filter: f, All: all,
		Skills: skillOptions(), Provinces: provinceOptions(), Now: w.now()}
	es, err := w.alliance.Roster(r.Context(), s.P, alliance.Filter{Skill: f.Get("skill"), Province: f.Get("province")}, !all)
	if err != nil && !f.Take(err) {
		return err
	}
	v.Entries = es
	return w.views.render(rw, r, f.Status(), "roster", &v)
}
