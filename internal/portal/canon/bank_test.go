package canon

import (
	"testing"
)

func TestBanksAreUnambiguous(t *testing.T) {
	seen := map[string]string{}
	bins := map[string]bool{}
	for _, b := range Banks {
		if len(b.BIN) != 6 || !digits.MatchString(b.BIN) || bins[b.BIN] {
			t.Errorf("%s: BIN %q is not six digits or is taken", b.Code, b.BIN)
		}
		bins[b.BIN] = true
		for _, n := range append([]string{b.Code, b.BIN, b.Name}, b.Aliases...) {
			f := foldName(n)
			if f == "" {
				t.Errorf("%s: name %q folds to nothing", b.Code, n)
			}
			if other, ok := seen[f]; ok && other != b.Code {
				t.Errorf("%q names both %s and %s", n, other, b.Code)
			}
			seen[f] = b.Code
		}
	}
}

func TestLookupBank(t *testing.T) {
	for in, want := range map[string]string{
		"VCB": "970436", "vcb": "970436", "Vietcombank": "970436", "VIETCOMBANK": "970436", "970436": "970436",
		"Ngân hàng Vietcombank": "970436", "MB": "970422", "MB Bank": "970422", "mbbank": "970422",
		"Quân Đội": "970422", "Techcombank": "970407", "TCB": "970407", "Agribank": "970405",
		"VietinBank": "970415", "BIDV": "970418", "Sacombank": "970403", "Nam Á": "970428",
		"LienVietPostBank": "970449", "Viettel Money": "971005",
	} {
		b, ok := LookupBank(in)
		if !ok || b.BIN != want {
			t.Errorf("LookupBank(%q) = %+v, %v; want BIN %s", in, b, ok, want)
		}
	}
	for _, in := range []string{"", "Bank", "Ngân hàng", "Chase", "97043"} {
		if b, ok := LookupBank(in); ok {
			t.Errorf("LookupBank(%q) = %+v", in, b)
		}
	}
}

func TestBankAccount(t *testing.T) {
	acct := func(bank string) func(string) (Subject, error) {
		return func(n string) (Subject, error) {
			if bank == "" {
				return BankAccountText(n)
			}
			return BankAccount(bank, n)
		}
	}
	runTable(t, acct(""), KindBank, []normCase{
		{in: "VCB 0011001234567", want: "970436:0011001234567", key: "bank:970436:0011001234567"},
		{in: "Vietcombank: 0011 0012 34567", want: "970436:0011001234567"},
		{in: "970436:0011001234567", want: "970436:0011001234567"},
		{in: "MB Bank 0912345678", want: "970422:0912345678"},
		{in: "ngân hàng quân đội 0912.345.678", want: "970422:0912345678"},
		{in: "Techcombank 1903-5555-6666-01", want: "970407:19035555666601"},
		{in: "0011001234567", code: CodeBankRequired},
		{in: "Chase 123456789", code: CodeBankRequired},
		{in: "Chase: 123456789", code: CodeBankUnknown},
		{in: "VCB: 12345", code: CodeAcctLength},
		{in: "VCB: 12345678901234567890", code: CodeAcctLength},
		{in: "VCB: 0011-ABC-567", code: CodeAcctChars},
		{in: "VCB:", code: CodeEmpty},
	})
	runTable(t, acct("ACB"), KindBank, []normCase{
		{in: "  2468 1357  ", want: "970416:24681357"},
		{in: "２４６８１３５７", want: "970416:24681357"},
	})
}

func TestIndexKeys(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		key  string
		want []string
	}{
		{KindBank, "bank:970436:0011001234567", []string{"bank:970436:0011001234567", "acct:0011001234567"}},
		{KindSocial, "social:zalo:+84912345678", []string{"social:zalo:+84912345678", "phone:+84912345678"}},
		{KindSocial, "social:zalo:g:AbC", []string{"social:zalo:g:AbC"}},
		{KindDomain, "domain:evil.example", []string{"domain:evil.example"}},
	} {
		got := IndexKeys(tc.kind, tc.key)
		if len(got) != len(tc.want) || got[0] != tc.want[0] || got[len(got)-1] != tc.want[len(tc.want)-1] {
			t.Errorf("IndexKeys(%s, %s) = %q, want %q", tc.kind, tc.key, got, tc.want)
		}
	}
	if KindOfKey("acct:123") != KindBank || KindOfKey("phone:+84") != KindPhone || Display("url:a/b") != "a/b" {
		t.Error("KindOfKey or Display")
	}
}
