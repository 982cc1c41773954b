package auth

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

// User is a person who logs in to Khiên. It holds no secret and is what
// the API shows and the audit log digests.
type User struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        Role      `json:"role"`
	Language    string    `json:"language"`
	Disabled    bool      `json:"disabled"`
	TOTPEnabled bool      `json:"totp_enabled"`
	Orgs        []string  `json:"orgs"` // organisations the user is a member of
	LockedUntil time.Time `json:"locked_until,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Account is a User with the secrets and counters the log-in path needs.
// It never leaves this package's callers towards a transport.
type Account struct {
	User
	PasswordHash      string    `json:"-"`
	TOTPSecret        string    `json:"-"` // base32; "" until enrolled
	TOTPLastStep      int64     `json:"-"` // the last TOTP time step accepted
	FailedLogins      int       `json:"-"` // consecutive failures since the last lock or success
	Lockouts          int       `json:"-"` // consecutive locks since the last success
	PasswordChangedAt time.Time `json:"-"`
}

// NewUser is the input of CreateUser.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Password string
	Language string   // "vi" (default) or "en"
	Orgs     []string // required for organisation roles, empty for national roles
}

// UserUpdate changes some fields of a user; nil fields stay as they are.
// Orgs, when non-nil, replaces the memberships (needed when a national role
// becomes an organisation role); a change to a national role drops them.
type UserUpdate struct {
	Name     *string
	Role     *Role
	Language *string
	Disabled *bool
	Orgs     []string
}

// UserFilter narrows ListUsers. Query matches e-mail or name, without
// regard to case or Vietnamese diacritics.
type UserFilter struct {
	Query string
	Role  Role
	OrgID string
}

// UserSorts are the fields ListUsers sorts by; the first is the default.
var UserSorts = []string{"email", "created_at"}

// Languages are the interface languages.
var Languages = []string{"vi", "en"}

// NormalizeEmail lower-cases and trims an address and checks it is a bare
// address (no display name) of at most 254 bytes.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return s, false
	}
	return s, true
}

// checkProfile validates the fields every user has, adding problems to f.
func checkProfile(f *errs.Fields, u *User) {
	u.Name = strings.TrimSpace(u.Name)
	if n := utf8.RuneCountInString(u.Name); n == 0 || n > 200 {
		f.Add("name", "user.bad_name", "the name must have 1 to 200 characters")
	}
	if u.Language == "" {
		u.Language = "vi"
	}
	if !slices.Contains(Languages, u.Language) {
		f.Add("language", "user.bad_language", "the language must be vi or en")
	}
	if !u.Role.Valid() {
		f.Add("role", "user.bad_role", "unknown role")
		return
	}
	u.Orgs = compactOrgs(u.Orgs)
	switch {
	case u.Role.National() && len(u.Orgs) > 0:
		f.Add("orgs", "user.national_no_orgs", "a national role is not bound to organisations")
	case !u.Role.National() && len(u.Orgs) == 0:
		f.Add("orgs", "user.needs_org", "this role needs at least one organisation")
	}
}

func compactOrgs(orgs []string) []string {
	var out []string
	for _, o := range orgs {
		if o = strings.TrimSpace(o); o != "" && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	slices.Sort(out)
	return out
}

// canManage reports whether p holds PermUserManage over u (self aside).
func canManage(p Principal, u User) bool {
	return UserScope{Scope: p.Scope(PermUserManage)}.Allows(u)
}

// mayPlace reports whether p may give a user of role the memberships orgs:
// national roles need PermUserManage everywhere, others on each organisation.
func mayPlace(p Principal, role Role, orgs []string) bool {
	s := p.Scope(PermUserManage)
	if role.National() {
		return s.All
	}
	for _, o := range orgs {
		if !s.Allows(o) {
			return false
		}
	}
	return true
}

// CreateUser adds a user. It needs PermUserManage over the new user's
// organisations (everywhere, for a national role).
func (s *Service) CreateUser(ctx context.Context, p Principal, n NewUser) (u User, err error) {
	defer errs.Wrap(&err, "auth.CreateUser")
	if !p.Can(PermUserManage) {
		return User{}, forbidden("user.forbidden", "you may not manage users")
	}
	u = User{Name: n.Name, Role: n.Role, Language: n.Language, Orgs: n.Orgs}
	var f errs.Fields
	email, ok := NormalizeEmail(n.Email)
	if !ok {
		f.Add("email", "user.bad_email", "not a valid e-mail address")
	}
	u.Email = email
	checkProfile(&f, &u)
	if e, ok := errors.AsType[*errs.Error](CheckPassword(n.Password, email)); ok {
		f = append(f, e.Fields...)
	}
	if err := f.Err("user.invalid"); err != nil {
		return User{}, err
	}
	if !mayPlace(p, u.Role, u.Orgs) {
		return User{}, forbidden("user.forbidden", "you may not create users with this role or organisation")
	}
	hash, err := s.hasher.Hash(ctx, n.Password)
	if err != nil {
		return User{}, err
	}
	return s.store.CreateUser(ctx, p, u, hash)
}

// GetUser returns a user the caller may see: itself, or any user under
// PermUserManage. Others are errs.NotFound.
func (s *Service) GetUser(ctx context.Context, p Principal, id string) (User, error) {
	return s.store.GetUser(ctx, userScope(p, PermUserManage), id)
}

// ListUsers lists the users the caller may see, sorted by one of UserSorts.
func (s *Service) ListUsers(ctx context.Context, p Principal, f UserFilter, r page.Request) (page.Result[User], error) {
	r, err := r.Normalize(UserSorts)
	if err != nil {
		return page.Result[User]{}, err
	}
	if f.Role != "" && !f.Role.Valid() {
		return page.Result[User]{}, errs.Invalid("user.invalid", "the input is invalid",
			errs.Field("role", "user.bad_role", "unknown role"))
	}
	f.Query = strings.TrimSpace(f.Query)
	return s.store.ListUsers(ctx, userScope(p, PermUserManage), f, r)
}

// UpdateUser changes a user. A user may change its own name and language;
// anything else needs PermUserManage, and nobody changes their own role or
// disables themself. A change of role or a disable ends the user's sessions.
func (s *Service) UpdateUser(ctx context.Context, p Principal, id string, up UserUpdate) (u User, err error) {
	defer errs.Wrap(&err, "auth.UpdateUser(%q)", id)
	before, err := s.store.GetUser(ctx, userScope(p, PermUserManage), id)
	if err != nil {
		return User{}, err
	}
	if err := mayUpdate(p, before, up); err != nil {
		return User{}, err
	}
	after := applyUpdate(before, up)
	var f errs.Fields
	checkProfile(&f, &after)
	if err := f.Err("user.invalid"); err != nil {
		return User{}, err
	}
	if !slices.Equal(after.Orgs, before.Orgs) && !mayPlace(p, after.Role, after.Orgs) {
		return User{}, forbidden("user.forbidden", "you may not place users in that organisation")
	}
	if sameProfile(before, after) {
		return before, nil
	}
	revoke := after.Role != before.Role || (after.Disabled && !before.Disabled)
	return s.store.UpdateUser(ctx, p, before, after, revoke)
}

func mayUpdate(p Principal, u User, up UserUpdate) error {
	if p.Stage != StageDone {
		return forbidden("auth.mfa_required", "complete the second factor first")
	}
	self := u.ID == p.UserID
	admin := up.Role != nil || up.Disabled != nil || up.Orgs != nil
	switch {
	case self && admin:
		return forbidden("user.self_change", "you cannot change your own role, organisations or status")
	case !self && !canManage(p, u):
		return forbidden("user.forbidden", "you may not manage this user")
	}
	return nil
}

func applyUpdate(u User, up UserUpdate) User {
	u.Orgs = slices.Clone(u.Orgs)
	if up.Name != nil {
		u.Name = *up.Name
	}
	if up.Language != nil {
		u.Language = *up.Language
	}
	if up.Disabled != nil {
		u.Disabled = *up.Disabled
	}
	if up.Orgs != nil {
		u.Orgs = up.Orgs
	}
	if up.Role != nil {
		u.Role = *up.Role
		if u.Role.National() {
			u.Orgs = nil
		}
	}
	return u
}

func sameProfile(a, b User) bool {
	return a.Name == b.Name && a.Role == b.Role && a.Language == b.Language &&
		a.Disabled == b.Disabled && slices.Equal(a.Orgs, b.Orgs)
}

// SetLanguage sets the caller's interface language, "vi" or "en".
func (s *Service) SetLanguage(ctx context.Context, p Principal, lang string) error {
	_, err := s.UpdateUser(ctx, p, p.UserID, UserUpdate{Language: &lang})
	return err
}

// SetPassword resets another user's password (PermUserManage). Users change
// their own with ChangePassword. Every session of the user ends.
func (s *Service) SetPassword(ctx context.Context, p Principal, userID, password string) (err error) {
	defer errs.Wrap(&err, "auth.SetPassword(%q)", userID)
	u, err := s.store.GetUser(ctx, userScope(p, PermUserManage), userID)
	if err != nil {
		return err
	}
	if u.ID == p.UserID {
		return forbidden("user.use_change_password", "change your own password with your current one")
	}
	if !canManage(p, u) {
		return forbidden("user.forbidden", "you may not manage this user")
	}
	if err := CheckPassword(password, u.Email); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	return s.store.SetPasswordHash(ctx, p, u.ID, hash)
}

// ChangePassword changes the caller's own password after checking the
// current one; a wrong one counts towards the lockout. Every session of the
// user ends, this one included: the user logs in again.
func (s *Service) ChangePassword(ctx context.Context, p Principal, old, password string) (err error) {
	defer errs.Wrap(&err, "auth.ChangePassword")
	if p.TokenID != "" || p.Session == "" || p.Stage != StageDone {
		return forbidden("auth.session_required", "log in with your password and second factor to do this")
	}
	a, err := s.store.Account(ctx, p.UserID)
	if err != nil {
		return err
	}
	ok, err := s.hasher.Verify(ctx, a.PasswordHash, old)
	if err != nil {
		return err
	}
	locked := a.LockedUntil.After(s.now())
	if !ok || locked {
		reason := "change_password"
		if locked {
			reason = "locked"
		}
		if err := s.fail(ctx, p, a, reason, !locked); err != nil {
			return err
		}
		return errs.Invalid("user.wrong_password", "the current password is wrong",
			errs.Field("old_password", "user.wrong_password", "the current password is wrong"))
	}
	if err := CheckPassword(password, a.Email); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	return s.store.SetPasswordHash(ctx, p, a.ID, hash)
}

// AddMembership makes a user of an organisation role a member of orgID.
func (s *Service) AddMembership(ctx context.Context, p Principal, userID, orgID string) (err error) {
	defer errs.Wrap(&err, "auth.AddMembership(%q, %q)", userID, orgID)
	u, err := s.memberTarget(ctx, p, userID, orgID)
	if err != nil {
		return err
	}
	if u.Role.National() {
		return errs.Invalid("user.national_no_orgs", "a national role is not bound to organisations",
			errs.Field("org_id", "user.national_no_orgs", "a national role is not bound to organisations"))
	}
	if slices.Contains(u.Orgs, orgID) {
		return nil
	}
	return s.store.AddMembership(ctx, p, userID, orgID)
}

// RemoveMembership ends a membership; a user of an organisation role keeps
// at least one.
func (s *Service) RemoveMembership(ctx context.Context, p Principal, userID, orgID string) (err error) {
	defer errs.Wrap(&err, "auth.RemoveMembership(%q, %q)", userID, orgID)
	u, err := s.memberTarget(ctx, p, userID, orgID)
	if err != nil {
		return err
	}
	if !slices.Contains(u.Orgs, orgID) {
		return errs.NotFound("membership.not_found")
	}
	if len(u.Orgs) == 1 {
		return errs.Invalid("user.needs_org", "this role needs at least one organisation",
			errs.Field("org_id", "user.needs_org", "this is the user's last organisation"))
	}
	return s.store.RemoveMembership(ctx, p, userID, orgID)
}

// memberTarget loads a user p may manage, and checks p manages orgID.
func (s *Service) memberTarget(ctx context.Context, p Principal, userID, orgID string) (User, error) {
	u, err := s.store.GetUser(ctx, userScope(p, PermUserManage), userID)
	if err != nil {
		return User{}, err
	}
	if !p.CanOn(PermUserManage, orgID) {
		return User{}, errs.NotFound("org.not_found")
	}
	if u.ID == p.UserID {
		return User{}, forbidden("user.self_change", "you cannot change your own organisations")
	}
	if !canManage(p, u) {
		return User{}, forbidden("user.forbidden", "you may not manage this user")
	}
	return u, nil
}
