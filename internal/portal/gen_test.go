package portal

import (
	"fmt"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/portal/canon"
)

// This file generates deterministic look-up data for tests and benchmarks:
// entry i of a data set is a pure function of i, in the proportions a
// national list might have (domains 40 %, web addresses 20 %, phone
// numbers 20 %, bank accounts 15 %, e-mail addresses and profiles 5 %),
// with look-up inputs written the way people type them.

func mix(x uint64) uint64 { // splitmix64
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

var (
	genWords = []string{"vietcombank", "bidv", "shopee", "lazada", "thue", "dichvucong", "evn", "viettel", "nhanqua", "vayvon",
		"dautu", "tuyendung", "hotro", "xacminh", "baohiem", "giaohang", "khuyenmai", "congan", "binance", "zalopay"}
	genTLDs     = []string{"com", "vn", "com.vn", "net", "xyz", "top", "online", "site", "info", "cc"}
	genMobile   = []string{"32", "33", "34", "35", "36", "37", "38", "39", "56", "58", "70", "76", "77", "78", "79", "81", "82", "83", "84", "85", "86", "88", "89", "90", "91", "93", "94", "96", "97", "98"}
	genBankBINs = []string{"970436", "970415", "970418", "970405", "970407", "970422", "970416", "970432", "970423", "970403"}
	genBankCode = []string{"VCB", "CTG", "BIDV", "VBA", "TCB", "MB", "ACB", "VPB", "TPB", "STB"}
)

// genEntry returns the kind, key and a typed-by-a-person form of entry i.
func genEntry(i int) (canon.Kind, string, string) {
	h := mix(uint64(i))
	w := genWords[h%uint64(len(genWords))]
	tld := genTLDs[h>>8%uint64(len(genTLDs))]
	switch i % 20 {
	case 0, 1, 2, 3, 4, 5, 6, 7:
		d := fmt.Sprintf("%s-%d.%s", w, i, tld)
		return canon.KindDomain, "domain:" + d, "https://www." + strings.ToUpper(d[:1]) + d[1:] + "/dang-nhap?ref=sms"
	case 8, 9, 10, 11:
		host := fmt.Sprintf("%s%d.%s", w, i%997, tld)
		return canon.KindURL, fmt.Sprintf("url:%s/%s/%d", host, w, i), fmt.Sprintf("http://%s/%s/%d", host, w, i)
	case 12, 13, 14, 15:
		p := genMobile[h>>16%uint64(len(genMobile))]
		n := fmt.Sprintf("%s%07d", p, i/20*4+i%20-12)
		return canon.KindPhone, "phone:+84" + n, "0" + n[:3] + " " + n[3:6] + " " + n[6:]
	case 16, 17, 18:
		b := h >> 24 % uint64(len(genBankBINs))
		acct := fmt.Sprintf("%d%09d", 1+h>>32%9, i)
		return canon.KindBank, "bank:" + genBankBINs[b] + ":" + acct, genBankCode[b] + " " + acct
	}
	if i%40 == 19 {
		return canon.KindEmail, fmt.Sprintf("email:%s%d@%s.%s", w, i, genWords[h>>40%uint64(len(genWords))], tld),
			fmt.Sprintf("%s%d@%s.%s", w, i, genWords[h>>40%uint64(len(genWords))], tld)
	}
	return canon.KindSocial, fmt.Sprintf("social:telegram:%s_%d", w, i), fmt.Sprintf("https://t.me/%s_%d", w, i)
}

// genListings yields n published listings.
func genListings(n int, expires time.Time) func(add func(Listing)) {
	return func(add func(Listing)) {
		for i := range n {
			kind, key, _ := genEntry(i)
			add(Listing{Kind: kind, Key: key, Value: canon.Display(key), State: StatePublished, Reports: 1 + i%7,
				ExpiresAt: expires})
		}
	}
}

// genQueries returns m look-up inputs over a data set of n entries: half
// of them entries (typed as people type them), half values not listed.
func genQueries(n, m int) []string {
	out := make([]string, m)
	for j := range out {
		i := int(mix(uint64(j)+1<<40) % uint64(n))
		if j%2 == 1 {
			i += n // not in the data set
		}
		_, _, typed := genEntry(i)
		out[j] = typed
	}
	return out
}
