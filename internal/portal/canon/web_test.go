package canon

import (
	"slices"
	"testing"
)

func TestURL(t *testing.T) {
	runTable(t, URL, KindURL, []normCase{
		{in: "https://www.Evil.example/Login?ref=sms#top", want: "https://www.evil.example/Login?ref=sms", key: "url:evil.example/Login?ref=sms"},
		{in: "http://evil.example", want: "http://evil.example/", key: "url:evil.example/"},
		{in: "evil.example/dang-nhap", want: "http://evil.example/dang-nhap", key: "url:evil.example/dang-nhap"},
		{in: "HTTPS://EVIL.EXAMPLE:443/a/./b/../c", want: "https://evil.example/a/c", key: "url:evil.example/a/c"},
		{in: "http://evil.example:8080/x", want: "http://evil.example:8080/x", key: "url:evil.example:8080/x"},
		{in: "hxxps://evil[.]example/x", want: "https://evil.example/x", key: "url:evil.example/x"},
		{in: "https://vietcombank.com.vn@evil.example/", want: "https://vietcombank.com.vn@evil.example/", key: "url:evil.example/"},
		{in: "https://XN--VIETCMBANK-KBB.vn/otp", want: "https://xn--vietcmbank-kbb.vn/otp"},
		{in: "https://vietcómbank.vn/otp", want: "https://xn--vietcmbank-kbb.vn/otp", key: "url:xn--vietcmbank-kbb.vn/otp"},
		{in: "https://www.ngân-hàng.vn/", want: "https://www.xn--ngn-hng-dwao.vn/", key: "url:xn--ngn-hng-dwao.vn/"},
		{in: "http://intranet/", code: CodeBadURL},
		{in: "http://203.0.113.9/bidv/", want: "http://203.0.113.9/bidv/", key: "url:203.0.113.9/bidv/"},
		{in: "http://[2001:db8::1]:8443/", want: "http://[2001:db8::1]:8443/", key: "url:[2001:db8::1]:8443/"},
		{in: "https://www.com.vn/", want: "https://www.com.vn/", key: "url:www.com.vn/"}, // "www." kept: com.vn is a public suffix
		{in: "https://evil.example/%7Euser/%e1%ba%a1", want: "https://evil.example/~user/%E1%BA%A1"},
		{in: "ftp://evil.example/", code: CodeURLScheme},
		{in: "javascript:alert(1)", code: CodeBadURL},
		{in: "https://", code: CodeBadURL},
		{in: "http://evil example/", code: CodeBadURL},
		{in: "http://evil.example\x00/", code: CodeBadChars},
		{in: "\xff\xfe", code: CodeBadUTF8},
	})
}

func TestDomain(t *testing.T) {
	runTable(t, Domain, KindDomain, []normCase{
		{in: "Evil.Example", want: "evil.example", key: "domain:evil.example"},
		{in: "www.evil.example.", want: "www.evil.example", key: "domain:evil.example"},
		{in: "evil[.]example", want: "evil.example"},
		{in: "https://login.evil.example:8443/otp?x", want: "login.evil.example", key: "domain:login.evil.example"},
		{in: "*.evil.example", want: "evil.example"},
		{in: "thuế-điện-tử.vn", want: "xn--thu-in-t-ocb2907evcatw.vn", key: "domain:xn--thu-in-t-ocb2907evcatw.vn"},
		{in: "XN--THU-IN-T-OCB2907EVCATW.VN", want: "xn--thu-in-t-ocb2907evcatw.vn"},
		{in: "scam.github.io", want: "scam.github.io"},
		{in: "www.vn", want: "www.vn", key: "domain:www.vn"},
		{in: "com.vn", code: CodeDomainSuffix},
		{in: "github.io", code: CodeDomainSuffix},
		{in: "203.0.113.9", code: CodeDomainIsIP},
		{in: "http://203.0.113.9/x", code: CodeDomainIsIP},
		{in: "lừa@đảo.vn", code: CodeDomainEmail},
		{in: "localhost", code: CodeBadDomain},
		{in: "evil..example", code: CodeBadDomain},
		{in: "evil!.example", code: CodeBadDomain},
		{in: "", code: CodeEmpty},
	})
}

func TestURLKeys(t *testing.T) {
	got := urlKeys(nil, "https://www.evil.example/a/b?x=1")
	want := []string{
		"url:evil.example/a/b?x=1", "url:evil.example/a/b", "url:evil.example/a/b/",
		"url:evil.example/a/", "url:evil.example/a", "url:evil.example/",
		"domain:evil.example",
	}
	if !slices.Equal(got, want) {
		t.Errorf("urlKeys =\n%q\nwant\n%q", got, want)
	}
	got = urlKeys(nil, "http://a.b.evil.co.uk/")
	want = []string{"url:a.b.evil.co.uk/", "domain:a.b.evil.co.uk", "domain:b.evil.co.uk", "domain:evil.co.uk"}
	if !slices.Equal(got, want) {
		t.Errorf("urlKeys =\n%q\nwant\n%q", got, want)
	}
	deep := "http://h.example/" + "a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a"
	if n := len(urlKeys(nil, deep)); n > 2*maxPathProbes+5 {
		t.Errorf("a deep path gave %d keys", n)
	}
}
