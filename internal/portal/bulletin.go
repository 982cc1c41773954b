package portal

// This file holds awareness bulletins: short advice the alliance publishes
// for citizens, in Vietnamese and English, with up to MaxBulletinImages
// pictures (bulletin_image.go). Every bulletin is published on behalf of an
// organisation, its publisher, whose name the portal and the feeds show.
// Who may publish (bulletin:publish) and for whom:
//
//   - an alliance member's constituent-admin, on behalf of an organisation
//     of kind alliance-member among their own; they see and edit only that
//     organisation's bulletins (another's answer not found);
//   - coordinators and administrators, on behalf of the coordinating body
//     (an organisation of kind coordinator) or of any alliance member.
//
// A bulletin with a publication time at or before now is public (the portal
// lists it and its feeds carry it), one without is a draft, one with a later
// time is scheduled. Bodies are plain text (paragraphs separated by blank
// lines): they are escaped wherever they are shown, so no markup from a
// bulletin reaches a page or a feed as markup.

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// BulletinCategory is what a bulletin is about.
type BulletinCategory string

// BulletinCategories lists the categories.
var BulletinCategories = []BulletinCategory{"warning", "advice", "news"}

// Bulletin is one awareness bulletin.
type Bulletin struct {
	ID          string           `json:"id"`
	Category    BulletinCategory `json:"category"`
	TitleVI     string           `json:"title_vi"`
	TitleEN     string           `json:"title_en"`
	BodyVI      string           `json:"body_vi"`
	BodyEN      string           `json:"body_en"`
	PublishedAt time.Time        `json:"published_at"` // zero: a draft
	OrgID       string           `json:"org_id"`       // the publisher
	Publisher   string           `json:"publisher"`    // the publisher's name (filled by reads)
	Images      []BulletinImage  `json:"images,omitempty"`
	AuthorID    string           `json:"author_id"`
	Author      string           `json:"author"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	Version     int              `json:"version"`
}

// Published reports whether b is public at now.
func (b Bulletin) Published(now time.Time) bool {
	return !b.PublishedAt.IsZero() && !b.PublishedAt.After(now)
}

// Title is b's title in lang ("vi" or "en").
func (b Bulletin) Title(lang string) string {
	if lang == "en" {
		return b.TitleEN
	}
	return b.TitleVI
}

// Body is b's body in lang.
func (b Bulletin) Body(lang string) string {
	if lang == "en" {
		return b.BodyEN
	}
	return b.BodyVI
}

// BulletinFilter selects bulletins.
type BulletinFilter struct {
	Scope       auth.Scope       // publishers whose bulletins are listed
	PublishedBy time.Time        // only those published at or before; zero: every bulletin, drafts too
	Category    BulletinCategory // "" for any
}

// Publisher is an organisation that may publish bulletins.
type Publisher struct {
	ID   string   `json:"id"`
	Name string   `json:"name"`
	Kind org.Kind `json:"kind"`
}

// BulletinStore is the storage bulletins need. Changes append the audit
// entry in the same transaction and store b.Images with the bulletin (the
// pictures' bytes are already in the service's blob store); UpdateBulletin
// changes the row only if it still has b.Version-1 (else a conflict with
// code CodeRace). A bulletin whose publisher is outside s is not found.
// Reads fill Publisher and Images.
type BulletinStore interface {
	CreateBulletin(ctx context.Context, b Bulletin, e audit.Entry) (Bulletin, error)
	UpdateBulletin(ctx context.Context, s auth.Scope, b Bulletin, e audit.Entry) (Bulletin, error)
	GetBulletin(ctx context.Context, s auth.Scope, id string) (Bulletin, error)
	// ListBulletins lists by pr: "created_at" for every bulletin,
	// "published_at" for published ones (f.PublishedBy set).
	ListBulletins(ctx context.Context, f BulletinFilter, pr page.Request) (page.Result[Bulletin], error)
	// Publishers lists the organisations in s of the given kinds, by name.
	Publishers(ctx context.Context, s auth.Scope, kinds []org.Kind) ([]Publisher, error)
	// BulletinImageInUse reports whether any bulletin carries the picture.
	BulletinImageInUse(ctx context.Context, sha256 string) (bool, error)
}

// BulletinInput is what a writer sends.
type BulletinInput struct {
	OrgID       string // the publisher; "" when the writer may publish for one organisation only
	Category    BulletinCategory
	TitleVI     string
	TitleEN     string
	BodyVI      string
	BodyEN      string
	PublishedAt time.Time // zero: keep as a draft
	// Images are the pictures, in order, at most MaxBulletinImages. Each
	// is a new picture (Data) or one the bulletin has (Keep).
	Images []BulletinImageInput
}

var bulletinRules = struct{ titleVI, titleEN, bodyVI, bodyEN textRule }{
	textRule{field: "title_vi", max: 200, required: true},
	textRule{field: "title_en", max: 200, required: true},
	textRule{field: "body_vi", max: 20000, required: true, multiLine: true},
	textRule{field: "body_en", max: 20000, required: true, multiLine: true},
}

// check validates in into b; new pictures are returned with their bytes,
// to be stored once everything is valid.
func (in BulletinInput) check(b *Bulletin) ([]pendingImage, error) {
	var fs errs.Fields
	b.TitleVI = bulletinRules.titleVI.clean(in.TitleVI, &fs)
	b.TitleEN = bulletinRules.titleEN.clean(in.TitleEN, &fs)
	b.BodyVI = bulletinRules.bodyVI.clean(in.BodyVI, &fs)
	b.BodyEN = bulletinRules.bodyEN.clean(in.BodyEN, &fs)
	if !slices.Contains(BulletinCategories, in.Category) {
		fs.Add("category", "portal.bad_bulletin_category", "one of warning, advice, news")
	}
	b.Category = in.Category
	b.PublishedAt = in.PublishedAt.UTC().Truncate(time.Microsecond)
	if !b.PublishedAt.IsZero() && (b.PublishedAt.Year() < 2000 || b.PublishedAt.Year() > 9999) {
		fs.Add("published_at", "portal.bad_time", "a date and time after 2000")
	}
	imgs, pending := checkImages(in.Images, b.Images, &fs)
	b.Images = imgs
	if len(fs) > 0 {
		kind := errs.KindInvalid
		for _, f := range fs {
			if f.Code == "portal.text_too_long" {
				kind = errs.KindTooLarge
			}
		}
		return nil, &errs.Error{Kind: kind, Code: "portal.invalid_bulletin", Public: "the bulletin has problems", Fields: fs}
	}
	return pending, nil
}

func (s *Service) bulletins() (BulletinStore, error) {
	if s.d.Bulletins == nil {
		return nil, errUnavailable("bulletins")
	}
	return s.d.Bulletins, nil
}

// publishScope is where p may publish, or a refusal.
func publishScope(p auth.Principal) (auth.Scope, error) {
	sc := p.Scope(auth.PermBulletinPublish)
	if sc.Empty() {
		return sc, errs.New(errs.KindForbidden, "portal.bulletin_forbidden", "you may not publish bulletins")
	}
	return sc, nil
}

// publisherKinds are the kinds of organisation a scope may publish for:
// alliance members always, the coordinating body only for national staff.
func publisherKinds(sc auth.Scope) []org.Kind {
	if sc.All {
		return []org.Kind{org.KindCoordinator, org.KindAllianceMember}
	}
	return []org.Kind{org.KindAllianceMember}
}

// Publishers lists the organisations p may publish bulletins for.
func (s *Service) Publishers(ctx context.Context, p auth.Principal) ([]Publisher, error) {
	st, err := s.bulletins()
	if err != nil {
		return nil, err
	}
	sc, err := publishScope(p)
	if err != nil {
		return nil, err
	}
	return st.Publishers(ctx, sc, publisherKinds(sc))
}

// publisher checks that p may publish for orgID ("" picks p's only
// choice) and returns it. An organisation p may not publish for is a
// field error, so the form can say so beside the choice.
func (s *Service) publisher(ctx context.Context, st BulletinStore, p auth.Principal, sc auth.Scope, orgID string) (Publisher, error) {
	pubs, err := st.Publishers(ctx, sc, publisherKinds(sc))
	if err != nil {
		return Publisher{}, err
	}
	if len(pubs) == 0 {
		return Publisher{}, errs.New(errs.KindForbidden, "portal.bulletin_not_member",
			"only alliance members and the coordinating body publish bulletins")
	}
	if orgID == "" && len(pubs) == 1 {
		return pubs[0], nil
	}
	if i := slices.IndexFunc(pubs, func(x Publisher) bool { return x.ID == orgID }); i >= 0 {
		return pubs[i], nil
	}
	return Publisher{}, errs.Invalid("portal.invalid_bulletin", "the bulletin has problems",
		errs.Field("org_id", "portal.bad_publisher", "choose an alliance member you belong to"))
}

// CreateBulletin writes a new bulletin (a draft unless in.PublishedAt is
// set) on behalf of in.OrgID.
func (s *Service) CreateBulletin(ctx context.Context, p auth.Principal, in BulletinInput) (Bulletin, error) {
	st, err := s.bulletins()
	if err != nil {
		return Bulletin{}, err
	}
	sc, err := publishScope(p)
	if err != nil {
		return Bulletin{}, err
	}
	now := s.now()
	b := Bulletin{ID: uuid.Must(uuid.NewV7()).String(), AuthorID: p.UserID, Author: p.Email, CreatedAt: now, UpdatedAt: now, Version: 1}
	pending, err := in.check(&b)
	pub, perr := s.publisher(ctx, st, p, sc, in.OrgID)
	if err, perr = mergeInvalid(err, perr); perr != nil {
		return Bulletin{}, perr
	}
	if err != nil {
		return Bulletin{}, err
	}
	b.OrgID, b.Publisher = pub.ID, pub.Name
	if err := s.putImages(ctx, pending); err != nil {
		return Bulletin{}, err
	}
	return st.CreateBulletin(ctx, b, audit.New(p, "portal.bulletin_create", "bulletin", b.ID, b.OrgID).
		WithDetail(map[string]any{"category": b.Category, "published_at": b.PublishedAt, "images": imageDigests(b.Images)}))
}

// mergeInvalid joins the field problems of the text and of the publisher
// into one error; any other error from the publisher's check wins.
func mergeInvalid(textErr, pubErr error) (error, error) {
	pe, ok := pubErr.(*errs.Error)
	if pubErr == nil || !ok || pe.Kind != errs.KindInvalid {
		return textErr, pubErr
	}
	if te, ok := textErr.(*errs.Error); ok && textErr != nil {
		te.Fields = append(te.Fields, pe.Fields...)
		return te, nil
	}
	return pe, nil
}

// UpdateBulletin changes a bulletin; version is the one the writer saw, so
// that two people editing at once do not overwrite each other unseen. A
// bulletin of a publisher outside p's reach is not found.
func (s *Service) UpdateBulletin(ctx context.Context, p auth.Principal, id string, version int, in BulletinInput) (Bulletin, error) {
	st, err := s.bulletins()
	if err != nil {
		return Bulletin{}, err
	}
	sc, err := publishScope(p)
	if err != nil {
		return Bulletin{}, err
	}
	b, err := st.GetBulletin(ctx, sc, id)
	if err != nil {
		return Bulletin{}, err
	}
	if version != b.Version {
		return Bulletin{}, errs.Conflict(CodeRace, "someone else changed the bulletin meanwhile; reload it")
	}
	if in.OrgID == "" {
		in.OrgID = b.OrgID
	}
	pending, err := in.check(&b)
	pub, perr := s.publisher(ctx, st, p, sc, in.OrgID)
	if err, perr = mergeInvalid(err, perr); perr != nil {
		return Bulletin{}, perr
	}
	if err != nil {
		return Bulletin{}, err
	}
	b.OrgID, b.Publisher = pub.ID, pub.Name
	if err := s.putImages(ctx, pending); err != nil {
		return Bulletin{}, err
	}
	b.UpdatedAt, b.Version = s.now(), b.Version+1
	return st.UpdateBulletin(ctx, sc, b, audit.New(p, "portal.bulletin_update", "bulletin", b.ID, b.OrgID).
		WithDetail(map[string]any{"category": b.Category, "published_at": b.PublishedAt, "version": b.Version,
			"images": imageDigests(b.Images)}))
}

// StaffBulletin returns a bulletin, drafts too, to those who may publish
// for its publisher.
func (s *Service) StaffBulletin(ctx context.Context, p auth.Principal, id string) (Bulletin, error) {
	st, err := s.bulletins()
	if err != nil {
		return Bulletin{}, err
	}
	sc, err := publishScope(p)
	if err != nil {
		return Bulletin{}, err
	}
	return st.GetBulletin(ctx, sc, id)
}

// StaffBulletins lists the bulletins of the publishers in p's reach,
// drafts and scheduled ones too.
func (s *Service) StaffBulletins(ctx context.Context, p auth.Principal, pr page.Request) (page.Result[Bulletin], error) {
	st, err := s.bulletins()
	if err != nil {
		return page.Result[Bulletin]{}, err
	}
	sc, err := publishScope(p)
	if err != nil {
		return page.Result[Bulletin]{}, err
	}
	if pr.Sort == "" {
		pr.Sort, pr.Desc = "created_at", true
	}
	pr, err = pr.Normalize([]string{"created_at"})
	if err != nil {
		return page.Result[Bulletin]{}, err
	}
	return st.ListBulletins(ctx, BulletinFilter{Scope: sc}, pr)
}

// PublicBulletins lists the published bulletins, newest first, to anyone.
func (s *Service) PublicBulletins(ctx context.Context, cat BulletinCategory, pr page.Request) (page.Result[Bulletin], error) {
	st, err := s.bulletins()
	if err != nil {
		return page.Result[Bulletin]{}, err
	}
	if cat != "" && !slices.Contains(BulletinCategories, cat) {
		return page.Result[Bulletin]{}, errs.Invalid("portal.bad_bulletin_category", "no such category",
			errs.Field("category", "portal.bad_bulletin_category", "one of warning, advice, news"))
	}
	if pr.Sort == "" {
		pr.Sort, pr.Desc = "published_at", true
	}
	pr, err = pr.Normalize([]string{"published_at"})
	if err != nil {
		return page.Result[Bulletin]{}, err
	}
	return st.ListBulletins(ctx, BulletinFilter{Scope: auth.Scope{All: true}, PublishedBy: s.now(), Category: cat}, pr)
}

// PublicBulletin returns a published bulletin; a draft or a scheduled one
// is not found.
func (s *Service) PublicBulletin(ctx context.Context, id string) (Bulletin, error) {
	st, err := s.bulletins()
	if err != nil {
		return Bulletin{}, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return Bulletin{}, errs.NotFound("portal.bulletin_not_found")
	}
	b, err := st.GetBulletin(ctx, auth.Scope{All: true}, id)
	if err != nil {
		return Bulletin{}, err
	}
	if !b.Published(s.now()) {
		return Bulletin{}, errs.NotFound("portal.bulletin_not_found")
	}
	return b, nil
}

// errUnavailable answers for a part of the portal this deployment lacks.
func errUnavailable(what string) error {
	return errs.New(errs.KindUnavailable, "portal.unavailable", what+" are not available")
}
