package advimport

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestNVDPagesAreSpaced: by default, pages of the NVD API are asked for
// 6 s apart (its public rate limit), and a cancelled pull stops waiting.
func TestNVDPagesAreSpaced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var asked []time.Duration
		start := time.Now()
		client := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
			asked = append(asked, time.Since(start))
			s, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
			var items []string
			for i := s; i < min(s+2, 5); i++ {
				items = append(items, fmt.Sprintf(`{"cve":{"id":"CVE-2024-%04d"}}`, 1000+i))
			}
			body := fmt.Sprintf(`{"format":"NVD_CVE","resultsPerPage":%d,"startIndex":%d,"totalResults":5,"vulnerabilities":[%s]}`, len(items), s, strings.Join(items, ","))
			return &http.Response{StatusCode: 200, Status: "200 OK", Body: io.NopCloser(strings.NewReader(body)), Header: http.Header{}}, nil
		})}
		p := &Puller{Client: client, Options: Options{NVDPageSize: 2}}
		rs, err := p.Fetch(t.Context(), KindNVD, "https://services.nvd.nist.gov/rest/json/cves/2.0")
		if err != nil || len(Advisories(rs)) != 5 {
			t.Fatalf("%v, %d", err, len(rs))
		}
		if fmt.Sprint(asked) != "[0s 6s 12s]" {
			t.Errorf("pages asked at %v", asked)
		}
	})
}
