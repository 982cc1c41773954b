package publicweb

import (
	"math"
	"net/http"
	"strconv"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/portal/blocklist"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// download is one file of the lists page.
type download struct {
	File   string
	Format blocklist.Format
	Kind   canon.Kind // plain lists
	Key    string     // catalogue key of its description
}

// downloads are the distribution files, in the order the page lists them.
var downloads = []download{
	{"domains.txt", blocklist.FormatPlain, canon.KindDomain, "lists.plain_domain"},
	{"urls.txt", blocklist.FormatPlain, canon.KindURL, "lists.plain_url"},
	{"phones.txt", blocklist.FormatPlain, canon.KindPhone, "lists.plain_phone"},
	{"banks.txt", blocklist.FormatPlain, canon.KindBank, "lists.plain_bank"},
	{"emails.txt", blocklist.FormatPlain, canon.KindEmail, "lists.plain_email"},
	{"social.txt", blocklist.FormatPlain, canon.KindSocial, "lists.plain_social"},
	{"hosts", blocklist.FormatHosts, "", "lists.hosts"},
	{"khien.rpz", blocklist.FormatRPZ, "", "lists.rpz"},
	{"entries.csv", blocklist.FormatCSV, "", "lists.csv"},
	{"entries.json", blocklist.FormatJSON, "", "lists.json"},
	{"stix.json", blocklist.FormatSTIX, "", "lists.stix"},
}

type listsView struct {
	Base
	Files []download
}

func (s *Site) lists(w http.ResponseWriter, r *http.Request) error {
	s.render(w, http.StatusOK, "lists", &listsView{Base: s.base(r, "lists.title"), Files: downloads})
	return nil
}

// download streams one list of the entries confirmed now. A failure after
// the first byte cuts the response; the client sees a short file.
func (s *Site) download(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	var d *download
	for i := range downloads {
		if downloads[i].File == name {
			d = &downloads[i]
		}
	}
	if d == nil {
		return errs.NotFound("portal.list_not_found")
	}
	if err := s.dl.Limit(httpx.ClientIP(r), s.now()); err != nil {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.dlEvery.Seconds()))))
		return err
	}
	wr, err := blocklist.New(d.Format, w, blocklist.Options{Now: s.now(), Kind: d.Kind, Zone: s.zone,
		NS: "localhost.", Mbox: "hostmaster." + s.zone, Identity: "Khiên public scam portal"})
	if err != nil {
		return errs.Internal("publicweb.download", err)
	}
	w.Header().Set("Content-Type", d.Format.ContentType())
	w.Header().Set("Content-Disposition", `attachment; filename="`+d.File+`"`)
	w.Header().Set("Cache-Control", "public, max-age=300")
	if err := s.svc.Published(r.Context(), wr.Write); err != nil {
		s.log.Error("list download cut", "file", name, "err", err)
		return nil
	}
	if err := wr.Close(); err != nil {
		s.log.Error("list download cut", "file", name, "err", err)
	}
	return nil
}
