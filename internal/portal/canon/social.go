package canon

// This file normalises social-media profiles on Facebook, Zalo, TikTok and
// Telegram. A profile is given as its web address (any of the platform's
// hosts, with or without scheme, with the tracking query it was shared
// with) or as "platform:handle". Value is the profile's canonical https
// address; Key is "social:<platform>:<what names it>", where user names are
// folded the way the platform does (Facebook ignores dots and case; TikTok
// and Telegram ignore case) and opaque codes (share links, invites, group
// links) keep their case.

import (
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/khien-cert/khien/internal/intel"
)

// Platform is a social network the portal knows.
type Platform string

const (
	Facebook Platform = "facebook"
	Zalo     Platform = "zalo"
	TikTok   Platform = "tiktok"
	Telegram Platform = "telegram"
)

// Codes of Social.
const (
	CodeSocialPlatform   = "portal.social_platform"
	CodeSocialNotProfile = "portal.social_not_profile"
	CodeSocialHandle     = "portal.social_bad_handle"
)

// platformSites maps a registrable name (eTLD+1) to its platform.
var platformSites = map[string]Platform{
	"facebook.com": Facebook, "fb.com": Facebook, "fb.me": Facebook, "m.me": Facebook, "messenger.com": Facebook,
	"zalo.me":    Zalo,
	"tiktok.com": TikTok,
	"t.me":       Telegram, "telegram.me": Telegram, "telegram.dog": Telegram,
}

// textForms maps the "platform:" prefixes of the text form to the address
// the handle is read under.
var textForms = map[string]string{
	"facebook": "https://www.facebook.com/", "fb": "https://www.facebook.com/",
	"zalo": "https://zalo.me/", "tiktok": "https://www.tiktok.com/@",
	"telegram": "https://t.me/", "tg": "https://t.me/",
}

var (
	fbName   = regexp.MustCompile(`^[A-Za-z0-9.]{1,50}$`)
	ttHandle = regexp.MustCompile(`^[a-z0-9._]{2,24}$`)
	tgHandle = regexp.MustCompile(`^[a-z][a-z0-9_]{4,31}$`)
	code     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	digits   = regexp.MustCompile(`^[0-9]{1,20}$`)
	zaloName = regexp.MustCompile(`^[a-z0-9._-]{3,64}$`)
)

// fbReserved are first path segments of Facebook addresses that are not
// profiles.
var fbReserved = set("watch", "photo", "photo.php", "photos", "story.php", "permalink.php", "events", "marketplace",
	"login", "login.php", "help", "reel", "reels", "stories", "hashtag", "search", "gaming", "friends",
	"notifications", "messages", "settings", "privacy", "policies", "ads", "business", "l.php", "sharer",
	"sharer.php", "dialog", "plugins", "home.php", "recover", "checkpoint", "video.php", "media")

// tgReserved are t.me paths that are not users, bots, groups or channels.
var tgReserved = set("addstickers", "addemoji", "share", "iv", "proxy", "socks", "login", "c", "addlist", "setlanguage", "bg")

// Social returns the Subject of a social-media profile.
func Social(s string) (Subject, error) {
	s, err := prepare(s, "the address of a profile")
	if err != nil {
		return Subject{}, err
	}
	if p, h, ok := strings.Cut(s, ":"); ok && !strings.HasPrefix(h, "//") {
		if base, ok := textForms[strings.ToLower(strings.TrimSpace(p))]; ok {
			h = strings.TrimPrefix(strings.TrimSpace(h), "@")
			if ph, err := Phone(h); err == nil && base == textForms["zalo"] {
				h = "0" + ph.Value[3:]
			}
			if h == "" || strings.ContainsAny(h, "/?#:@ ") {
				return Subject{}, invalid("value", CodeSocialHandle, "%s is not a user name", quote(h))
			}
			s = base + h
		}
	}
	raw := s
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	c, ok := intel.CanonicalURL(raw)
	if !ok {
		return Subject{}, invalid("value", CodeSocialPlatform, "%s is not the address of a profile", quote(s))
	}
	u, err := url.Parse(c)
	if err != nil {
		return Subject{}, invalid("value", CodeSocialPlatform, "%s is not the address of a profile", quote(s))
	}
	site, _ := publicsuffix.EffectiveTLDPlusOne(u.Hostname())
	var segs []string
	if p := strings.Trim(u.EscapedPath(), "/"); p != "" {
		segs = strings.Split(p, "/")
	}
	switch platformSites[site] {
	case Facebook:
		return facebook(u, segs)
	case Zalo:
		return zalo(segs)
	case TikTok:
		return tiktok(u, segs)
	case Telegram:
		return telegram(segs)
	}
	return Subject{}, invalid("value", CodeSocialPlatform, "give the address of a Facebook, Zalo, TikTok or Telegram profile")
}

