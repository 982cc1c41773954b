package vulnfeed

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"time"
)

// decodeOne decodes exactly one JSON value from data into v: trailing data
// after the value is an error (a truncated or concatenated file is not read
// half).
func decodeOne(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return invalid("not JSON of the expected shape: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("data after the JSON document")
	}
	return nil
}

// timeLayouts are the date forms sources use: RFC 3339 with or without
// fraction, NVD's zone-less local form, and bare dates.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// parseTime reads a source timestamp as UTC; the zero time when empty or
// unreadable.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// firstLine returns the first line of s, cut to n runes.
func firstLine(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > n {
		s = strings.TrimSpace(string(r[:n-1])) + "…"
	}
	return s
}

// addUnique appends s to list unless it is empty or already there.
func addUnique(list []string, s ...string) []string {
	for _, v := range s {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		found := false
		for _, w := range list {
			if w == v {
				found = true
				break
			}
		}
		if !found {
			list = append(list, v)
		}
	}
	return list
}

// openBound reports whether a version bound means "no bound".
func openBound(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "*", "-", "n/a", "unspecified", "unknown", "all":
		return true
	}
	return false
}
