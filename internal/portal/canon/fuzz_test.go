package canon

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
)

// checkNorm holds every normaliser to the package's invariants: a refusal
// is an *errs.Error of KindInvalid with a code, a message and a field; a
// Subject has the kind asked for, a key under that kind, valid text without
// control characters, and is a fixed point.
func checkNorm(t *testing.T, kind Kind, in string, s Subject, err error) {
	t.Helper()
	if err != nil {
		e, ok := errors.AsType[*errs.Error](err)
		if !ok || e.Kind != errs.KindInvalid || !strings.HasPrefix(e.Code, "portal.") || e.Public == "" || len(e.Fields) != 1 {
			t.Fatalf("%q: refusal %#v does not follow the rules", in, err)
		}
		if !utf8.ValidString(e.Public) {
			t.Fatalf("%q: message %q is not valid UTF-8", in, e.Public)
		}
		return
	}
	if s.Kind != kind || !strings.HasPrefix(s.Key, string(kind)+":") || KindOfKey(s.Key) != kind {
		t.Fatalf("%q: subject %+v has the wrong kind or key", in, s)
	}
	if s.Value == "" || !utf8.ValidString(s.Value) || strings.ContainsFunc(s.Value, isControl) || len(s.Value) > 2*MaxInput+64 {
		t.Fatalf("%q: value %q is not clean text", in, s.Value)
	}
	again, err := Normalize(kind, s.Value)
	if err != nil || again != s {
		t.Fatalf("%q: %+v is not a fixed point: %+v, %v", in, s, again, err)
	}
}

func fuzzKind(f *testing.F, kind Kind, fn func(string) (Subject, error), seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := fn(in)
		checkNorm(t, kind, in, s, err)
	})
}

var e164 = regexp.MustCompile(`^\+84[0-9]{8,10}$`)

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"0912 345 678", "+84 (0) 912.345.678", "01689123456", "0084912345678", "tel:+84-24-3825-1234",
		"1900 1234", "０９１２３４５６７８", "(+84)", "+", "84", "0", "19001234567", "04 3825 1234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Phone(in)
		checkNorm(t, KindPhone, in, s, err)
		if err == nil && !e164.MatchString(s.Value) {
			t.Fatalf("%q: %q is not E.164 for Viet Nam", in, s.Value)
		}
	})
}

func FuzzURL(f *testing.F) {
	fuzzKind(f, KindURL, URL, "https://www.Evil.example/Login?ref=sms#top", "hxxps://evil[.]example/x", "evil.example",
		"http://[2001:db8::1]:8443/%7e/../a", "https://vietcómbank.vn/otp", "https://u:p@www.evil.example:443/", "http://1.2.3.4",
		"https://www.com.vn/", "HTTP://A.example/%zz")
}

func FuzzDomain(f *testing.F) {
	fuzzKind(f, KindDomain, Domain, "www.Evil.Example.", "thuế-điện-tử.vn", "https://login.evil.example:8443/otp?x",
		"*.evil.example", "com.vn", "www.vn", "XN--THU-IN-T-OCB2907EVCATW.VN", "evil[.]example", "a@b.example")
}

func FuzzBankAccount(f *testing.F) {
	fuzzKind(f, KindBank, BankAccountText, "VCB 0011001234567", "Vietcombank: 0011 0012 34567", "970436:0011001234567",
		"ngân hàng quân đội 0912.345.678", "MB Bank ２４６８１３５７", "Chase: 1", ":", "VCB")
}

func FuzzEmail(f *testing.F) {
	fuzzKind(f, KindEmail, Email, "j.doe+refund@Gmail.com", "mailto:cskh@evil.example", "x[@]evil[.]example",
		"hotro@ngân-hàng.vn", "@", "a@b@c.example")
}

func FuzzSocial(f *testing.F) {
	fuzzKind(f, KindSocial, Social, "https://www.facebook.com/John.Smith.123?mibextid=ZbWKwL",
		"https://m.facebook.com/profile.php?id=100089123456789", "https://www.facebook.com/share/p/1AbCdEfGh/",
		"zalo: 0912 345 678", "https://zalo.me/g/abcDEF123", "https://vm.tiktok.com/ZSabc123/", "tiktok:@Shop_Gia_Re",
		"https://t.me/joinchat/AbCdEf123", "t.me/s/HoTro_NganHang", "fb:@x", "facebook.com/pg/X.Y")
}

// FuzzProbes checks that any input reads into subjects whose keys are
// tried first, and that full subjects are fixed points.
func FuzzProbes(f *testing.F) {
	for _, s := range []string{"https://www.evil.example/login?x=1", "0912 345 678", "VCB 0011001234567", "@hotro_nganhang",
		"cskh@evil.example", "https://zalo.me/0912345678", "evil[.]example", "0011001234567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, p := range Probes(in) {
			if len(p.Keys) == 0 || p.Keys[0] != p.Subject.Key && !strings.HasPrefix(p.Keys[0], "url:") {
				t.Fatalf("%q: probe %+v does not try its own key first", in, p)
			}
			if strings.HasPrefix(p.Subject.Key, acctPrefix) {
				continue
			}
			checkNorm(t, p.Subject.Kind, in, p.Subject, nil)
		}
	})
}