func social(p Platform, value, key string) (Subject, error) {
	return Subject{Kind: KindSocial, Value: value, Key: "social:" + string(p) + ":" + key}, nil
}

func notProfile() (Subject, error) {
	return Subject{}, invalid("value", CodeSocialNotProfile,
		"the address does not name a profile; open the profile and copy its address")
}

func badHandle(h string) (Subject, error) {
	return Subject{}, invalid("value", CodeSocialHandle, "%s is not a valid user name on this platform", quote(h))
}

func facebook(u *url.URL, segs []string) (Subject, error) {
	const base = "https://www.facebook.com/"
	if len(segs) == 0 {
		return notProfile()
	}
	first := strings.ToLower(segs[0])
	switch {
	case first == "profile.php":
		if id := u.Query().Get("id"); digits.MatchString(id) {
			return social(Facebook, base+"profile.php?id="+id, "id:"+id)
		}
		return notProfile()
	case (first == "people" || first == "pages") && len(segs) >= 3 && digits.MatchString(segs[len(segs)-1]):
		id := segs[len(segs)-1]
		return social(Facebook, base+"profile.php?id="+id, "id:"+id)
	case first == "groups" && len(segs) >= 2 && code.MatchString(segs[1]):
		g := strings.ToLower(segs[1])
		return social(Facebook, base+"groups/"+g, "group:"+g)
	case first == "share" && len(segs) >= 2 && code.MatchString(segs[len(segs)-1]):
		c := segs[len(segs)-1]
		return social(Facebook, base+"share/"+c, "share:"+c)
	case first == "pg" && len(segs) >= 2:
		first, segs = strings.ToLower(segs[1]), segs[1:]
	case fbReserved[first]:
		return notProfile()
	}
	if !fbName.MatchString(first) || strings.Trim(first, ".") == "" {
		return badHandle(segs[0])
	}
	if digits.MatchString(first) {
		return social(Facebook, base+"profile.php?id="+first, "id:"+first)
	}
	return social(Facebook, base+first, strings.ReplaceAll(first, ".", ""))
}

func zalo(segs []string) (Subject, error) {
	const base = "https://zalo.me/"
	switch {
	case len(segs) == 0:
		return notProfile()
	case segs[0] == "g" && len(segs) >= 2 && code.MatchString(segs[1]):
		return social(Zalo, base+"g/"+segs[1], "g:"+segs[1])
	}
	if ph, err := Phone(segs[0]); err == nil {
		return social(Zalo, base+"0"+ph.Value[3:], ph.Value)
	}
	if digits.MatchString(segs[0]) {
		return social(Zalo, base+segs[0], "oa:"+segs[0])
	}
	name := strings.ToLower(segs[0])
	if !zaloName.MatchString(name) {
		return badHandle(segs[0])
	}
	return social(Zalo, base+name, name)
}

func tiktok(u *url.URL, segs []string) (Subject, error) {
	if len(segs) == 0 {
		return notProfile()
	}
	if sub, _, _ := strings.Cut(u.Hostname(), "."); sub == "vm" || sub == "vt" {
		if !code.MatchString(segs[0]) {
			return badHandle(segs[0])
		}
		return social(TikTok, "https://"+sub+".tiktok.com/"+segs[0], sub+":"+segs[0])
	}
	h, ok := strings.CutPrefix(segs[0], "@")
	if !ok {
		return notProfile()
	}
	h = strings.ToLower(h)
	if !ttHandle.MatchString(h) {
		return badHandle(segs[0])
	}
	return social(TikTok, "https://www.tiktok.com/@"+h, h)
}

func telegram(segs []string) (Subject, error) {
	const base = "https://t.me/"
	if len(segs) == 0 {
		return notProfile()
	}
	first := segs[0]
	switch {
	case strings.HasPrefix(first, "+") && code.MatchString(first[1:]):
		return social(Telegram, base+first, first)
	case first == "joinchat" && len(segs) >= 2 && code.MatchString(segs[1]):
		return social(Telegram, base+"+"+segs[1], "+"+segs[1])
	case first == "s" && len(segs) >= 2:
		first = segs[1]
	case tgReserved[strings.ToLower(first)]:
		return notProfile()
	}
	h := strings.ToLower(first)
	if !tgHandle.MatchString(h) {
		return badHandle(first)
	}
	return social(Telegram, base+h, h)
}
