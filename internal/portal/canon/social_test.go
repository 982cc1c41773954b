package canon

import "testing"

func TestEmail(t *testing.T) {
	runTable(t, Email, KindEmail, []normCase{
		{in: "Support@Evil.Example", want: "support@evil.example", key: "email:support@evil.example"},
		{in: "mailto:cskh@vietcombank-hotro.example", want: "cskh@vietcombank-hotro.example"},
		{in: "j.doe+refund@Gmail.com", want: "j.doe+refund@gmail.com", key: "email:jdoe@gmail.com"},
		{in: "j.d.o.e@googlemail.com", want: "j.d.o.e@googlemail.com", key: "email:jdoe@gmail.com"},
		{in: "x[@]evil[.]example", want: "x@evil.example"},
		{in: "hotro@ngân-hàng.vn", want: "hotro@xn--ngn-hng-dwao.vn"},
		{in: "no-at-sign.example", code: CodeBadEmail},
		{in: "a b@evil.example", code: CodeBadEmail},
		{in: "x@203.0.113.1", code: CodeBadEmail},
		{in: "@evil.example", code: CodeBadEmail},
	})
}

func TestSocial(t *testing.T) {
	runTable(t, Social, KindSocial, []normCase{
		// Facebook: names ignore dots and case; numeric profiles by id.
		{in: "https://www.facebook.com/John.Smith.123?mibextid=ZbWKwL", want: "https://www.facebook.com/john.smith.123", key: "social:facebook:johnsmith123"},
		{in: "facebook.com/johnsmith123/", want: "https://www.facebook.com/johnsmith123", key: "social:facebook:johnsmith123"},
		{in: "https://m.facebook.com/profile.php?id=100089123456789&ref=x", want: "https://www.facebook.com/profile.php?id=100089123456789", key: "social:facebook:id:100089123456789"},
		{in: "https://www.facebook.com/people/Ho-Tro-Vay-Von/100089123456789/", want: "https://www.facebook.com/profile.php?id=100089123456789"},
		{in: "https://www.facebook.com/100089123456789", want: "https://www.facebook.com/profile.php?id=100089123456789"},
		{in: "https://web.facebook.com/groups/VayTienNhanh24h/", want: "https://www.facebook.com/groups/vaytiennhanh24h", key: "social:facebook:group:vaytiennhanh24h"},
		{in: "https://www.facebook.com/share/1AbCdEfGh/", want: "https://www.facebook.com/share/1AbCdEfGh", key: "social:facebook:share:1AbCdEfGh"},
		{in: "https://www.facebook.com/share/p/1AbCdEfGh/", want: "https://www.facebook.com/share/1AbCdEfGh"},
		{in: "fb.com/John.Smith.123", want: "https://www.facebook.com/john.smith.123"},
		{in: "https://m.me/john.smith.123", want: "https://www.facebook.com/john.smith.123"},
		{in: "fb:@john.smith.123", want: "https://www.facebook.com/john.smith.123"},
		{in: "https://www.facebook.com/watch/?v=123", code: CodeSocialNotProfile},
		{in: "https://www.facebook.com/", code: CodeSocialNotProfile},
		{in: "https://www.facebook.com/john_smith", code: CodeSocialHandle},
		// Zalo: a phone number is the profile; groups by code.
		{in: "https://zalo.me/0912345678", want: "https://zalo.me/0912345678", key: "social:zalo:+84912345678"},
		{in: "zalo.me/84912345678", want: "https://zalo.me/0912345678", key: "social:zalo:+84912345678"},
		{in: "zalo: 0912 345 678", want: "https://zalo.me/0912345678"},
		{in: "https://zalo.me/g/abcDEF123", want: "https://zalo.me/g/abcDEF123", key: "social:zalo:g:abcDEF123"},
		{in: "https://zalo.me/4318569889112483645", want: "https://zalo.me/4318569889112483645", key: "social:zalo:oa:4318569889112483645"},
		// TikTok.
		{in: "https://www.tiktok.com/@Tuyen.Dung.Online/video/7312345678901234567?lang=vi", want: "https://www.tiktok.com/@tuyen.dung.online", key: "social:tiktok:tuyen.dung.online"},
		{in: "tiktok.com/@shop_gia_re", want: "https://www.tiktok.com/@shop_gia_re"},
		{in: "tiktok:@Shop_Gia_Re", want: "https://www.tiktok.com/@shop_gia_re"},
		{in: "https://vm.tiktok.com/ZSabc123/", want: "https://vm.tiktok.com/ZSabc123", key: "social:tiktok:vm:ZSabc123"},
		{in: "https://www.tiktok.com/foryou", code: CodeSocialNotProfile},
		// Telegram.
		{in: "https://t.me/HoTro_NganHang", want: "https://t.me/hotro_nganhang", key: "social:telegram:hotro_nganhang"},
		{in: "t.me/s/HoTro_NganHang", want: "https://t.me/hotro_nganhang"},
		{in: "telegram.me/hotro_nganhang", want: "https://t.me/hotro_nganhang"},
		{in: "telegram:@hotro_nganhang", want: "https://t.me/hotro_nganhang"},
		{in: "https://t.me/+AbCdEf123", want: "https://t.me/+AbCdEf123", key: "social:telegram:+AbCdEf123"},
		{in: "https://t.me/joinchat/AbCdEf123", want: "https://t.me/+AbCdEf123"},
		{in: "https://t.me/abc", code: CodeSocialHandle},
		{in: "https://t.me/addstickers/x", code: CodeSocialNotProfile},
		// Elsewhere.
		{in: "https://evil.example/john", code: CodeSocialPlatform},
		{in: "facebook:John Smith", code: CodeSocialHandle},
		{in: "", code: CodeEmpty},
	})
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		in   string
		key  string
	}{
		{KindURL, "evil.example/x", "url:evil.example/x"},
		{KindDomain, "www.evil.example", "domain:evil.example"},
		{KindPhone, "0912345678", "phone:+84912345678"},
		{KindBank, "VCB 0011001234567", "bank:970436:0011001234567"},
		{KindSocial, "t.me/hotro_nganhang", "social:telegram:hotro_nganhang"},
		{KindEmail, "A@evil.example", "email:a@evil.example"},
	} {
		s, err := Normalize(tc.kind, tc.in)
		if err != nil || s.Key != tc.key || s.Kind != tc.kind || KindOfKey(s.Key) != tc.kind {
			t.Errorf("Normalize(%s, %q) = %+v, %v", tc.kind, tc.in, s, err)
		}
	}
	if _, err := Normalize("fax", "x"); err == nil {
		t.Error("unknown kind accepted")
	}
}
