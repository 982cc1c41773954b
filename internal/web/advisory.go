package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// advisoryNav lists the advisory pages p may use: advisories, action items
// (with the review queue for coordinators) and compliance debt.
func advisoryNav(p auth.Principal) []NavItem {
	var nav []NavItem
	if p.Can(auth.PermAdvisoryRead) {
		nav = append(nav, NavItem{ID: "advisories", Key: "nav.advisories", Href: "/advisories"})
	}
	if p.Can(auth.PermActionRead) {
		nav = append(nav, NavItem{ID: "actions", Key: "nav.actions", Href: "/actions"})
	}
	if p.Can(auth.PermDebtRead) {
		nav = append(nav, NavItem{ID: "debt", Key: "nav.debt", Href: "/debt"})
	}
	return nav
}

func (w *Web) needAdvisories() error {
	if w.advisory == nil {
		return errs.NotFound("page.not_found")
	}
	return nil
}

// canManageAdvisories reports whether p writes, imports and publishes.
func canManageAdvisories(p auth.Principal) bool { return p.Scope(auth.PermAdvisoryManage).All }

var advisorySeverities = []string{advisory.SeverityCritical, advisory.SeverityHigh, advisory.SeverityMedium, advisory.SeverityLow, advisory.SeverityNone}
var advisorySources = []string{advisory.SourceKhien, advisory.SourceCSAF, advisory.SourceCVE5, advisory.SourceNVD, advisory.SourceOSV, advisory.SourceKEV}

// advisoryListView lists advisories.
type advisoryListView struct {
	Base
	Filter     advisory.Filter
	Items      []advisory.Record
	Severities []Option
	Sources    []Option
	Pager      Pager
	CanManage  bool
}

func (w *Web) advisoryList(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	q := r.URL.Query()
	v := advisoryListView{Base: w.newBase(rw, r, s, "advisories", "advisories.title"), CanManage: canManageAdvisories(s.P),
		Filter:     advisory.Filter{Query: strings.TrimSpace(q.Get("q")), Severity: q.Get("severity"), Source: q.Get("source"), KEV: q.Get("kev") == "on"},
		Severities: enumOptions("adv_severity.", advisorySeverities), Sources: enumOptions("advisory_source.", advisorySources)}
	res, err := w.advisory.List(r.Context(), s.P, v.Filter, page.Request{Limit: 50, Cursor: q.Get("cursor"), Sort: "-updated_at"})
	if err != nil {
		return err
	}
	v.Items, v.Pager = res.Items, pager("/advisories", q, res.Next)
	return w.views.render(rw, r, http.StatusOK, "advisories", &v)
}

// scoredVector is a CVSS vector with the score Khiên computed for it.
type scoredVector struct {
	advisory.Score
	Severity string
}

// advisoryView is one advisory with its products, scores and, for those who
// may see them, the action items it produced.
type advisoryView struct {
	Base
	Adv        advisory.Record
	Scores     []scoredVector
	Actions    []advisory.ActionItem
	CanManage  bool
	CanPublish bool
	CanEdit    bool
}

