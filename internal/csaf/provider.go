package csaf

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	gocsaf "github.com/gocsaf/csaf/v3/csaf"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/tlp"
)

// WellKnown is where the provider tree is published on the CERT's site.
const WellKnown = "/.well-known/csaf/"

// Paths of the public tree, relative to WellKnown.
const (
	MetadataFile  = "provider-metadata.json"
	whiteDir      = "white/"
	whiteFeed     = whiteDir + "csaf-feed-tlp-white.json"
	whiteCategory = whiteDir + "category-white.json"
	serviceFile   = "service.json"
)

// ProviderOptions configure the provider tree.
type ProviderOptions struct {
	BaseURL string    // the site's public URL, "https://cert.example.vn"
	Issuer  Issuer    // the CERT, publisher of every document
	Signer  *Signer   // signs every document (required: a trusted provider signs)
	Now     time.Time // last_updated when there is no document
}

// File is one file of the tree.
type File struct {
	Body []byte
	Type string // media type
}

// Skipped is an advisory left out of the tree, and why.
type Skipped struct {
	ID     string
	Reason string
}

// Tree is a rendered provider tree: every file by its path under WellKnown.
type Tree struct {
	Files   map[string]File
	Skipped []Skipped
	Updated time.Time // the newest document's current release date
	Count   int       // documents published
}

