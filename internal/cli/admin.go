package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

func userCmd(e env, args []string) error {
	return sub(e, "user", args, map[string]func(env, []string) error{"add": userAdd})
}

func orgCmd(e env, args []string) error {
	return sub(e, "org", args, map[string]func(env, []string) error{"add": orgAdd})
}

func tokenCmd(e env, args []string) error {
	return sub(e, "token", args, map[string]func(env, []string) error{"add": tokenAdd})
}

func auditCmd(e env, args []string) error {
	return sub(e, "audit", args, map[string]func(env, []string) error{"verify": auditVerify})
}

func userAdd(e env, args []string) error {
	fs, build := flags(e, "user add")
	email := fs.String("email", "", "e-mail address (log-in name)")
	role := fs.String("role", "", "one of: "+roleList())
	orgSlug := fs.String("org", "", "organisation slug (required for organisation roles)")
	name := fs.String("name", "", "display name")
	lang := fs.String("lang", "vi", "interface language: vi or en")
	stdinPw := fs.Bool("password-stdin", false, "read the password from standard input")
	cfg, err := parse(fs, build, args)
	if err != nil {
		return err
	}
	if !*stdinPw {
		return fmt.Errorf("%w: --password-stdin is required (passwords are never taken as arguments)", errUsage)
	}
	pw, err := readSecret(e.stdin)
	if err != nil {
		return err
	}
	a, err := openAdmin(e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if *name == "" {
		*name, _, _ = strings.Cut(*email, "@")
	}
	n := auth.NewUser{Email: *email, Name: *name, Role: auth.Role(*role), Password: pw, Language: *lang}
	if *orgSlug != "" {
		o, err := a.Org.GetOrg(e.ctx, auth.System(), *orgSlug)
		if err != nil {
			return fmt.Errorf("--org %s: %w", *orgSlug, err)
		}
		n.Orgs = []string{o.ID}
	}
	u, err := a.Auth.CreateUser(e.ctx, auth.System(), n)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "user %s created (%s, id %s)\n", u.Email, u.Role, u.ID)
	return nil
}

func roleList() string {
	var rs []string
	for _, r := range auth.Roles {
		rs = append(rs, string(r))
	}
	return strings.Join(rs, ", ")
}

func orgAdd(e env, args []string) error {
	fs, build := flags(e, "org add")
	slug := fs.String("slug", "", "short unique name, e.g. bo-tai-chinh")
	name := fs.String("name", "", "full name")
	parent := fs.String("parent", "", "slug of the parent organisation")
	kind := fs.String("kind", string(org.KindEnterprise), "kind: "+kindList())
	sector := fs.String("sector", "", "sector, e.g. finance")
	province := fs.String("province", "", "province")
	coordinating := fs.Bool("coordinating", false, "this is the coordinating body")
	cfg, err := parse(fs, build, args)
	if err != nil {
		return err
	}
	a, err := openAdmin(e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	o := org.Org{Slug: *slug, Name: *name, Kind: org.Kind(*kind), Sector: *sector, Province: *province, Coordinating: *coordinating}
	if *parent != "" {
		p, err := a.Org.GetOrg(e.ctx, auth.System(), *parent)
		if err != nil {
			return fmt.Errorf("--parent %s: %w", *parent, err)
		}
		o.ParentID = p.ID
	}
	created, err := a.Org.CreateOrg(e.ctx, auth.System(), o)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "organisation %s created (id %s)\n", created.Slug, created.ID)
	return nil
}

func kindList() string {
	var ks []string
	for _, k := range org.Kinds {
		ks = append(ks, string(k))
	}
	return strings.Join(ks, ", ")
}

// parseExpiry reads --expires: a duration such as 90d or 720h, or a date
// 2027-01-31. "" means no expiry.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err == nil && n > 0 && fmt.Sprint(n) == d {
			return now.Add(time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if dur, err := time.ParseDuration(s); err == nil && dur > 0 {
		return now.Add(dur), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil && t.After(now) {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%w: --expires %q: want a number of days (90d), a duration (720h) or a future date (2027-01-31)", errUsage, s)
}

func tokenAdd(e env, args []string) error {
	fs, build := flags(e, "token add")
	email := fs.String("user", "", "e-mail of the user the token acts as")
	name := fs.String("name", "", "what the token is for")
	expires := fs.String("expires", "", "expiry: days (90d), a duration (720h) or a date (2027-01-31); none by default")
	orgSlug := fs.String("org", "", "restrict the token to one organisation (slug)")
	perms := fs.String("perm", "", "comma-separated permissions (default: all of the user's role): "+permList())
	cfg, err := parse(fs, build, args)
	if err != nil {
		return err
	}
	exp, err := parseExpiry(*expires, time.Now())
	if err != nil {
		return err
	}
	a, err := openAdmin(e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := findUser(e, a, *email)
	if err != nil {
		return err
	}
	n := auth.NewToken{UserID: u.ID, Name: *name, ExpiresAt: exp}
	if *orgSlug != "" {
		o, err := a.Org.GetOrg(e.ctx, auth.System(), *orgSlug)
		if err != nil {
			return fmt.Errorf("--org %s: %w", *orgSlug, err)
		}
		n.OrgID = o.ID
	}
	for p := range strings.SplitSeq(*perms, ",") {
		if p = strings.TrimSpace(p); p != "" {
			n.Permissions = append(n.Permissions, auth.Permission(p))
		}
	}
	t, secret, err := a.Auth.CreateToken(e.ctx, auth.System(), n)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stderr, "token %s (%s) created for %s; it is shown once:\n", t.ID, t.Name, u.Email)
	fmt.Fprintln(e.stdout, secret)
	return nil
}

func findUser(e env, a *app.App, email string) (auth.User, error) {
	if email == "" {
		return auth.User{}, fmt.Errorf("%w: --user is required", errUsage)
	}
	res, err := a.Auth.ListUsers(e.ctx, auth.System(), auth.UserFilter{Query: email}, page.Request{Limit: page.MaxLimit})
	if err != nil {
		return auth.User{}, err
	}
	for _, u := range res.Items {
		if strings.EqualFold(u.Email, email) {
			return u, nil
		}
	}
	return auth.User{}, fmt.Errorf("no user with e-mail %s", email)
}

func permList() string {
	var ps []string
	for _, p := range auth.AllPermissions {
		ps = append(ps, string(p))
	}
	return strings.Join(ps, ", ")
}
