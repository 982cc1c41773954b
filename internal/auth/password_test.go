package auth

import (
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/khien-cert/khien/internal/errs"
)

func TestHashVerify(t *testing.T) {
	h := NewHasher(TestParams)
	enc, err := h.Hash(t.Context(), "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(enc) {
		t.Fatalf("hash %q is not a PHC argon2id string", enc)
	}
	// A hasher with other parameters still verifies: they come from the string.
	other := NewHasher(Params{Time: 2, MemoryKiB: 128, Threads: 2, SaltLen: 16, KeyLen: 32, Concurrent: 1})
	for _, tc := range []struct {
		pw   string
		want bool
	}{
		{"correct horse battery staple", true},
		{"correct horse battery stapl", false},
		{"", false},
	} {
		if ok, err := other.Verify(t.Context(), enc, tc.pw); err != nil || ok != tc.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	enc2, _ := h.Hash(t.Context(), "correct horse battery staple")
	if enc2 == enc {
		t.Error("two hashes of one password are equal: salt not random")
	}
}

func TestVerifyNormalisesUnicode(t *testing.T) {
	h := NewHasher(TestParams)
	nfc := "mật khẩu Việt Nam"  // as typed on one keyboard
	nfd := norm.NFD.String(nfc) // and on another
	if nfc == nfd {
		t.Fatal("test strings should differ in bytes")
	}
	enc, err := h.Hash(t.Context(), nfd)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.Verify(t.Context(), enc, nfc); err != nil || !ok {
		t.Errorf("NFC password does not verify against NFD hash: %v, %v", ok, err)
	}
}

func TestDefaultParamsFormat(t *testing.T) {
	enc := encodePHC(DefaultParams, make([]byte, 16), make([]byte, 32))
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("default PHC prefix: %s", enc)
	}
}

func TestVerifyRefusesMalformed(t *testing.T) {
	h := NewHasher(TestParams)
	for name, enc := range map[string]string{
		"empty":     "",
		"bcrypt":    "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
		"argon2i":   "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"version":   "$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"huge mem":  "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"bad salt":  "$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"short key": "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
	} {
		if ok, err := h.Verify(t.Context(), enc, "whatever password"); err == nil || ok {
			t.Errorf("%s: Verify = %v, %v; want an error", name, ok, err)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		name, pw, email, code string
	}{
		{"ok", "correct horse battery", "ana@example.vn", ""},
		{"twelve multibyte", strings.Repeat("ằ", 12), "", ""},
		{"too short", "short pass1", "", "password.too_short"},
		{"eleven multibyte", strings.Repeat("ằ", 11), "", "password.too_short"},
		{"twelve decomposed", strings.Repeat("a\u0306\u0300", 12), "", ""},
		{"too long", strings.Repeat("a", MaxPasswordLen+1), "", "password.too_long"},
		{"longest", strings.Repeat("a", MaxPasswordLen), "", ""},
		{"is email", "Analyst@Example.vn", "analyst@example.vn", "password.is_email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPassword(tc.pw, tc.email)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("CheckPassword = %v", err)
				}
				return
			}
			e, ok := asInvalidErr(err)
			if !ok || len(e.Fields) != 1 || e.Fields[0].Field != "password" || e.Fields[0].Code != tc.code {
				t.Fatalf("CheckPassword = %#v, want field password code %s", err, tc.code)
			}
		})
	}
}

func asInvalidErr(err error) (*errs.Error, bool) {
	e, ok := err.(*errs.Error)
	return e, ok && e.Kind == errs.KindInvalid
}
