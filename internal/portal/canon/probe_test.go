package canon

import (
	"slices"
	"testing"
)

func TestProbes(t *testing.T) {
	for _, tc := range []struct {
		in    string
		kinds []Kind   // of each reading
		keys  []string // the first key of each reading
		also  string   // a wider key some reading must try
	}{
		{"https://www.evil.example/login?x=1", []Kind{KindURL}, []string{"url:evil.example/login?x=1"}, "domain:evil.example"},
		{"sub.evil.example", []Kind{KindDomain}, []string{"url:sub.evil.example/"}, "domain:evil.example"},
		{"evil[.]example", []Kind{KindDomain}, []string{"url:evil.example/"}, "domain:evil.example"},
		{"0912 345 678", []Kind{KindPhone, KindBank}, []string{"phone:+84912345678", "acct:0912345678"}, ""},
		{"+84 912 345 678", []Kind{KindPhone}, []string{"phone:+84912345678"}, ""},
		{"0011001234567", []Kind{KindBank}, []string{"acct:0011001234567"}, ""},
		{"VCB 0011001234567", []Kind{KindBank}, []string{"bank:970436:0011001234567"}, ""},
		{"cskh@evil.example", []Kind{KindEmail}, []string{"email:cskh@evil.example"}, "domain:evil.example"},
		{"https://zalo.me/0912345678", []Kind{KindSocial}, []string{"social:zalo:+84912345678"}, "phone:+84912345678"},
		{"@hotro_nganhang", []Kind{KindSocial, KindSocial}, []string{"social:tiktok:hotro_nganhang", "social:telegram:hotro_nganhang"}, ""},
		{"facebook.com/john.smith", []Kind{KindSocial}, []string{"social:facebook:johnsmith"}, ""},
		{"facebook.com", []Kind{KindDomain}, []string{"url:facebook.com/"}, "domain:facebook.com"},
		{"203.113.123.45", []Kind{KindURL}, []string{"url:203.113.123.45/"}, ""},
		{"hello", nil, nil, ""},
		{"", nil, nil, ""},
		{"12", nil, nil, ""},
	} {
		ps := Probes(tc.in)
		var kinds []Kind
		var keys, all []string
		for _, p := range ps {
			kinds, keys = append(kinds, p.Subject.Kind), append(keys, p.Keys[0])
			all = append(all, p.Keys...)
		}
		if !slices.Equal(kinds, tc.kinds) || !slices.Equal(keys, tc.keys) || tc.also != "" && !slices.Contains(all, tc.also) {
			t.Errorf("Probes(%q) = %+v", tc.in, ps)
		}
	}
}
