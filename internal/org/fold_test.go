package org

import "testing"

func TestFold(t *testing.T) {
	cases := map[string]string{
		"Bộ Công an":                   "bo cong an",
		"ĐÀ NẴNG":                      "da nang",
		"Sở Thông tin và Truyền thông": "so thong tin va truyen thong",
		"plain":                        "plain",
	}
	for in, want := range cases {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
