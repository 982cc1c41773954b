// The forms that act on one incident: triage, moves, notes, tasks, clocks,
// alert links and files.

package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/incident"
)

// incidentAct reads a form, runs do, and either goes back to the incident
// with a flash or shows the page with the problem beside the form's fields.
func (w *Web) incidentAct(rw http.ResponseWriter, r *http.Request, s *session, fields []string, slot func(*incidentForms) **Form,
	flash string, do func(f *Form) error) error {
	f, err := readForm(rw, r, fields...)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := do(f); err != nil {
		if !f.Take(err) {
			return err
		}
		var fs incidentForms
		*slot(&fs) = f
		return w.renderIncident(rw, r, s, id, fs, "incident")
	}
	return w.redirect(rw, r, "/incidents/"+url.PathEscape(id), flash)
}

func (w *Web) incidentTriage(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentTriageFields, func(fs *incidentForms) **Form { return &fs.triage }, "flash.incident_triaged",
		func(f *Form) error {
			_, err := w.incidents.Triage(r.Context(), s.P, r.PathValue("id"), incident.Triage{Category: f.Get("category"),
				Severity: f.Get("severity"), SeverityReason: f.Get("severity_reason"), TLP: f.Get("tlp"),
				OwnerID: f.Get("owner_id"), ClockProfile: f.Get("clock_profile"), PersonalData: new(f.Bool("personal_data"))})
			return err
		})
}

func (w *Web) incidentTransition(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentMoveFields, func(fs *incidentForms) **Form { return &fs.move }, "flash.incident_moved",
		func(f *Form) error {
			_, err := w.incidents.Transition(r.Context(), s.P, r.PathValue("id"), incident.State(f.Get("state")), f.Get("note"))
			return err
		})
}

func (w *Web) incidentReject(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentRejectFields, func(fs *incidentForms) **Form { return &fs.reject }, "flash.incident_rejected",
		func(f *Form) error {
			_, err := w.incidents.Reject(r.Context(), s.P, r.PathValue("id"), f.Get("reason"))
			return err
		})
}

func (w *Web) incidentMerge(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentMergeFields, func(fs *incidentForms) **Form { return &fs.merge }, "flash.incident_merged",
		func(f *Form) error {
			_, err := w.incidents.Merge(r.Context(), s.P, r.PathValue("id"), f.Get("into"), f.Get("note"))
			return err
		})
}

func (w *Web) incidentNote(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentNoteFields, func(fs *incidentForms) **Form { return &fs.note }, "flash.incident_noted",
		func(f *Form) error {
			_, err := w.incidents.AddNote(r.Context(), s.P, r.PathValue("id"), f.Get("body"), incident.Visibility(f.Get("visibility")))
			return err
		})
}

func (w *Web) incidentTaskAdd(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentTaskFields, func(fs *incidentForms) **Form { return &fs.task }, "flash.incident_task_added",
		func(f *Form) error {
			due, ok := incidentParseLocal(f.Get("due_at"), w.zone())
			if !ok {
				return errs.Invalid("incident.invalid", "not a date", errs.Field("due_at", "incident.bad_time", "not a date and time"))
			}
			_, err := w.incidents.AddTask(r.Context(), s.P, r.PathValue("id"), incident.TaskInput{Title: f.Get("title"),
				Description: f.Get("description"), AssigneeID: f.Get("assignee_id"), DueAt: due}, f.Get("template"))
			return err
		})
}

// incidentTaskUpdate changes a task's state (and, for a free task, takes it).
func (w *Web) incidentTaskUpdate(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, "state", "take")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	in := incident.TaskInput{State: incident.TaskState(f.Get("state"))}
	if f.Bool("take") {
		in.AssigneeID = s.P.UserID
	}
	if _, err := w.incidents.UpdateTask(r.Context(), s.P, id, r.PathValue("task"), in); err != nil {
		tf := newForm(incidentTaskFields...)
		if !tf.Take(err) {
			return err
		}
		return w.renderIncident(rw, r, s, id, incidentForms{task: tf}, "incident")
	}
	return w.redirect(rw, r, "/incidents/"+url.PathEscape(id)+"#tasks", "flash.incident_task_updated")
}

func (w *Web) incidentPause(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentPauseFields, func(fs *incidentForms) **Form { return &fs.pause }, "flash.incident_paused",
		func(f *Form) error {
			_, err := w.incidents.Pause(r.Context(), s.P, r.PathValue("id"), f.Get("reason"))
			return err
		})
}

func (w *Web) incidentResume(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, nil, func(fs *incidentForms) **Form { return &fs.pause }, "flash.incident_resumed",
		func(f *Form) error {
			_, err := w.incidents.Resume(r.Context(), s.P, r.PathValue("id"))
			return err
		})
}

func (w *Web) incidentLinkAlert(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.incidentAct(rw, r, s, incidentLinkFields, func(fs *incidentForms) **Form { return &fs.link }, "flash.incident_alert_linked",
		func(f *Form) error {
			_, err := w.incidents.LinkAlert(r.Context(), s.P, r.PathValue("id"), f.Get("alert_id"))
			return err
		})
}

// incidentFileAdd streams one uploaded file into the incident's files. The
// visibility field must come before the file in the form (it does in ours).
func (w *Web) incidentFileAdd(rw http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	r.Body = http.MaxBytesReader(rw, r.Body, incident.MaxFile+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return errs.New(errs.KindBadRequest, "request.bad_form", "the form could not be read")
	}
	f := newForm(incidentFileFields...)
	// Who may see the file must be known before its bytes are stored: a
	// client that sends the file part first gets a field error, never a
	// default that could share an internal file with the organisation.
	vis, visSet := incident.Shared, false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return errs.New(errs.KindTooLarge, "request.too_large", "the file is too large")
			}
			return errs.New(errs.KindBadRequest, "request.bad_form", "the form could not be read")
		}
		switch part.FormName() {
		case "visibility":
			b, _ := io.ReadAll(io.LimitReader(part, 32))
			vis, visSet = incident.Visibility(strings.TrimSpace(string(b))), true
			f.Set("visibility", string(vis))
		case "file":
			if part.FileName() == "" {
				continue
			}
			if !visSet {
				f.Fail(errs.Field("visibility", "incident.visibility_first", "say who may see the file before the file itself"))
				return w.renderIncident(rw, r, s, id, incidentForms{file: f}, "incident")
			}
			_, err := w.incidents.AttachFile(r.Context(), s.P, id, part.FileName(), part.Header.Get("Content-Type"), vis, part)
			if err != nil {
				if !f.Take(err) {
					return err
				}
				return w.renderIncident(rw, r, s, id, incidentForms{file: f}, "incident")
			}
			return w.redirect(rw, r, "/incidents/"+url.PathEscape(id)+"#files", "flash.incident_file_added")
		}
	}
	f.Fail(errs.Field("file", "incident.no_file", "choose a file"))
	return w.renderIncident(rw, r, s, id, incidentForms{file: f}, "incident")
}

// incidentFile sends an attached file as a download, never rendered inline.
func (w *Web) incidentFile(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, rc, err := w.incidents.OpenFile(r.Context(), s.P, r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		return err
	}
	defer rc.Close()
	h := rw.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	h.Set("Cache-Control", "no-store")
	_, _ = io.Copy(rw, rc)
	return nil
}
