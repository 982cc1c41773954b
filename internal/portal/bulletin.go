package portal

// This file holds awareness bulletins: short advice the alliance publishes
// for citizens, in Vietnamese and English. Staff who work the review queue
// (portal:review: coordinators) write them; a bulletin with a publication
// time at or before now is public (the portal lists it and its feeds carry
// it), one without is a draft, one with a later time is scheduled. Bodies
// are plain text (paragraphs separated by blank lines): they are escaped
// wherever they are shown, so no markup from a bulletin reaches a page or
// a feed as markup.

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
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
	PublishedBy time.Time        // only those published at or before; zero: every bulletin, drafts too
	Category    BulletinCategory // "" for any
}

// BulletinStore is the storage bulletins need. Changes append the audit
// entry in the same transaction; UpdateBulletin changes the row only if it
// still has b.Version-1 (else a conflict with code CodeRace).
type BulletinStore interface {
	CreateBulletin(ctx context.Context, b Bulletin, e audit.Entry) (Bulletin, error)
	UpdateBulletin(ctx context.Context, b Bulletin, e audit.Entry) (Bulletin, error)
	GetBulletin(ctx context.Context, id string) (Bulletin, error)
	// ListBulletins lists by pr: "created_at" for every bulletin,
	// "published_at" for published ones (f.PublishedBy set).
	ListBulletins(ctx context.Context, f BulletinFilter, pr page.Request) (page.Result[Bulletin], error)
}

// BulletinInput is what a writer sends.
type BulletinInput struct {
	Category    BulletinCategory
	TitleVI     string
	TitleEN     string
	BodyVI      string
	BodyEN      string
	PublishedAt time.Time // zero: keep as a draft
}

var bulletinRules = struct{ titleVI, titleEN, bodyVI, bodyEN textRule }{
	textRule{field: "title_vi", max: 200, required: true},
	textRule{field: "title_en", max: 200, required: true},
	textRule{field: "body_vi", max: 20000, required: true, multiLine: true},
	textRule{field: "body_en", max: 20000, required: true, multiLine: true},
}

// check validates in into b.
func (in BulletinInput) check(b *Bulletin) error {
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
	if len(fs) > 0 {
		kind := errs.KindInvalid
		for _, f := range fs {
			if f.Code == "portal.text_too_long" {
				kind = errs.KindTooLarge
			}
		}
		return &errs.Error{Kind: kind, Code: "portal.invalid_bulletin", Public: "the bulletin has problems", Fields: fs}
	}
	return nil
}

func (s *Service) bulletins() (BulletinStore, error) {
	if s.d.Bulletins == nil {
		return nil, errUnavailable("bulletins")
	}
	return s.d.Bulletins, nil
}

// CreateBulletin writes a new bulletin (a draft unless in.PublishedAt is set).
func (s *Service) CreateBulletin(ctx context.Context, p auth.Principal, in BulletinInput) (Bulletin, error) {
	st, err := s.bulletins()
	if err != nil {
		return Bulletin{}, err
	}
	r, err := reviewer(p, auth.PermPortalReview)
	if err != nil {
		return Bulletin{}, err
	}
	now := s.now()
	b := Bulletin{ID: uuid.Must(uuid.NewV7()).String(), AuthorID: r.ID, Author: r.Label, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := in.check(&b); err != nil {
		return Bulletin{}, err
	}
	return st.CreateBulletin(ctx, b, audit.New(p, "portal.bulletin_create", "bulletin", b.ID, "").
		WithDetail(map[string]any{"category": b.Category, "published_at": b.PublishedAt}))
}

// UpdateBulletin changes a bulletin; version is the one the writer saw, so
// that two people editing at once do not overwrite each other unseen.
func (s *Service) UpdateBulletin(ctx context.Context, p auth.Principal, id string, version int, in BulletinInput) (Bulletin, error) {
	st, err := s.bulletins()
	if err != nil {
		return Bulletin{}, err
	}
	if _, err := reviewer(p, auth.PermPortalReview); err != nil {
		return Bulletin{}, err
	}
	b, err := st.GetBulletin(ctx, id)
	if err != nil {
		return Bulletin{}, err
	}
	if version != b.Version {
		return Bulletin{}, errs.Conflict(CodeRace, "someone else changed the bulletin meanwhile; reload it")
	}
	if err := in.check(&b); err != nil {
		return Bulletin{}, err
	}
	b.UpdatedAt, b.Version = s.now(), b.Version+1
	return st.UpdateBulletin(ctx, b, audit.New(p, "portal.bulletin_update", "bulletin", b.ID, "").
		WithDetail(map[string]any{"category": b.Category, "published_at": b.PublishedAt, "version": b.Version}))
}

// StaffBulletin returns any bulletin, drafts too, to staff.
func (s *Service) StaffBulletin(ctx context.Context, p auth.Principal, id string) (Bulletin, error) {
	st, err := s.bulletins()
	if err != nil {
		return Bulletin{}, err
	}
	if _, err := reviewer(p, auth.PermPortalReview); err != nil {
		return Bulletin{}, err
	}
	return st.GetBulletin(ctx, id)
}

// StaffBulletins lists every bulletin, drafts and scheduled ones too.
func (s *Service) StaffBulletins(ctx context.Context, p auth.Principal, pr page.Request) (page.Result[Bulletin], error) {
	st, err := s.bulletins()
	if err != nil {
		return page.Result[Bulletin]{}, err
	}
	if _, err := reviewer(p, auth.PermPortalReview); err != nil {
		return page.Result[Bulletin]{}, err
	}
	if pr.Sort == "" {
		pr.Sort, pr.Desc = "created_at", true
	}
	pr, err = pr.Normalize([]string{"created_at"})
	if err != nil {
		return page.Result[Bulletin]{}, err
	}
	return st.ListBulletins(ctx, BulletinFilter{}, pr)
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
	return st.ListBulletins(ctx, BulletinFilter{PublishedBy: s.now(), Category: cat}, pr)
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
	b, err := st.GetBulletin(ctx, id)
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