// Dirs lists the directories of the tree (for listings), with their entries.
func (t *Tree) Dirs() map[string][]string {
	out := map[string][]string{"": nil}
	for p := range t.Files {
		dir, name := "", p
		if i := strings.LastIndex(p, "/"); i >= 0 {
			dir, name = p[:i+1], p[i+1:]
		}
		out[dir] = append(out[dir], name)
		for dir != "" {
			parent, sub := "", dir
			if i := strings.LastIndex(strings.TrimSuffix(dir, "/"), "/"); i >= 0 {
				parent, sub = dir[:i+1], dir[i+1:]
			}
			if !slices.Contains(out[parent], sub) {
				out[parent] = append(out[parent], sub)
			}
			dir = parent
		}
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out
}

var fileNameRe = regexp.MustCompile(`[^+\-a-z0-9]+`)

// FileName is the file name CSAF 2.0 (section 5.1) gives a document with
// this tracking id: lower case, every run of other characters an underscore.
func FileName(trackingID string) string {
	return fileNameRe.ReplaceAllString(strings.ToLower(trackingID), "_") + ".json"
}

// BuildProvider renders the public provider tree of the published
// advisories: only TLP:CLEAR documents that are not drafts are included.
func BuildProvider(advs []advisory.Advisory, o ProviderOptions) (*Tree, error) {
	if o.Signer == nil {
		return nil, errors.New("csaf: a trusted provider needs a signing key")
	}
	base := strings.TrimSuffix(o.BaseURL, "/")
	if !strings.HasPrefix(base, "https://") && !strings.HasPrefix(base, "http://") {
		return nil, fmt.Errorf("csaf: base URL %q is not an http(s) URL", o.BaseURL)
	}
	prefix := base + WellKnown
	t := &Tree{Files: map[string]File{}}
	type published struct {
		path, id, title, summary string
		initial, current         time.Time
	}
	var docs []published
	categories := []string{CategorySecurity}
	for _, a := range advs {
		id := first(a.SourceID, a.ID)
		switch {
		case a.TLP != tlp.Clear:
			t.Skipped = append(t.Skipped, Skipped{id, "TLP:" + a.TLP.String() + " is not published in the public tree"})
			continue
		case a.Status == advisory.StatusDraft:
			t.Skipped = append(t.Skipped, Skipped{id, "draft"})
			continue
		}
		d, err := FromAdvisory(a, o.Issuer, "")
		if err != nil {
			t.Skipped = append(t.Skipped, Skipped{id, err.Error()})
			continue
		}
		initial, _ := parseRFC3339(d.Document.Tracking.InitialReleaseDate)
		current, _ := parseRFC3339(d.Document.Tracking.CurrentReleaseDate)
		rel := fmt.Sprintf("%s%d/%s", whiteDir, initial.Year(), FileName(d.Document.Tracking.ID))
		if _, dup := t.Files[rel]; dup {
			t.Skipped = append(t.Skipped, Skipped{id, "another advisory has the same file name " + rel})
			continue
		}
		body, err := Write(a, o.Issuer, prefix+rel)
		if err != nil {
			t.Skipped = append(t.Skipped, Skipped{id, err.Error()})
			continue
		}
		sig, err := o.Signer.Sign(body)
		if err != nil {
			return nil, err
		}
		name := rel[strings.LastIndex(rel, "/")+1:]
		s256, s512 := sha256.Sum256(body), sha512.Sum512(body)
		t.Files[rel] = File{body, "application/json"}
		t.Files[rel+".sha256"] = File{[]byte(hex.EncodeToString(s256[:]) + "  " + name + "\n"), "text/plain; charset=utf-8"}
		t.Files[rel+".sha512"] = File{[]byte(hex.EncodeToString(s512[:]) + "  " + name + "\n"), "text/plain; charset=utf-8"}
		t.Files[rel+".asc"] = File{[]byte(sig), "application/pgp-signature"}
		summary := ""
		if len(d.Document.Notes) > 0 {
			summary = d.Document.Notes[0].Text
		}
		docs = append(docs, published{rel, d.Document.Tracking.ID, d.Document.Title, summary, initial, current})
		if a.Severity != "" {
			categories = appendNew(categories, "severity:"+a.Severity)
		}
		t.Updated = maxTime(t.Updated, current)
	}
	t.Count = len(docs)
	// index.txt: every document, by path; changes.csv: newest change first.
	slices.SortFunc(docs, func(a, b published) int { return strings.Compare(a.path, b.path) })
	var index, changes bytes.Buffer
	for _, d := range docs {
		index.WriteString(strings.TrimPrefix(d.path, whiteDir) + "\n")
	}
	byChange := slices.Clone(docs)
	slices.SortStableFunc(byChange, func(a, b published) int { return b.current.Compare(a.current) })
	for _, d := range byChange {
		fmt.Fprintf(&changes, "%q,%q\n", strings.TrimPrefix(d.path, whiteDir), d.current.UTC().Format(time.RFC3339))
	}
	t.Files[whiteDir+"index.txt"] = File{index.Bytes(), "text/plain; charset=utf-8"}
	t.Files[whiteDir+"changes.csv"] = File{changes.Bytes(), "text/csv; charset=utf-8"}
	updated := t.Updated
	if updated.IsZero() {
		updated = o.Now
	}
	if updated.IsZero() {
		updated = time.Unix(0, 0)
	}
	// The ROLIE feed of TLP:WHITE documents.
	feed := gocsaf.ROLIEFeed{Feed: gocsaf.FeedData{
		ID: "khien-csaf-feed-tlp-white", Title: o.Issuer.Name + " CSAF feed (TLP:WHITE)",
		Link:     []gocsaf.Link{{Rel: "self", HRef: prefix + whiteFeed}},
		Category: []gocsaf.ROLIECategory{{Scheme: "urn:ietf:params:rolie:category:information-type", Term: "csaf"}},
		Updated:  gocsaf.TimeStamp(updated.UTC()), Entry: []*gocsaf.Entry{},
	}}
	for _, d := range byChange {
		u := prefix + d.path
		e := &gocsaf.Entry{
			ID: d.id, Titel: d.title, Published: gocsaf.TimeStamp(d.initial.UTC()), Updated: gocsaf.TimeStamp(d.current.UTC()),
			Link:    []gocsaf.Link{{Rel: "self", HRef: u}, {Rel: "hash", HRef: u + ".sha256"}, {Rel: "hash", HRef: u + ".sha512"}, {Rel: "signature", HRef: u + ".asc"}},
			Content: gocsaf.Content{Type: "application/json", Src: u},
			Format:  gocsaf.Format{Schema: "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", Version: "2.0"},
		}
		if d.summary != "" {
			e.Summary = &gocsaf.Summary{Content: d.summary}
		}
		feed.Feed.Entry = append(feed.Feed.Entry, e)
	}
	fb, err := marshal(&feed)
	if err != nil {
		return nil, err
	}
	t.Files[whiteFeed] = File{fb, "application/json"}
	// The ROLIE service document (beside the metadata) and the feed's
	// category document.
	svc := gocsaf.ROLIEServiceDocument{Service: gocsaf.ROLIEService{Workspace: []gocsaf.ROLIEServiceWorkspace{{
		Title: o.Issuer.Name + " CSAF feeds",
		Collection: []gocsaf.ROLIEServiceWorkspaceCollection{{
			Title: feed.Feed.Title, HRef: prefix + whiteFeed,
			Categories: gocsaf.ROLIEServiceWorkspaceCollectionCategories{Category: []gocsaf.ROLIEServiceWorkspaceCollectionCategoriesCategory{
				{Scheme: "urn:ietf:params:rolie:category:information-type", Term: "csaf"}}},
		}},
	}}}}
	sb, err := marshal(&svc)
	if err != nil {
		return nil, err
	}
	t.Files[serviceFile] = File{sb, "application/json"}
	cb, err := marshal(gocsaf.NewROLIECategoryDocument(categories...))
	if err != nil {
		return nil, err
	}
	t.Files[whiteCategory] = File{cb, "application/json"}
	// The public key and the provider metadata.
	keyPath := "openpgp/" + o.Signer.Fingerprint() + ".asc"
	t.Files[keyPath] = File{[]byte(o.Signer.PublicKey()), "application/pgp-keys"}
	pmd := gocsaf.NewProviderMetadata(prefix + MetadataFile)
	pmd.SetLastUpdated(updated)
	cat := gocsaf.CSAFCategoryCoordinator
	name, ns := o.Issuer.Name, o.Issuer.Namespace
	pmd.Publisher = &gocsaf.Publisher{Category: &cat, Name: &name, Namespace: &ns, ContactDetails: o.Issuer.Contact}
	white := gocsaf.TLPLabel(gocsaf.TLPLabelWhite)
	feedURL := gocsaf.JSONURL(prefix + whiteFeed)
	pmd.Distributions = []gocsaf.Distribution{
		{DirectoryURL: prefix + strings.TrimSuffix(whiteDir, "/")},
		{Rolie: &gocsaf.ROLIE{
			Feeds:      []gocsaf.Feed{{Summary: "TLP:WHITE advisories", TLPLabel: &white, URL: &feedURL}},
			Services:   []gocsaf.JSONURL{gocsaf.JSONURL(prefix + serviceFile)},
			Categories: []gocsaf.JSONURL{gocsaf.JSONURL(prefix + whiteCategory)},
		}},
	}
	pmd.SetPGP(o.Signer.Fingerprint(), prefix+keyPath)
	mb, err := marshal(pmd)
	if err != nil {
		return nil, err
	}
	t.Files[MetadataFile] = File{mb, "application/json"}
	return t, nil
}

func marshal(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), err
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// SecurityTxt is an RFC 9116 security.txt naming the provider metadata
// (the CSAF field), for the site's /.well-known/security.txt. contact is a
// URI or an e-mail address.
func SecurityTxt(baseURL, contact string, expires time.Time) []byte {
	if strings.Contains(contact, "@") && !strings.Contains(contact, ":") {
		contact = "mailto:" + contact
	}
	return []byte(fmt.Sprintf("Contact: %s\nExpires: %s\nCSAF: %s%s%s\n",
		contact, expires.UTC().Format(time.RFC3339), strings.TrimSuffix(baseURL, "/"), WellKnown, MetadataFile))
}
