package auth

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
)

// TokenPrefix starts every API token secret, so that leaked tokens are easy
// to recognise (and to scan for).
const TokenPrefix = "khn_"

// tokenSecretLen is the length of a secret: the prefix and 32 random bytes
// in unpadded base32.
var tokenSecretLen = len(TokenPrefix) + base32.StdEncoding.WithPadding(base32.NoPadding).EncodedLen(32)

// Token is an API token. Its secret is shown once at creation and stored
// only as a hash; a Token never holds it.
type Token struct {
	ID          string       `json:"id"`
	UserID      string       `json:"user_id"`
	Name        string       `json:"name"`
	OrgID       string       `json:"org_id,omitempty"` // bound to one organisation; "" for none
	Permissions []Permission `json:"permissions"`
	ExpiresAt   time.Time    `json:"expires_at,omitzero"`
	LastUsedAt  time.Time    `json:"last_used_at,omitzero"`
	RevokedAt   time.Time    `json:"revoked_at,omitzero"`
	CreatedAt   time.Time    `json:"created_at"`
}

// NewToken is the input of CreateToken.
type NewToken struct {
	UserID      string       // "" for the caller
	Name        string       // what it is for, 1–100 characters
	OrgID       string       // optional: an organisation the user can act on
	Permissions []Permission // a subset of the user's role's; empty for all of them
	ExpiresAt   time.Time    // optional; must be in the future
}

func newTokenSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
	return TokenPrefix + strings.ToLower(enc)
}

func badToken() error {
	return errs.New(errs.KindUnauthenticated, "auth.bad_token", "the API token is unknown, expired or revoked")
}

