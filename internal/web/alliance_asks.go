package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
)

// asksView is a responder's own requests: those waiting for an answer, with
// accept and decline; those accepted, with the incident, the hours logged
// and the form to log more; and the past ones.
type asksView struct {
	Base
	Pending  []alliance.Ask
	Working  []workingAsk
	Past     []alliance.Ask
	Answer   *Form
	AnswerOn string
	Now      time.Time
}

// workingAsk is an accepted ask with its hours and hours form.
type workingAsk struct {
	alliance.Ask
	Hours []alliance.Hours
	Form  *Form
}

var hoursFields = []string{"date", "hours", "note"}

func (w *Web) myAsks(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderAsks(rw, r, s, "", nil, "", nil)
}

// renderAsks shows the page with the form of one ask (answer or hours)
// kept as typed.
func (w *Web) renderAsks(rw http.ResponseWriter, r *http.Request, s *session, answerOn string, answer *Form, hoursOn string, hours *Form) error {
	ctx, p := r.Context(), s.P
	as, err := w.alliance.MyAsks(ctx, p)
	if err != nil {
		return err
	}
	now := w.now()
	if answer == nil {
		answer = newForm("decision", "reason")
	}
	v := asksView{Base: w.newBase(rw, r, s, "asks", "alliance.asks_title"), Answer: answer, AnswerOn: answerOn, Now: now}
	status := answer.Status()
	for _, a := range as {
		switch a.State {
		case alliance.AskPending:
			v.Pending = append(v.Pending, a)
		case alliance.AskAccepted:
			wa := workingAsk{Ask: a}
			if wa.Hours, err = w.alliance.Hours(ctx, p, a.ID); err != nil {
				return err
			}
			wa.Form = newForm(hoursFields...)
			wa.Form.Set("date", now.In(alliance.Zone).Format(time.DateOnly))
			if a.ID == hoursOn && hours != nil {
				wa.Form = hours
				status = max(status, hours.Status())
			}
			v.Working = append(v.Working, wa)
		default:
			v.Past = append(v.Past, a)
		}
	}
	return w.views.render(rw, r, status, "alliance_asks", &v)
}

func (w *Web) askAnswer(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, "decision", "reason")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	accept := f.Get("decision") == "accept"
	_, err = w.alliance.Answer(r.Context(), s.P, id, accept, f.Get("reason"))
	if err == nil {
		key := "flash.ask_declined"
		if accept {
			key = "flash.ask_accepted"
		}
		return w.redirect(rw, r, "/alliance/asks", key)
	}
	if !f.Take(err) {
		return err
	}
	return w.renderAsks(rw, r, s, id, f, "", nil)
}

func (w *Web) askLogHours(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, hoursFields...)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	h, _ := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(f.Get("hours")), ",", "."), 64)
	_, err = w.alliance.LogHours(r.Context(), s.P, id, alliance.NewHours{Date: f.Get("date"), Hours: h, Note: f.Get("note")})
	if err == nil {
		return w.redirect(rw, r, "/alliance/asks", "flash.hours_logged")
	}
	if !f.Take(err) {
		return err
	}
	return w.renderAsks(rw, r, s, "", nil, id, f)
}