func (w *Web) advisoryShow(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	ctx := r.Context()
	a, err := w.advisory.Get(ctx, s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := advisoryView{Base: w.newBase(rw, r, s, "advisories", "advisory.title"), Adv: a, CanManage: canManageAdvisories(s.P)}
	v.Title = a.Title
	if s.Lang() == "vi" && a.TitleVI != "" {
		v.Title = a.TitleVI
	}
	v.CanEdit = v.CanManage && a.Source == advisory.SourceKhien
	v.CanPublish = v.CanEdit && a.Status == advisory.StatusDraft
	for _, sc := range a.Scores {
		v.Scores = append(v.Scores, scoredVector{Score: sc, Severity: advisory.SeverityOf(sc.Base)})
	}
	if s.P.Can(auth.PermActionRead) {
		res, err := w.advisory.ListActions(ctx, s.P, advisory.ActionFilter{AdvisoryID: a.ID}, page.Request{Limit: 100})
		if err != nil {
			return err
		}
		v.Actions = res.Items
	}
	return w.views.render(rw, r, http.StatusOK, "advisory", &v)
}

// productRows is how many product rows the editor offers.
const productRows = 6

// advisoryFields are the editor's inputs.
var advisoryFields = func() []string {
	f := []string{"title", "title_vi", "summary", "summary_vi", "action", "action_vi", "cves", "vectors", "tlp", "due_profile",
		"known_exploited", "kev_due_date", "references"}
	for i := range productRows {
		for _, n := range []string{"id", "scheme", "lower", "upper", "versions"} {
			f = append(f, fmt.Sprintf("p%d_%s", i, n))
		}
	}
	return f
}()

// advisoryFormView is the editor.
type advisoryFormView struct {
	Base
	Form     *Form
	ID       string // "" for a new draft
	Rows     []int
	Schemes  []Option
	TLPs     []Option
	Profiles []Option
	Scores   []scoredVector // the vectors as last saved or submitted, scored
}

func (w *Web) renderAdvisoryForm(rw http.ResponseWriter, r *http.Request, s *session, f *Form, id string) error {
	v := advisoryFormView{Base: w.newBase(rw, r, s, "advisories", "advisory.new_title"), Form: f, ID: id,
		Schemes: enumOptions("scheme.", advisory.Schemes), Profiles: []Option{{Value: advisory.ProfileBOD2201, Key: "advisory.profile_bod"}}}
	if id != "" {
		v.TitleKey = "advisory.edit_title"
	}
	for i := range productRows {
		v.Rows = append(v.Rows, i)
	}
	for l := tlp.Clear; l <= tlp.Red; l++ {
		v.TLPs = append(v.TLPs, Option{Value: l.String(), Label: "TLP:" + l.String()})
	}
	for _, line := range splitLines(f.Get("vectors")) {
		base, version, err := advisory.ScoreVector(line)
		if err == nil {
			v.Scores = append(v.Scores, scoredVector{Score: advisory.Score{Vector: line, Base: base, Version: version}, Severity: advisory.SeverityOf(base)})
		}
	}
	return w.views.render(rw, r, f.Status(), "advisory_form", &v)
}

func (w *Web) advisoryNew(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	if !canManageAdvisories(s.P) {
		return errs.New(errs.KindForbidden, "advisory.forbidden", "your role may not write advisories")
	}
	f := newForm(advisoryFields...)
	f.Set("tlp", tlp.Clear.String())
	f.Set("p0_scheme", advisory.SchemeCPE)
	return w.renderAdvisoryForm(rw, r, s, f, "")
}

func (w *Web) advisoryEdit(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	a, err := w.advisory.Get(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	return w.renderAdvisoryForm(rw, r, s, formOfAdvisory(a), a.ID)
}

// formOfAdvisory fills the editor from a stored advisory.
func formOfAdvisory(a advisory.Record) *Form {
	f := newForm(advisoryFields...)
	for k, v := range map[string]string{"title": a.Title, "title_vi": a.TitleVI, "summary": a.Summary, "summary_vi": a.SummaryVI,
		"action": a.Action, "action_vi": a.ActionVI, "cves": strings.Join(a.CVEs, "\n"), "tlp": a.TLP.String(),
		"due_profile": a.DueProfile, "references": strings.Join(a.References, "\n")} {
		f.Set(k, v)
	}
	var vectors []string
	for _, sc := range a.Scores {
		vectors = append(vectors, sc.Vector)
	}
	f.Set("vectors", strings.Join(vectors, "\n"))
	f.SetBool("known_exploited", a.KnownExploited)
	if !a.KEVDueDate.IsZero() {
		f.Set("kev_due_date", a.KEVDueDate.Format(time.DateOnly))
	}
	for i, p := range a.Products {
		if i >= productRows {
			break
		}
		id := p.CPE
		if id == "" {
			id = p.PURL
		}
		f.Set(fmt.Sprintf("p%d_id", i), id)
		f.Set(fmt.Sprintf("p%d_versions", i), strings.Join(p.Versions, ", "))
		if len(p.Ranges) > 0 {
			rg := p.Ranges[0]
			f.Set(fmt.Sprintf("p%d_scheme", i), rg.Scheme)
			f.Set(fmt.Sprintf("p%d_lower", i), rg.Lower)
			f.Set(fmt.Sprintf("p%d_upper", i), rg.Upper)
		}
	}
	return f
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// advisoryOfForm reads the editor into a record; problems it finds itself
// (an unknown TLP, a bad date) go beside their inputs.
func advisoryOfForm(f *Form) advisory.Record {
	var a advisory.Record
	a.Title, a.TitleVI, a.Summary, a.SummaryVI = f.Get("title"), f.Get("title_vi"), f.Get("summary"), f.Get("summary_vi")
	a.Action, a.ActionVI, a.DueProfile = f.Get("action"), f.Get("action_vi"), f.Get("due_profile")
	a.CVEs = splitLines(f.Get("cves"))
	for _, v := range strings.FieldsFunc(f.Get("vectors"), func(r rune) bool { return r == '\n' || r == '\r' }) {
		if v = strings.TrimSpace(v); v != "" {
			a.Scores = append(a.Scores, advisory.Score{Vector: v})
		}
	}
	for _, ref := range strings.Fields(f.Get("references")) {
		a.References = append(a.References, ref)
	}
	if l, err := tlp.Parse(f.Get("tlp")); err == nil {
		a.TLP = l
	}
	a.KnownExploited = f.Bool("known_exploited")
	if d := strings.TrimSpace(f.Get("kev_due_date")); d != "" {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			f.Fail(errs.Field("kev_due_date", "advisory.bad_date", "a date such as 2026-12-31"))
		}
		a.KEVDueDate = t
	}
	packRows(f)
	for i := range productRows {
		get := func(n string) string { return strings.TrimSpace(f.Get(fmt.Sprintf("p%d_%s", i, n))) }
		id := get("id")
		if id == "" {
			break
		}
		p := advisory.Product{}
		if strings.HasPrefix(id, "pkg:") {
			p.PURL = id
		} else {
			p.CPE = id
		}
		if lo, up := get("lower"), get("upper"); lo != "" || up != "" {
			p.Ranges = []advisory.Range{{Scheme: get("scheme"), Lower: lo, LowerInclusive: lo != "", Upper: up}}
		}
		p.Versions = splitLines(get("versions"))
		a.Products = append(a.Products, p)
	}
	return a
}

// packRows moves the filled product rows up, so that row N of the form is
// products[N] of the advisory and every problem lands on its row.
func packRows(f *Form) {
	names := []string{"id", "scheme", "lower", "upper", "versions"}
	var rows [][]string
	for i := range productRows {
		row := make([]string, len(names))
		for j, n := range names {
			row[j] = f.Get(fmt.Sprintf("p%d_%s", i, n))
		}
		if strings.TrimSpace(row[0]) != "" || strings.TrimSpace(row[2]) != "" || strings.TrimSpace(row[3]) != "" {
			rows = append(rows, row)
		}
	}
	for i := range productRows {
		for j, n := range names {
			v := ""
			if i < len(rows) {
				v = rows[i][j]
			}
			f.Set(fmt.Sprintf("p%d_%s", i, n), v)
		}
	}
}

var productFieldRE = regexp.MustCompile(`^products\[(\d+)\](?:\.(cpe|purl)|\.ranges\[\d+\](?:\.(lower|upper|scheme))?)?$`)

// editorField maps a domain field ("products[2].ranges[0].upper",
// "cves[1]") to the editor input that shows it.
func editorField(field string) string {
	if m := productFieldRE.FindStringSubmatch(field); m != nil {
		switch {
		case m[2] != "":
			return "p" + m[1] + "_id"
		case m[3] != "":
			return "p" + m[1] + "_" + m[3]
		}
		return "p" + m[1] + "_lower"
	}
	name, _, _ := strings.Cut(field, "[")
	switch name {
	case "cves":
		return "cves"
	case "scores":
		return "vectors"
	}
	return field
}

// takeAdvisoryErr puts a domain error beside the editor's inputs.
func takeAdvisoryErr(f *Form, err error) bool {
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || e.Kind != errs.KindInvalid {
		return f.Take(err)
	}
	for _, fe := range e.Fields {
		fe.Field = editorField(fe.Field)
		f.Fail(fe)
	}
	if len(e.Fields) == 0 {
		return f.Take(err)
	}
	return true
}

func (w *Web) advisorySave(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	f, err := readForm(rw, r, advisoryFields...)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	a := advisoryOfForm(f)
	if f.Status() != http.StatusOK {
		return w.renderAdvisoryForm(rw, r, s, f, id)
	}
	if f.Status() == http.StatusOK {
		var saved advisory.Record
		if id == "" {
			saved, err = w.advisory.Create(r.Context(), s.P, a)
		} else {
			saved, err = w.advisory.Update(r.Context(), s.P, id, a)
		}
		if err == nil {
			return w.redirect(rw, r, "/advisories/"+saved.ID, "flash.advisory_saved")
		}
		if !takeAdvisoryErr(f, err) {
			return err
		}
	}
	return w.renderAdvisoryForm(rw, r, s, f, id)
}

func (w *Web) advisoryPublish(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	if _, err := readForm(rw, r); err != nil {
		return err
	}
	a, _, err := w.advisory.Publish(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	return w.redirect(rw, r, "/advisories/"+a.ID, "flash.advisory_published")
}

// maxAdvisoryUpload bounds an uploaded advisory file.
const maxAdvisoryUpload = 32 << 20

// advisoryImportView is the upload form and, after an upload, each
// document's outcome.
type advisoryImportView struct {
	Base
	Form   *Form
	Result *advisory.ImportResult
}

func (w *Web) advisoryImportForm(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	if !canManageAdvisories(s.P) {
		return errs.New(errs.KindForbidden, "advisory.forbidden", "your role may not import advisories")
	}
	v := advisoryImportView{Base: w.newBase(rw, r, s, "advisories", "advisory_import.title"), Form: newForm("file")}
	return w.views.render(rw, r, http.StatusOK, "advisory_import", &v)
}

func (w *Web) advisoryImport(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	if err := advisory.CanManage(s.P); err != nil {
		return err
	}
	v := advisoryImportView{Base: w.newBase(rw, r, s, "advisories", "advisory_import.title"), Form: newForm("file")}
	r.Body = http.MaxBytesReader(rw, r.Body, maxAdvisoryUpload)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		v.Form.Fail(errs.Field("file", "advisory.no_file", "choose a file"))
		return w.views.render(rw, r, v.Form.Status(), "advisory_import", &v)
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		return errs.New(errs.KindTooLarge, "request.too_large", "the file is too large")
	}
	advs, failed, err := w.readAdvisories(hdr.Filename, data)
	if err != nil {
		v.Form.Fail(errs.Field("file", "advisory.bad_file", err.Error()))
		return w.views.render(rw, r, v.Form.Status(), "advisory_import", &v)
	}
	res := advisory.ImportResult{}
	if len(advs) > 0 {
		if res, err = w.advisory.Import(r.Context(), s.P, advs); err != nil {
			if !v.Form.Take(err) {
				return err
			}
			return w.views.render(rw, r, v.Form.Status(), "advisory_import", &v)
		}
	}
	res.Documents = append(res.Documents, failed...)
	res.Failed += len(failed)
	v.Result = &res
	return w.views.render(rw, r, http.StatusOK, "advisory_import", &v)
}

// readAdvisories reads an uploaded file: Khiên's own JSON model
// ({"advisories": [...]}), else through the importers when wired (CSAF,
// CVE 5, NVD, OSV, KEV), with the documents they could not read.
func (w *Web) readAdvisories(name string, data []byte) ([]advisory.Advisory, []advisory.DocResult, error) {
	var in struct {
		Advisories []advisory.Advisory `json:"advisories"`
	}
	if err := json.Unmarshal(data, &in); err == nil && len(in.Advisories) > 0 {
		return in.Advisories, nil, nil
	}
	if w.readAdv != nil {
		advs, failed := w.readAdv(name, data)
		return advs, failed, nil
	}
	return nil, nil, fmt.Errorf("not a list of advisories in Khiên's JSON model")
}

// feedsView lists advisory feeds with their health and registers new ones.
type feedsView struct {
	Base
	Feeds []advisory.Feed
	Form  *Form
	Kinds []Option
	Now   time.Time
}

var advFeedFields = []string{"name", "kind", "url", "schedule_minutes"}

func (w *Web) renderAdvisoryFeeds(rw http.ResponseWriter, r *http.Request, s *session, f *Form) error {
	fs, err := w.advisory.Feeds(r.Context(), s.P)
	if err != nil {
		return err
	}
	v := feedsView{Base: w.newBase(rw, r, s, "advisories", "advisory_feeds.title"), Feeds: fs, Form: f,
		Kinds: enumOptions("feed_kind.", advisory.FeedKinds), Now: w.now()}
	return w.views.render(rw, r, f.Status(), "advisory_feeds", &v)
}

func (w *Web) advisoryFeeds(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	f := newForm(advFeedFields...)
	f.Set("schedule_minutes", "360")
	return w.renderAdvisoryFeeds(rw, r, s, f)
}

func (w *Web) advisoryFeedCreate(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	f, err := readForm(rw, r, advFeedFields...)
	if err != nil {
		return err
	}
	mins, _ := strconv.Atoi(strings.TrimSpace(f.Get("schedule_minutes")))
	_, err = w.advisory.CreateFeed(r.Context(), s.P, advisory.Feed{Name: f.Get("name"), Kind: f.Get("kind"), URL: f.Get("url"),
		EveryMins: mins, Enabled: true})
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderAdvisoryFeeds(rw, r, s, f)
	}
	return w.redirect(rw, r, "/advisories/feeds", "flash.advisory_feed_created")
}

func (w *Web) advisoryFeedPull(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	if _, err := readForm(rw, r); err != nil {
		return err
	}
	if _, err := w.advisory.Pull(r.Context(), s.P, r.PathValue("id")); err != nil {
		if errs.Is(err, errs.KindUnavailable) {
			return w.redirect(rw, r, "/advisories/feeds", "flash.advisory_feed_pull_failed")
		}
		return err
	}
	return w.redirect(rw, r, "/advisories/feeds", "flash.advisory_feed_pulled")
}