// CreateToken issues an API token for the caller, or (with PermTokenManage)
// for another user. It returns the token and its secret, which is never
// shown again. A token never carries more than its user's role, nor more
// than a token that creates it.
func (s *Service) CreateToken(ctx context.Context, p Principal, n NewToken) (t Token, secret string, err error) {
	defer errs.Wrap(&err, "auth.CreateToken")
	if p.Stage != StageDone {
		return Token{}, "", forbidden("auth.mfa_required", "complete the second factor first")
	}
	if n.UserID == "" {
		n.UserID = p.UserID
	}
	u, err := s.store.GetUser(ctx, userScope(p, PermTokenManage), n.UserID)
	if err != nil {
		return Token{}, "", err
	}
	if u.Disabled {
		return Token{}, "", errs.Conflict("user.disabled", "the user is disabled")
	}
	t, err = s.checkToken(p, u, n)
	if err != nil {
		return Token{}, "", err
	}
	secret = newTokenSecret()
	t, err = s.store.CreateToken(ctx, p, t, hashSecret(secret))
	if err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

// checkToken validates n for user u and returns the token to store.
func (s *Service) checkToken(p Principal, u User, n NewToken) (Token, error) {
	t := Token{UserID: u.ID, Name: strings.TrimSpace(n.Name), OrgID: strings.TrimSpace(n.OrgID), ExpiresAt: n.ExpiresAt}
	var f errs.Fields
	if l := utf8.RuneCountInString(t.Name); l == 0 || l > 100 {
		f.Add("name", "token.bad_name", "the name must have 1 to 100 characters")
	}
	rolePerms := RolePermissions(u.Role)
	for _, perm := range AllPermissions { // keeps the canonical order, drops duplicates
		if len(n.Permissions) == 0 || slices.Contains(n.Permissions, perm) {
			if slices.Contains(rolePerms, perm) {
				t.Permissions = append(t.Permissions, perm)
			}
		}
	}
	for _, perm := range n.Permissions {
		if !slices.Contains(rolePerms, perm) {
			f.Add("permissions", "token.bad_permission", "the user's role does not hold "+string(perm))
		}
	}
	if t.OrgID != "" && !u.Role.National() && !slices.Contains(u.Orgs, t.OrgID) {
		f.Add("org_id", "token.bad_org", "the user is not a member of that organisation")
	}
	if !t.ExpiresAt.IsZero() && !t.ExpiresAt.After(s.now()) {
		f.Add("expires_at", "token.expiry_past", "the expiry must be in the future")
	}
	if err := f.Err("token.invalid"); err != nil {
		return Token{}, err
	}
	if p.TokenID != "" && !tokenMayIssue(p, t) {
		return Token{}, forbidden("token.exceeds_creator", "a token cannot create a token with more rights than its own")
	}
	return t, nil
}

// tokenMayIssue reports whether a token principal p stays within its own
// permissions and organisation when issuing t.
func tokenMayIssue(p Principal, t Token) bool {
	for _, perm := range t.Permissions {
		if !slices.Contains(p.TokenPerm, perm) {
			return false
		}
	}
	return p.TokenOrg == "" || p.TokenOrg == t.OrgID
}

// ListTokens lists a user's tokens: the caller's own, or another user's
// with PermTokenManage.
func (s *Service) ListTokens(ctx context.Context, p Principal, userID string) (ts []Token, err error) {
	defer errs.Wrap(&err, "auth.ListTokens(%q)", userID)
	if p.Stage != StageDone {
		return nil, forbidden("auth.mfa_required", "complete the second factor first")
	}
	us := userScope(p, PermTokenManage)
	if _, err := s.store.GetUser(ctx, us, userID); err != nil {
		return nil, err
	}
	return s.store.ListTokens(ctx, us, userID)
}

// RevokeToken revokes a token of the caller, or (with PermTokenManage) of
// another user. Revoking a revoked token changes nothing.
func (s *Service) RevokeToken(ctx context.Context, p Principal, id string) (err error) {
	defer errs.Wrap(&err, "auth.RevokeToken(%q)", id)
	if p.Stage != StageDone {
		return forbidden("auth.mfa_required", "complete the second factor first")
	}
	t, err := s.store.GetToken(ctx, userScope(p, PermTokenManage), id)
	if err != nil {
		return err
	}
	if !t.RevokedAt.IsZero() {
		return nil
	}
	return s.store.RevokeToken(ctx, p, id)
}

// AuthenticateToken resolves a bearer secret to its principal: the token's
// user with TokenID, TokenPerm and TokenOrg set, so that Principal.Scope
// never exceeds the token. Use is written back at most once a minute.
func (s *Service) AuthenticateToken(ctx context.Context, bearer string, c Client) (p Principal, err error) {
	defer errs.Wrap(&err, "auth.AuthenticateToken")
	if len(bearer) != tokenSecretLen || !strings.HasPrefix(bearer, TokenPrefix) {
		return Principal{}, badToken()
	}
	t, err := s.store.TokenByHash(ctx, hashSecret(bearer))
	if errs.Is(err, errs.KindNotFound) {
		return Principal{}, badToken()
	}
	if err != nil {
		return Principal{}, err
	}
	now := s.now()
	if !t.RevokedAt.IsZero() || (!t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)) {
		return Principal{}, badToken()
	}
	a, err := s.store.Account(ctx, t.UserID)
	if errs.Is(err, errs.KindNotFound) || (err == nil && a.Disabled) {
		return Principal{}, badToken()
	}
	if err != nil {
		return Principal{}, err
	}
	if now.Sub(t.LastUsedAt) >= touchEvery {
		if err := s.store.TouchToken(ctx, t.ID, now); err != nil {
			return Principal{}, err
		}
	}
	perms := append([]Permission{}, t.Permissions...) // non-nil: a token with none holds none
	return Principal{
		UserID: a.ID, Email: a.Email, Role: a.Role, Orgs: a.Orgs, Lang: a.Language, Remote: c.Remote,
		TokenID: t.ID, TokenPerm: perms, TokenOrg: t.OrgID,
	}, nil
}
